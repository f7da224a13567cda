/**
 * Keeps the engine in a separate process (Electron's utilityProcess) so a native crash in onnxruntime or SQLite
 * cannot take the window down. Calls are request/response by id; run events are forwarded. When the process dies,
 * every pending call is rejected with ENGINE_CRASHED, every run in flight gets an ENGINE_CRASHED error event (the
 * person sees the failure instead of a progress bar that never ends), and a fresh process is started.
 * Pure TypeScript with an injected `fork`, so it is tested under Node without Electron.
 */
import { ApiError, type ApiEvent } from '../api/contract.js';
import type { ServiceOptions } from '../api/options.js';
import type { FromEngine, ToEngine } from './protocol.js';

export interface EngineProcess {
  postMessage(msg: ToEngine): void;
  onMessage(cb: (msg: FromEngine) => void): void;
  onExit(cb: (code: number) => void): void;
  kill(): void;
}

export interface SupervisorOptions {
  fork: () => EngineProcess;
  options: ServiceOptions;
  onEvent: (ev: ApiEvent) => void;
  /** Restarts allowed within `windowMs` before giving up until the next call (default 3 in 60 s). */
  maxRestarts?: number;
  windowMs?: number;
  log?: (msg: string) => void;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  method: string;
}

export class EngineSupervisor {
  private proc: EngineProcess | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private runs = new Set<string>(); // request ids of runs in flight
  private restarts: number[] = [];
  private stopped = false;
  private generation = 0;
  crashes = 0;

  constructor(private o: SupervisorOptions) {}

  /** Starts the engine process now (otherwise it starts on the first call). */
  start() {
    this.ensure();
  }

  private ensure(): EngineProcess {
    if (this.proc) return this.proc;
    const gen = ++this.generation;
    const p = this.o.fork();
    this.proc = p;
    p.onMessage((m) => {
      if (gen === this.generation) this.onMessage(m);
    });
    p.onExit((code) => {
      if (gen === this.generation) this.onExit(code);
    });
    p.postMessage({ type: 'init', options: this.o.options });
    return p;
  }

  call(method: string, args: unknown[]): Promise<unknown> {
    if (this.stopped) return Promise.reject(new ApiError('ENGINE_STOPPED', 'The engine has been shut down.'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      try {
        this.ensure().postMessage({ type: 'call', id, method, args });
      } catch (e) {
        this.pending.delete(id);
        reject(new ApiError('ENGINE_UNAVAILABLE', `The engine could not be reached: ${(e as Error).message}`));
      }
    });
  }

  private onMessage(m: FromEngine) {
    if (m.type === 'event') {
      const ev = m.event;
      if (ev.type === 'done' || ev.type === 'error') this.runs.delete(ev.requestId);
      this.o.onEvent(ev);
    } else if (m.type === 'result') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) {
        if (p.method === 'startRun') {
          const rid = (m.result as { requestId?: string } | null)?.requestId;
          if (rid) this.runs.add(rid);
        }
        p.resolve(m.result);
      } else {
        p.reject(new ApiError(m.error.code, m.error.message));
      }
    } else if (m.type === 'init-failed') {
      this.o.log?.(`engine failed to start: ${m.error.message}`);
      for (const [id, p] of this.pending) {
        p.reject(new ApiError(m.error.code, m.error.message));
        this.pending.delete(id);
      }
    }
  }

  private onExit(code: number) {
    this.proc = null;
    if (this.stopped) return;
    this.crashes++;
    this.o.log?.(`engine process exited with code ${code}`);
    const message = `The engine stopped unexpectedly (exit code ${code}) and has been restarted. Please try again.`;
    for (const [, p] of this.pending) p.reject(new ApiError('ENGINE_CRASHED', message));
    this.pending.clear();
    for (const requestId of this.runs) this.o.onEvent({ type: 'error', requestId, code: 'ENGINE_CRASHED', message });
    this.runs.clear();
    const now = Date.now();
    const windowMs = this.o.windowMs ?? 60_000;
    this.restarts = this.restarts.filter((t) => now - t < windowMs);
    if (this.restarts.length < (this.o.maxRestarts ?? 3)) {
      this.restarts.push(now);
      this.ensure();
    } // else: start again lazily on the next call
  }

  stop() {
    this.stopped = true;
    this.proc?.kill();
    this.proc = null;
    for (const [, p] of this.pending) p.reject(new ApiError('ENGINE_STOPPED', 'The engine has been shut down.'));
    this.pending.clear();
  }
}
