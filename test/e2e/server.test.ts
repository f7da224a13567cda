import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../main/api/contract.js';
import { createServer, CSP, statusForCode, type RunningServer } from '../../main/server.js';
import { createFakeApi, type FakeApi } from './fake-api.js';

let srv: RunningServer;
let api: FakeApi;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'concept-static-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  api = createFakeApi({ stepMs: 1 });
  srv = await createServer({ api, staticDir: dir });
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (method: string, args: unknown, token: string | null = srv.token, ctype = 'application/json') =>
  fetch(`${srv.url}api/${method}`, {
    method: 'POST',
    headers: { ...(ctype ? { 'content-type': ctype } : {}), ...(token ? { 'x-concept-token': token } : {}) },
    body: typeof args === 'string' ? args : JSON.stringify(args),
  });

describe('browser-mode server', () => {
  it('listens on 127.0.0.1 only and refuses other hosts', async () => {
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(srv.appUrl).toBe(`${srv.url}#token=${srv.token}`);
    expect(srv.token).toMatch(/^[0-9a-f]{64}$/);
    await expect(createServer({ api, host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });

  it('refuses API calls without the token, or with a wrong one (401)', async () => {
    const r1 = await call('languages', [], null);
    expect(r1.status).toBe(401);
    expect(await r1.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await call('languages', [], 'x'.repeat(64))).status).toBe(401);
    expect((await fetch(`${srv.url}api/events`)).status).toBe(401);
  });

  it('runs a method with a JSON array of arguments', async () => {
    const r = await call('importDocument', [{ name: 'a.txt', text: 'One sentence here. Another one there.' }]);
    expect(r.status).toBe(200);
    const body: any = await r.json();
    expect(body.document).toMatchObject({ title: 'a', sentenceCount: 2 });
    const list: any = await (await call('listDocuments', [])).json();
    expect(list.map((d: any) => d.id)).toContain(body.document.id);
    const del = await call('deleteDocument', [body.document.id]);
    expect(del.status).toBe(200);
    expect(await del.json()).toBeNull();
  });

  it('maps API errors to statuses with {code, message}', async () => {
    const r = await call('getDocument', [999]);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ code: 'DOCUMENT_NOT_FOUND', message: 'No document 999.' });
    expect((await call('nope', [])).status).toBe(404);
    expect((await call('languages', { not: 'an array' })).status).toBe(400);
    expect((await call('languages', '{bad json')).status).toBe(400);
    expect((await call('languages', [], srv.token, 'text/plain')).status).toBe(415);
    expect((await fetch(`${srv.url}api/languages`, { headers: { 'x-concept-token': srv.token } })).status).toBe(405);
    expect(statusForCode('UNKNOWN_LANGUAGE')).toBe(400);
    expect(statusForCode('CANCELLED')).toBe(409);
    expect(statusForCode('ENGINE_CRASHED')).toBe(500);
    expect(statusForCode('IMPORT_UNSUPPORTED_TYPE')).toBe(400);
    expect(statusForCode('EMPTY_DOCUMENT')).toBe(400);
    expect(statusForCode('PACK_MISSING')).toBe(422);
    expect(statusForCode('NOT_FOUND')).toBe(404);
    expect(statusForCode('INTERNAL')).toBe(500);
  });

  it('streams run events as server-sent events', async () => {
    const { document }: any = await (await call('importDocument', [{ name: 'b.txt', text: 'Alpha is first. Beta is second. Gamma is third.' }])).json();
    const ctrl = new AbortController();
    const res = await fetch(`${srv.url}api/events?token=${srv.token}`, { signal: ctrl.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const { requestId }: any = await (await call('startRun', [{ documentId: document.id, task: 'summarize', targetLang: 'fra_Latn' }])).json();
    const events: ApiEvent[] = [];
    let buf = '';
    while (!events.some((e) => e.type === 'done')) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += new TextDecoder().decode(value);
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const chunk = buf.slice(0, i);
        buf = buf.slice(i + 2);
        for (const line of chunk.split('\n')) if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)));
      }
    }
    ctrl.abort();
    expect(events.every((e) => e.requestId === requestId)).toBe(true);
    expect(events.some((e) => e.type === 'progress' && e.stage === 'encode')).toBe(true);
    const done = events.find((e) => e.type === 'done') as Extract<ApiEvent, { type: 'done' }>;
    expect(done.result.targetLang).toBe('fra_Latn');
  });

  it('serves the renderer with a strict CSP, index.html for app routes, and nothing outside its folder', async () => {
    const r = await fetch(srv.url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toBe(CSP);
    expect(CSP).toContain("script-src 'self'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await r.text()).toContain('<title>t</title>');
    expect((await fetch(`${srv.url}assets/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${srv.url}some/route`)).status).toBe(200);
    expect((await fetch(`${srv.url}missing.js`)).status).toBe(404);
    const raw = await new Promise<string>((ok) => {
      const req = request({ host: '127.0.0.1', port: srv.port, path: '/../../etc/passwd', method: 'GET' }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => ok(b));
      });
      req.end();
    });
    expect(raw).not.toContain('root:'); // normalised to /etc/passwd inside the folder → the app's index.html
    for (const path of ['%2e%2e/%2e%2e/etc/passwd', '..%2f..%2fetc%2fpasswd', 'assets/..%2f..%2f..%2fetc%2fpasswd']) {
      const r2 = await fetch(`${srv.url}${path}`);
      expect(await r2.text()).not.toContain('root:');
    }
  });

  it('refuses requests for another Host (DNS rebinding)', async () => {
    const status = await new Promise<number>((ok) => {
      const req = request({ host: '127.0.0.1', port: srv.port, path: '/api/languages', method: 'POST', headers: { host: 'evil.example:80', 'x-concept-token': srv.token, 'content-type': 'application/json' } }, (res) => ok(res.statusCode!));
      req.end('[]');
    });
    expect(status).toBe(421);
  });
});
