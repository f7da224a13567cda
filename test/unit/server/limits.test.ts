/**
 * Issue 11: the HTTP body limit was 256 MB for every method, buffered before parsing (a 300 MB body ended in
 * ECONNRESET, not 413), and there was no Origin check. Now: per-method limits near the largest legal request, 413
 * answered before the rest is read, and an Origin allow-list.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, MAX_IMPORT_BODY, MAX_OTHER_BODY, type EventSourceApi, type RunningServer } from '../../../main/server.js';

let srv: RunningServer;
const api = { onEvent: () => undefined, getSettings: async () => ({ ok: true }), startRun: async () => ({ requestId: 'r' }) } as unknown as EventSourceApi;

beforeAll(async () => {
  srv = await createServer({ api, staticDir: null });
});
afterAll(async () => {
  await srv?.close();
});

/** POST with a declared length (-1: none, chunked); `send` bytes are written (in 1 MiB chunks) while the answer is awaited. */
function post(method: string, declared: number, send: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request(`${srv.url}api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-concept-token': srv.token, ...(declared >= 0 ? { 'content-length': String(declared) } : {}), ...headers },
    }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode!, body }));
    });
    req.on('error', fail);
    const chunk = Buffer.alloc(1 << 20, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < send) {
        const n = Math.min(chunk.length, send - sent);
        sent += n;
        if (!req.write(chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('HTTP body limits and Origin', () => {
  it('limits are near the largest legal request: a 200 MB file as base64 for importDocument, 16 MiB otherwise', () => {
    expect(MAX_IMPORT_BODY).toBeLessThan(270 * 1024 * 1024);
    expect(MAX_OTHER_BODY).toBe(16 * 1024 * 1024);
  });

  it('a declared body over the limit gets 413 before anything is read', async () => {
    const r = await post('getSettings', 300 * 1024 * 1024, 0);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).code).toBe('TOO_LARGE');
  });

  it('a streamed body that passes the limit gets 413, not a reset connection', async () => {
    // no Content-Length (chunked): the limit is found while reading
    const r = await post('startRun', -1, 40 * 1024 * 1024).catch((e) => ({ status: -1, body: String(e) }));
    expect(r.status).toBe(413);
  }, 60_000);

  it('refuses another site\'s Origin, allows its own and none', async () => {
    const call = (origin?: string) => fetch(`${srv.url}api/getSettings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-concept-token': srv.token, ...(origin ? { origin } : {}) },
      body: '[]',
    });
    expect((await call('https://evil.example')).status).toBe(403);
    expect((await call(srv.url.replace(/\/$/, ''))).status).toBe(200);
    expect((await call()).status).toBe(200);
  });
});
