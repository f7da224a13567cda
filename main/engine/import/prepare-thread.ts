/**
 * Where an import is prepared (prepare.ts): inline for small inputs, in a worker thread for large ones, so that the
 * thread serving the API (the HTTP server, Electron's engine host) keeps answering while a large document is decoded,
 * detected and segmented (issue 11, defect 1: a 4.5 MB one-paragraph import held the server for 295 s, and nothing
 * else was answered meanwhile). The worker is started on the first large import and kept (idle, it does not hold the
 * process open).
 */
import { EngineHost } from '../runtime/host.js';
import { prepareDocument, type PrepareOptions, type PreparedDocument } from './prepare.js';

/** URL of the worker entry (bundled as prepare-worker.js beside the engine host: main/electron/build.ts). */
export const PREPARE_WORKER: URL = new URL(import.meta.url.endsWith('.ts') ? './prepare-worker.ts' : './prepare-worker.js', import.meta.url);

/**
 * Inputs below this are prepared inline: at linear segmentation speed this is a few milliseconds of work, less than
 * a message round trip to a thread (and far less than starting one).
 */
export const INLINE_MAX_BYTES = 64 * 1024;

export class ImportPreparer {
  private host: Promise<EngineHost> | null = null;
  private closed = false;

  constructor(private readonly inlineMaxBytes = INLINE_MAX_BYTES) {}

  async prepare(bytes: Uint8Array, name: string, opts: PrepareOptions = {}): Promise<PreparedDocument> {
    if (bytes.length <= this.inlineMaxBytes) return prepareDocument(bytes, name, opts);
    if (this.closed) throw Object.assign(new Error('The service was closed.'), { code: 'ENGINE_CLOSED' });
    this.host ??= EngineHost.start({ workerEntry: PREPARE_WORKER });
    const h = await this.host.catch((e) => {
      this.host = null; // a failed start is retried by the next import
      throw e;
    });
    return h.request<PreparedDocument>('import.prepare', { bytes, name, opts });
  }

  async close(): Promise<void> {
    this.closed = true;
    const h = this.host;
    this.host = null;
    if (h) await (await h.catch(() => null))?.close();
  }
}
