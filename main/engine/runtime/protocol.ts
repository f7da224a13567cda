/**
 * Messages between the engine host (caller thread) and the engine worker (the one thread that runs onnxruntime).
 * Everything is structured-clone data: typed arrays travel as they are.
 */

/** What a handler gets besides its params. */
export interface HandlerContext {
  requestId: number;
  /** Aborted when the caller cancels; long loops check it between steps (throwIfAborted). */
  signal: AbortSignal;
  /** Send a progress event to the caller (any structured-clone data). */
  progress(data: unknown): void;
  /** State shared by every request in this worker (open sessions, loaded models), keyed by the handlers. */
  state: Map<string, unknown>;
}

export type Handler = (params: any, ctx: HandlerContext) => unknown;
export type Handlers = Record<string, Handler>;

/** A module the worker imports at start-up must export `handlers`. */
export interface HandlerModule {
  handlers: Handlers;
}

export interface WireError {
  name: string;
  message: string;
  code?: string;
  path?: string;
  hint?: string;
  stack?: string;
}

export type ToWorker =
  | { type: 'request'; id: number; method: string; params: unknown }
  | { type: 'cancel'; id: number; reason?: string };

export type FromWorker =
  | { type: 'ready'; methods: string[] }
  | { type: 'startup-error'; error: WireError }
  | { type: 'progress'; id: number; data: unknown }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: WireError };

export interface WorkerStartData {
  /** File URLs of handler modules to import (each exports `handlers`). */
  handlerModules: string[];
}

export function toWireError(err: unknown): WireError {
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; path?: unknown; hint?: unknown };
    return {
      name: e.name,
      message: e.message,
      code: typeof e.code === 'string' ? e.code : undefined,
      path: typeof e.path === 'string' ? e.path : undefined,
      hint: typeof e.hint === 'string' ? e.hint : undefined,
      stack: e.stack,
    };
  }
  if (err instanceof DOMException) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
