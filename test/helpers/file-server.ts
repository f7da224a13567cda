/**
 * A static file server on 127.0.0.1 for download tests: HEAD, GET with single byte ranges (206 / 416), and faults
 * on demand — a connection cut after N bytes of a file (once), or a slow trickle so a test can cancel mid-transfer.
 * Every request is logged with its Range header.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface FileServer {
  url: string;
  log: { method: string; path: string; range: string | null; status: number }[];
  /** the next GET of `name` sends `bytes` bytes of the announced full length, then drops the connection */
  cutOnce(name: string, bytes: number): void;
  /** GETs of `name` send 16 KiB every `ms` milliseconds */
  trickle(name: string, ms: number): void;
  close(): Promise<void>;
}

export async function startFileServer(root: string): Promise<FileServer> {
  const log: FileServer['log'] = [];
  const cuts = new Map<string, number>();
  const slow = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').split('?')[0].replace(/^\/+/, ''));
    const range = req.headers.range ?? null;
    const entry = { method: req.method ?? 'GET', path: name, range, status: 200 };
    log.push(entry);
    let size: number;
    try {
      size = statSync(join(root, name)).size;
    } catch {
      entry.status = 404;
      res.writeHead(404).end('not found');
      return;
    }
    let start = 0;
    let end = size - 1;
    const headers: Record<string, string | number> = { 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' };
    if (range) {
      const m = /^bytes=(\d+)-(\d*)$/.exec(range);
      if (!m || Number(m[1]) >= size) {
        entry.status = 416;
        res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      start = Number(m[1]);
      if (m[2]) end = Math.min(end, Number(m[2]));
      entry.status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['Content-Length'] = end - start + 1;
    res.writeHead(entry.status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const body = readFileSync(join(root, name)).subarray(start, end + 1);
    const cut = cuts.get(name);
    if (cut !== undefined) {
      cuts.delete(name);
      res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    const ms = slow.get(name);
    if (ms === undefined) {
      res.end(body);
      return;
    }
    let pos = 0;
    const tick = () => {
      if (res.destroyed) return;
      const next = Math.min(body.length, pos + 16384);
      res.write(body.subarray(pos, next));
      pos = next;
      if (pos >= body.length) res.end();
      else setTimeout(tick, ms);
    };
    tick();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    log,
    cutOnce: (name, bytes) => cuts.set(name, bytes),
    trickle: (name, ms) => slow.set(name, ms),
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
