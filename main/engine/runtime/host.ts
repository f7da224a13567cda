/**
 * The caller side of the engine worker. All inference happens in ONE worker thread, so the calling thread (Electron
 * main, the HTTP server, the CLI) never blocks on onnxruntime. Requests carry ids; progress arrives through
 * `onProgress`; an AbortSignal cancels (the promise rejects at once with the abort reason, the worker stops at its
 * next check); an error thrown in the worker rejects that request with an EngineError carrying the worker's name,
 * code and message; if the worker dies, every pending request rejects and the next request starts a new worker.
 *
 *   const host = await EngineHost.start({ handlerModules: [SONAR_HANDLERS] });
 *   const emb = await host.request('sonar.encode', {...}, { signal, onProgress });
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { CodedError } from '../errors.js';
import type { OpenedSessionInfo } from './handlers.js';
import type { FromWorker, ToWorker, WireError, WorkerStartData } from './protocol.js';
import type { SessionConfig } from './session.js';
import { toWire, type GraphRunner, type TensorLike, type WireTensor } from './tensors.js';

export class EngineError extends CodedError {
  constructor(
    message: string,
    code: string,
    override readonly name: string = 'EngineError',
    readonly path?: string,
    readonly hint?: string,
    readonly workerStack?: string,
  ) {
    super(code, message);
  }

  static fromWire(w: WireError): EngineError | DOMException {
    if (w.name === 'AbortError') return new DOMException(w.message, 'AbortError');
    return new EngineError(w.message, w.code ?? 'ENGINE_ERROR', w.name, w.path, w.hint, w.stack);
  }
}

export interface RequestOptions {
  signal?: AbortSignal;
  onProgress?: (data: any) => void;
}

export interface EngineHostOptions {
  /** Modules (paths or file URLs) the worker imports; each exports `handlers`. */
  handlerModules?: readonly (string | URL)[];
  /** Override the worker entry (defaults to worker.js / worker.ts beside this file). */
  workerEntry?: string | URL;
  resourceLimits?: ConstructorParameters<typeof Worker>[1] extends infer O ? O extends { resourceLimits?: infer R } ? R : never : never;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onProgress?: (d: unknown) => void;
  cleanup: () => void;
}

function toUrl(m: string | URL): string {
  if (m instanceof URL) return m.href;
  if (/^file:/.test(m)) return m;
  return pathToFileURL(m).href;
}

/** Worker entry: compiled worker.js beside this module, or worker.ts run through tsx (development, tests). */
function workerSpec(entry?: string | URL): { target: string | URL; eval: boolean } {
  const here = import.meta.url;
  const url = entry ? new URL(toUrl(entry)) : new URL(here.endsWith('.ts') ? './worker.ts' : './worker.js', here);
  if (!url.pathname.endsWith('.ts')) return { target: url, eval: false };
  // TypeScript source: register tsx's ESM loader inside the worker, then import the entry
  const req = createRequire(fileURLToPath(here));
  let api = pathToFileURL(req.resolve('tsx/esm/api')).href;
  api = api.replace(/index\.cjs$/, 'index.mjs');
  if (!existsSync(fileURLToPath(api))) throw new Error(`engine host: cannot find tsx's ESM API at ${api}`);
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return { target: code, eval: true };
}

export class EngineHost {
  private worker: Worker | null = null;
  private ready: Promise<string[]> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  /** Methods the current worker serves. */
  methods: string[] = [];

  private constructor(private readonly opts: EngineHostOptions) {}

  static async start(opts: EngineHostOptions = {}): Promise<EngineHost> {
    const h = new EngineHost(opts);
    await h.ensureWorker();
    return h;
  }

  /** Worker thread id (for tests: proves the work ran off the calling thread). */
  get threadId(): number | undefined {
    return this.worker?.threadId;
  }

  private ensureWorker(): Promise<string[]> {
    if (this.closed) return Promise.reject(new EngineError('engine host is closed', 'ENGINE_CLOSED'));
    if (this.ready) return this.ready;
    const spec = workerSpec(this.opts.workerEntry);
    const data: WorkerStartData = { handlerModules: (this.opts.handlerModules ?? []).map(toUrl) };
    const w = new Worker(spec.target, { eval: spec.eval, workerData: data, resourceLimits: this.opts.resourceLimits });
    this.worker = w;
    this.ready = new Promise<string[]>((resolve, reject) => {
      const onMessage = (msg: FromWorker) => {
        switch (msg.type) {
          case 'ready':
            this.methods = msg.methods;
            resolve(msg.methods);
            break;
          case 'startup-error':
            reject(EngineError.fromWire(msg.error));
            void w.terminate();
            break;
          case 'progress':
            this.pending.get(msg.id)?.onProgress?.(msg.data);
            break;
          case 'result':
          case 'error': {
            const p = this.pending.get(msg.id);
            if (!p) break; // cancelled on this side already
            this.pending.delete(msg.id);
            p.cleanup();
            if (msg.type === 'result') p.resolve(msg.value);
            else p.reject(EngineError.fromWire(msg.error));
            break;
          }
        }
      };
      const onDeath = (err: Error | null, exitCode?: number) => {
        if (this.worker !== w) return;
        this.worker = null;
        this.ready = null;
        const e = new EngineError(err ? `engine worker crashed: ${err.message}` : `engine worker exited (code ${exitCode})`, 'ENGINE_CRASHED');
        reject(e);
        for (const [id, p] of this.pending) {
          this.pending.delete(id);
          p.cleanup();
          p.reject(e);
        }
      };
      w.on('message', onMessage);
      w.on('error', (err) => onDeath(err));
      w.on('exit', (code) => onDeath(null, code));
    });
    // the worker should not keep the process alive when nothing is pending
    this.ready.then(() => this.refresh(), () => undefined);
    return this.ready;
  }

  private refresh(): void {
    if (!this.worker) return;
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  /** Send a request to the worker; resolves with the handler's value. */
  async request<T = unknown>(method: string, params: unknown = {}, opts: RequestOptions = {}): Promise<T> {
    const { signal } = opts;
    if (signal?.aborted) throw signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
    await this.ensureWorker();
    if (signal?.aborted) throw signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
    const w = this.worker!;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        this.refresh();
        const reason = signal!.reason;
        w.postMessage({ type: 'cancel', id, reason: reason instanceof Error ? reason.message : undefined } satisfies ToWorker);
        reject(reason ?? new DOMException('The operation was aborted', 'AbortError'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: opts.onProgress,
        cleanup: () => {
          signal?.removeEventListener('abort', onAbort);
          this.refresh();
        },
      });
      this.refresh();
      w.postMessage({ type: 'request', id, method, params } satisfies ToWorker);
    });
  }

  /** A GraphRunner whose session lives in the worker (for model code running on the caller's thread). */
  async openSession(key: string, path: string, config: SessionConfig = {}): Promise<RemoteSession> {
    const info = await this.request<OpenedSessionInfo>('session.open', { key, path, config });
    return new RemoteSession(this, info);
  }

  /** Stop the worker; pending requests reject. */
  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    if (w) await w.terminate();
  }
}

/** Proxy to a session in the worker; implements GraphRunner (run(feeds) → outputs). */
export class RemoteSession implements GraphRunner {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];

  constructor(private readonly host: EngineHost, readonly info: OpenedSessionInfo) {
    this.inputNames = info.inputNames;
    this.outputNames = info.outputNames;
    this.inputMetadata = info.inputMetadata;
    this.outputMetadata = info.outputMetadata;
  }

  async run(feeds: Record<string, TensorLike>, opts: RequestOptions = {}): Promise<Record<string, TensorLike>> {
    const wire: Record<string, WireTensor> = {};
    for (const [k, t] of Object.entries(feeds)) wire[k] = toWire(t);
    return this.host.request<Record<string, WireTensor>>('session.run', { key: this.info.key, feeds: wire }, opts);
  }

  async release(): Promise<void> {
    await this.host.request('session.close', { key: this.info.key });
  }
}
