/**
 * Where an import runs (import-document.ts): on the service's thread for small inputs, in a worker thread with its
 * own database connection for large ones. Before (issue 11, defect 1) a 4.5 MB one-paragraph import held the HTTP
 * server's event loop for its whole duration and nothing else was answered meanwhile. The worker is started on the
 * first large import and kept (idle, it does not hold the process open).
 */
import { EngineHost } from '../engine/runtime/host.js';
import type { Store } from '../store/index.js';
import { importAndStore, type ImportInput, type StoredImport } from './import-document.js';

/** URL of the worker entry (bundled as import-worker.js beside the engine host: main/electron/build.ts). */
export const IMPORT_WORKER: URL = new URL(import.meta.url.endsWith('.ts') ? './import-worker.ts' : './import-worker.js', import.meta.url);

/**
 * Inputs up to this size are imported on the calling thread: at linear segmentation speed that is milliseconds of
 * work, less than a round trip to a thread (and far less than starting one).
 */
export const INLINE_MAX_BYTES = 64 * 1024;

export class Importer {
  private host: Promise<EngineHost> | null = null;
  private closed = false;

  constructor(private readonly store: Store, private readonly inlineMaxBytes = INLINE_MAX_BYTES) {}

  async run(input: ImportInput): Promise<StoredImport> {
    if (input.bytes.length <= this.inlineMaxBytes || this.store.path === ':memory:') return importAndStore(this.store, input);
    if (this.closed) throw Object.assign(new Error('The service was closed.'), { code: 'ENGINE_CLOSED' });
    this.host ??= EngineHost.start({ workerEntry: IMPORT_WORKER });
    const h = await this.host.catch((e) => {
      this.host = null; // a failed start is retried by the next import
      throw e;
    });
    return h.request<StoredImport>('import.store', { dbPath: this.store.path, input });
  }

  async close(): Promise<void> {
    this.closed = true;
    const p = this.host;
    this.host = null;
    const h = p ? await p.catch(() => null) : null;
    if (!h) return;
    await h.request('import.close').catch(() => undefined); // close its connection before the thread goes
    await h.close();
  }
}
