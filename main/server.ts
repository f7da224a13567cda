/**
 * Browser mode: the typed ConceptApi over HTTP on 127.0.0.1, plus server-sent events, plus the built renderer.
 *
 *   POST /api/<method>   body: JSON array of arguments  → 200 JSON result | 4xx/5xx {code, message}
 *   GET  /api/events     text/event-stream of ApiEvent (one JSON object per `data:` line)
 *   GET  /*              renderer/dist (index.html for unknown paths), strict CSP
 *
 * Every /api call needs the random per-start token: header `x-concept-token`, or `?token=` (EventSource cannot set
 * headers). Requests whose Host header is not this loopback address are refused (DNS rebinding).
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_METHODS, ApiError, type EventSourceApi } from './api/contract.js';
import { errorJson } from './api/errors.js';
import { DEFAULT_MAX_FILE_BYTES } from './engine/import/index.js';
import { contentType, CSP, staticPath } from './static.js';

export type { EventSourceApi };
export { CSP };

export interface ServerOptions {
  api: EventSourceApi;
  port?: number; // 0 = any free port
  host?: string; // loopback only: 127.0.0.1 (default), ::1 or localhost
  token?: string; // default: 32 random bytes, hex
  staticDir?: string | null; // default: renderer/dist; null = API only
  /** body limit for importDocument (default: what the largest importable file needs as base64 JSON) */
  maxBodyBytes?: number;
}

/*
 * Body limits near what the largest legal request needs (issue 11: one 256 MB limit for every method, buffered
 * before parsing; a 50 MB body raised the server's memory by 400 MB before being refused, a 300 MB one ended in
 * ECONNRESET). A declared Content-Length over the limit is refused with 413 before a byte is read; a streamed body
 * is refused as soon as it passes the limit, and the connection is closed after the answer.
 */
/** importDocument: a file of DEFAULT_MAX_FILE_BYTES as base64 (4/3) in a JSON array, plus room for the name. */
export const MAX_IMPORT_BODY = Math.ceil((DEFAULT_MAX_FILE_BYTES * 4) / 3) + 64 * 1024;
/** every other method: bounded by the request schema (api/validate.ts); 1,000 pinned sentences fit many times. */
export const MAX_OTHER_BODY = 16 * 1024 * 1024;

export interface RunningServer {
  url: string; // http://127.0.0.1:PORT/
  appUrl: string; // url + '#token=...' (what a person opens)
  token: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const METHODS = new Set<string>(API_METHODS);

const DEFAULT_STATIC_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', 'renderer', 'dist');

/** HTTP status for an API error code. */
export function statusForCode(code: string): number {
  if (/NOT_FOUND|UNKNOWN_METHOD|NO_SUCH/.test(code)) return 404;
  if (/CANCELLED|BUSY|CONFLICT/.test(code)) return 409;
  if (/^TOO_LARGE/.test(code)) return 413;
  if (/INVALID|UNKNOWN_|BAD_|VALIDATION|MISSING_ARG|UNSUPPORTED|^IMPORT_|^EMPTY/.test(code)) return 400;
  if (/^(PACK_|MODEL_)/.test(code)) return 422; // the request is well-formed but the installed packs cannot serve it
  if (/UNAUTHORIZED/.test(code)) return 401;
  return 500; // INTERNAL, ENGINE_*, DB_*
}

function securityHeaders(res: ServerResponse) {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = body === undefined ? 'null' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

function tokenMatches(expected: Buffer, given: string | null | undefined): boolean {
  if (!given) return false;
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

/** The body as text, refused (TOO_LARGE) as soon as it passes `limit`. Not `for await`: leaving that loop destroys
 *  the socket, and the client would see ECONNRESET instead of the 413. */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        chunks.length = 0;
        fail(new ApiError('TOO_LARGE', `Request body is larger than ${limit} bytes.`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.once('error', fail);
  });
}

/** 413, then close the connection: the rest of the body is never read (nor buffered). */
function tooLarge(req: IncomingMessage, res: ServerResponse, limit: number) {
  res.setHeader('Connection', 'close');
  sendJson(res, 413, { code: 'TOO_LARGE', message: `The request is larger than this method accepts (${(limit / 1048576).toFixed(0)} MiB).` });
  res.on('finish', () => req.destroy());
}

/** One subscription to the API, fanned out to every SSE client, with a heartbeat that keeps proxies from timing out. */
function eventFanOut(api: EventSourceApi) {
  const clients = new Set<ServerResponse>();
  const unsubscribe = api.onEvent((ev) => {
    const line = `data: ${JSON.stringify(ev)}\n\n`;
    for (const c of clients) c.write(line);
  });
  const heartbeat = setInterval(() => {
    for (const c of clients) c.write(': ping\n\n');
  }, 15_000);
  heartbeat.unref();
  return {
    clients,
    close() {
      clearInterval(heartbeat);
      if (typeof unsubscribe === 'function') unsubscribe();
      for (const c of clients) c.end();
      clients.clear();
    },
  };
}

/** GET /api/events: server-sent events, one ApiEvent per `data:` line, until the client goes. */
function openEventStream(req: IncomingMessage, res: ServerResponse, clients: Set<ServerResponse>) {
  if (req.method !== 'GET') return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Use GET.' });
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  res.write('retry: 1000\n: connected\n\n');
  clients.add(res);
  req.on('close', () => clients.delete(res));
}

/** POST /api/<method>: a JSON array of arguments (at most `limit` bytes) in, the method's JSON result out. */
async function serveCall(api: EventSourceApi, method: string, req: IncomingMessage, res: ServerResponse, limit: number) {
  if (!METHODS.has(method)) {
    return sendJson(res, 404, { code: 'UNKNOWN_METHOD', message: `No API method "${method}".` });
  }
  if (req.method !== 'POST') return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Use POST.' });
  const ctype = String(req.headers['content-type'] ?? '');
  if (!ctype.startsWith('application/json')) {
    // Also blocks "simple" cross-site form posts, which cannot send application/json.
    return sendJson(res, 415, { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send application/json.' });
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return tooLarge(req, res, limit);
  let args: unknown;
  try {
    const body = await readBody(req, limit);
    args = body.trim() === '' ? [] : JSON.parse(body);
  } catch (e) {
    const err = errorJson(e);
    if (err.code === 'TOO_LARGE') return tooLarge(req, res, limit);
    return sendJson(res, 400, err.code === 'INTERNAL'
      ? { code: 'BAD_JSON', message: 'The body is not valid JSON.' } : err);
  }
  if (!Array.isArray(args)) {
    return sendJson(res, 400, { code: 'BAD_ARGS', message: 'The body must be a JSON array of arguments.' });
  }
  try {
    const fn = (api as any)[method] as (...a: unknown[]) => Promise<unknown>;
    const result = await fn.apply(api, args);
    return sendJson(res, 200, result ?? null);
  } catch (e) {
    const err = errorJson(e);
    return sendJson(res, statusForCode(err.code), err);
  }
}

export async function createServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`Browser mode listens on loopback only, not on ${host}.`);
  const token = opts.token ?? randomBytes(32).toString('hex');
  const tokenBuf = Buffer.from(token);
  const staticDir = opts.staticDir === undefined ? DEFAULT_STATIC_DIR : opts.staticDir;
  const maxImportBody = opts.maxBodyBytes ?? MAX_IMPORT_BODY;
  const bodyLimit = (method: string) => (method === 'importDocument' ? maxImportBody : Math.min(maxImportBody, MAX_OTHER_BODY));
  const api = opts.api;

  const events = eventFanOut(api);
  const { clients } = events;

  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  // Origin allow-list: a page of another site may not call the API even if it learnt the token; browsers send
  // Origin on every cross-origin request and on same-origin POSTs. No Origin (the CLI, curl, tests) is allowed.
  const allowedOrigins = () => new Set([...allowedHosts()].map((h) => `http://${h}`));

  const server = createHttpServer(async (req, res) => {
    try {
      securityHeaders(res);
      const url = new URL(req.url ?? '/', 'http://local');
      if (!allowedHosts().has(String(req.headers.host ?? ''))) {
        return sendJson(res, 421, { code: 'BAD_HOST', message: 'Unexpected Host header.' });
      }
      const origin = req.headers.origin;
      if (origin !== undefined && !allowedOrigins().has(origin)) {
        return sendJson(res, 403, { code: 'BAD_ORIGIN', message: 'Requests from other sites are not allowed.' });
      }
      if (url.pathname.startsWith('/api/')) {
        const given = (req.headers['x-concept-token'] as string | undefined) ?? url.searchParams.get('token');
        if (!tokenMatches(tokenBuf, given)) {
          return sendJson(res, 401, { code: 'UNAUTHORIZED', message: 'Missing or wrong token.' });
        }
        if (url.pathname === '/api/events') return openEventStream(req, res, clients);
        const method = url.pathname.slice('/api/'.length);
        return serveCall(api, method, req, res, bodyLimit(method));
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Read-only.' });
      }
      if (!staticDir) return sendJson(res, 404, { code: 'NOT_FOUND', message: 'No renderer is served.' });
      return serveStatic(staticDir, url.pathname, req, res);
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, errorJson(e));
      else res.end();
    }
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, () => ok());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const hostInUrl = host === '::1' ? '[::1]' : host;
  const url = `http://${hostInUrl}:${port}/`;
  return {
    url,
    appUrl: `${url}#token=${token}`,
    token,
    port,
    host,
    async close() {
      events.close();
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections?.(); // keep-alive and streaming connections would hold close() open
      await closed;
    },
  };
}

async function serveStatic(root: string, pathname: string, req: IncomingMessage, res: ServerResponse) {
  const found = staticPath(root, pathname);
  if ('status' in found) return sendJson(res, found.status, { code: found.status === 400 ? 'BAD_PATH' : 'FORBIDDEN', message: found.message });
  const { rel } = found;
  const rootAbs = resolve(root);
  let file = found.file;
  let st = await stat(file).catch(() => null);
  if (!st || !st.isFile()) {
    // Single-page app: unknown paths without an extension get index.html.
    if (extname(rel)) return sendJson(res, 404, { code: 'NOT_FOUND', message: 'No such file.' });
    file = join(rootAbs, 'index.html');
    st = await stat(file).catch(() => null);
    if (!st) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('The renderer is not built. Run `npm run build:renderer`.');
    }
  }
  const body = await readFile(file);
  const immutable = file.includes(`${sep}assets${sep}`);
  res.writeHead(200, {
    'Content-Type': contentType(file),
    'Content-Length': body.length,
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
