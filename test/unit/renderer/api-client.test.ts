import { describe, expect, it, vi } from 'vitest';
import { API_METHODS, ApiError, type ApiEvent } from '../../../main/api/contract.js';
import {
  createBridgeClient, createClient, createHttpClient, takeToken, type Bridge, type EventSourceLike,
} from '../../../renderer/src/lib/api.js';

function fakeFetch(reply: (url: string, body: unknown, headers: Record<string, string>) => { status: number; body: unknown }) {
  return vi.fn(async (url: string, init: { method: string; headers: Record<string, string>; body: string }) => {
    const r = reply(url, JSON.parse(init.body), init.headers);
    return { ok: r.status < 400, status: r.status, statusText: 'x', text: async () => JSON.stringify(r.body) };
  });
}

class FakeES implements EventSourceLike {
  static last: FakeES | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  closed = false;
  constructor(public url: string) {
    FakeES.last = this;
  }
  close() {
    this.closed = true;
  }
}

describe('API client over HTTP', () => {
  it('posts the arguments as a JSON array with the token and returns the JSON result', async () => {
    const f = fakeFetch((url, body, headers) => ({ status: 200, body: { url, body, token: headers['x-concept-token'] } }));
    const c = createHttpClient({ base: 'http://127.0.0.1:9/', token: 'tok', fetch: f });
    const r: any = await c.listDocuments({ search: 'x' });
    expect(r).toEqual({ url: 'http://127.0.0.1:9/api/listDocuments', body: [{ search: 'x' }], token: 'tok' });
    expect(f.mock.calls[0][1].headers['content-type']).toBe('application/json');
  });

  it('has every method of the contract', () => {
    const c = createHttpClient({ base: 'http://x/', token: 't', fetch: fakeFetch(() => ({ status: 200, body: null })) });
    for (const m of API_METHODS) expect(typeof (c as any)[m]).toBe('function');
  });

  it('turns {code, message} error bodies into ApiError', async () => {
    const c = createHttpClient({ base: 'http://x', token: 't', fetch: fakeFetch(() => ({ status: 404, body: { code: 'DOCUMENT_NOT_FOUND', message: 'No document 7.' } })) });
    await expect(c.getDocument(7)).rejects.toMatchObject({ name: 'ApiError', code: 'DOCUMENT_NOT_FOUND', message: 'No document 7.' });
  });

  it('reports an unreachable service as OFFLINE', async () => {
    const c = createHttpClient({ base: 'http://x', token: 't', fetch: async () => { throw new TypeError('fetch failed'); } });
    await expect(c.languages()).rejects.toMatchObject({ code: 'OFFLINE' });
  });

  it('returns undefined for void methods', async () => {
    const c = createHttpClient({ base: 'http://x', token: 't', fetch: fakeFetch(() => ({ status: 200, body: null })) });
    await expect(c.deleteDocument(1)).resolves.toBeUndefined();
  });

  it('subscribes to server-sent events once, with the token in the URL, and closes with the last listener', () => {
    const c = createHttpClient({ base: 'http://h:1/', token: 'a b', fetch: fakeFetch(() => ({ status: 200, body: null })), EventSource: FakeES });
    const got: ApiEvent[] = [];
    const off1 = c.onEvent((e) => got.push(e));
    const off2 = c.onEvent((e) => got.push(e));
    const es = FakeES.last!;
    expect(es.url).toBe('http://h:1/api/events?token=a%20b');
    es.onmessage!({ data: JSON.stringify({ type: 'progress', requestId: 'r', stage: 'encode', done: 1, total: 2 }) });
    es.onmessage!({ data: 'not json' });
    expect(got).toHaveLength(2);
    off1();
    expect(es.closed).toBe(false);
    off2();
    expect(es.closed).toBe(true);
  });
});

describe('API client over the Electron bridge', () => {
  it('forwards calls and turns rejected {code, message} objects into ApiError', async () => {
    const bridge: any = { onEvent: vi.fn(() => () => {}) };
    for (const m of API_METHODS) bridge[m] = vi.fn(async (...a: unknown[]) => ({ m, a }));
    bridge.getRun = vi.fn(async () => { throw { code: 'RUN_NOT_FOUND', message: 'No run 3.' }; });
    const c = createBridgeClient(bridge as Bridge);
    expect(c.transport).toBe('electron');
    expect(await c.getDocument(5)).toEqual({ m: 'getDocument', a: [5] });
    const err = await c.getRun(3).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('RUN_NOT_FOUND');
    c.onEvent(() => {});
    expect(bridge.onEvent).toHaveBeenCalledOnce();
  });

  it('createClient prefers the bridge when the preload exposed one', () => {
    const bridge: any = { onEvent: () => () => {} };
    for (const m of API_METHODS) bridge[m] = async () => null;
    const c = createClient({ conceptApi: bridge, location: { hash: '', search: '', pathname: '/', origin: 'app://concept' }, history: { replaceState() {} } });
    expect(c.transport).toBe('electron');
  });
});

describe('token handling in browser mode', () => {
  it('takes the token from the fragment, stores it and cleans the address bar', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const replace = vi.fn();
    expect(takeToken({ hash: '#token=abc', search: '', pathname: '/' }, storage, replace)).toBe('abc');
    expect(replace).toHaveBeenCalledWith('/');
    expect(takeToken({ hash: '', search: '', pathname: '/' }, storage, replace)).toBe('abc'); // after a reload
    expect(takeToken({ hash: '', search: '?token=q', pathname: '/' }, null)).toBe('q');
    expect(takeToken({ hash: '', search: '', pathname: '/' }, null)).toBeNull();
  });
});
