/**
 * The renderer's only way to the engine: the typed ConceptApi, over Electron's preload bridge (`window.conceptApi`)
 * or over HTTP + server-sent events in browser mode (token from the page URL `#token=`, kept in sessionStorage).
 */
import { API_METHODS, ApiError, type ApiEvent, type ConceptApi } from '../../../main/api/contract.js';

export type Unsubscribe = () => void;
export interface ApiClient extends ConceptApi {
  onEvent(cb: (ev: ApiEvent) => void): Unsubscribe;
  readonly transport: 'electron' | 'http';
}

/** What preload.ts exposes: one function per API method plus an event subscription. */
export type Bridge = { [K in (typeof API_METHODS)[number]]: (...args: any[]) => Promise<any> } & {
  onEvent(cb: (ev: ApiEvent) => void): Unsubscribe;
};

function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e && typeof e === 'object' && typeof (e as any).code === 'string') {
    return new ApiError((e as any).code, String((e as any).message ?? (e as any).code));
  }
  return new ApiError('INTERNAL', e instanceof Error ? e.message : String(e));
}

export function createBridgeClient(bridge: Bridge): ApiClient {
  const client: any = { transport: 'electron' };
  for (const m of API_METHODS) {
    client[m] = async (...args: unknown[]) => {
      try {
        return await bridge[m](...args);
      } catch (e) {
        throw toApiError(e);
      }
    };
  }
  client.onEvent = (cb: (ev: ApiEvent) => void) => bridge.onEvent(cb);
  return client as ApiClient;
}

/** The little of fetch, EventSource and the window that the client needs (kept structural, so tests run in Node). */
export interface ResponseLike {
  ok: boolean;
  status: number;
  statusText: string;
  text(): Promise<string>;
}
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<ResponseLike>;
export interface EventSourceLike {
  onmessage: ((msg: { data: string }) => void) | null;
  close(): void;
}
export type EventSourceCtor = new (url: string) => EventSourceLike;
export interface StorageLike {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
}
export interface LocationLike {
  hash: string;
  search: string;
  pathname: string;
  origin: string;
}
export interface WindowLike {
  conceptApi?: Bridge;
  location: LocationLike;
  sessionStorage?: StorageLike;
  history: { replaceState(data: unknown, unused: string, url: string): void };
}

export interface HttpDeps {
  base: string; // e.g. http://127.0.0.1:8765/ (the page's origin)
  token: string;
  fetch?: FetchLike;
  EventSource?: EventSourceCtor;
}

export function createHttpClient(deps: HttpDeps): ApiClient {
  const f: FetchLike = deps.fetch ?? (globalThis.fetch.bind(globalThis) as unknown as FetchLike);
  const ES: EventSourceCtor | undefined = deps.EventSource ?? (globalThis as any).EventSource;
  const base = deps.base.endsWith('/') ? deps.base : deps.base + '/';
  const listeners = new Set<(ev: ApiEvent) => void>();
  let source: EventSourceLike | null = null;

  const client: any = { transport: 'http' };
  for (const m of API_METHODS) {
    client[m] = async (...args: unknown[]) => {
      let res: ResponseLike;
      try {
        res = await f(`${base}api/${m}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-concept-token': deps.token },
          body: JSON.stringify(args),
        });
      } catch (e) {
        throw new ApiError('OFFLINE', 'The Concept Studio service cannot be reached. Is it still running?');
      }
      const text = await res.text();
      let body: any = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        throw new ApiError('BAD_RESPONSE', `Unexpected reply (${res.status}).`);
      }
      if (!res.ok) {
        throw new ApiError(body?.code ?? `HTTP_${res.status}`, body?.message ?? res.statusText);
      }
      return body ?? undefined;
    };
  }
  client.onEvent = (cb: (ev: ApiEvent) => void): Unsubscribe => {
    listeners.add(cb);
    if (!source && ES) {
      source = new ES(`${base}api/events?token=${encodeURIComponent(deps.token)}`);
      source.onmessage = (msg) => {
        let ev: ApiEvent;
        try {
          ev = JSON.parse(msg.data);
        } catch {
          return;
        }
        for (const l of [...listeners]) l(ev);
      };
    }
    return () => {
      listeners.delete(cb);
      if (listeners.size === 0 && source) {
        source.close();
        source = null;
      }
    };
  };
  return client as ApiClient;
}

/** Reads the token from `#token=…` or `?token=…`, remembers it for reloads and removes it from the address bar. */
export function takeToken(loc: Pick<LocationLike, 'hash' | 'search' | 'pathname'>, storage?: StorageLike | null,
  replace?: (url: string) => void): string | null {
  const fromHash = new URLSearchParams(loc.hash.replace(/^#/, '')).get('token');
  const fromQuery = new URLSearchParams(loc.search).get('token');
  const token = fromHash ?? fromQuery;
  if (token) {
    storage?.setItem('concept-token', token);
    replace?.(loc.pathname);
    return token;
  }
  return storage?.getItem('concept-token') ?? null;
}

export function createClient(win: WindowLike = (globalThis as any).window): ApiClient {
  if (win.conceptApi) return createBridgeClient(win.conceptApi);
  let storage: StorageLike | null = null;
  try {
    storage = win.sessionStorage ?? null;
  } catch {
    /* storage may be blocked */
  }
  const token = takeToken(win.location, storage, (u) => win.history.replaceState(null, '', u)) ?? '';
  return createHttpClient({ base: win.location.origin + '/', token });
}
