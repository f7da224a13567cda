/**
 * Caller-side handle on a SONAR model living in the engine worker: the same methods as SonarModel, asynchronous,
 * with progress and cancellation, never blocking the calling thread.
 *
 *   const host = await EngineHost.start({ handlerModules: [SONAR_HANDLERS] });
 *   const sonar = await SonarClient.open(host, 'models/mini/sonar');
 *   const embs = await sonar.encodeTexts(['Hello.'], 'eng_Latn');
 *   const out = await sonar.decodeTexts(embs, 'fra_Latn', { signal, onProgress });
 */
import type { EngineHost, RequestOptions } from '../runtime/host.js';
import type { SessionConfig } from '../runtime/session.js';
import type { DecodeOptions, DecodeResult, DecodeProgress } from './beam.js';
import type { EncodeOptions } from './encoder.js';
import type { SonarOpenResult } from './handlers.js';
import type { DecodedText, TextDecodeOptions } from './model.js';

/** URL of the SONAR handler module, for EngineHost.start({ handlerModules }). */
export const SONAR_HANDLERS: URL = new URL(import.meta.url.endsWith('.ts') ? './handlers.ts' : './handlers.js', import.meta.url);

function split<O extends { signal?: AbortSignal; onProgress?: (p: never) => void }>(o: O | undefined) {
  const { signal, onProgress, ...rest } = (o ?? {}) as O;
  return { wire: rest, req: { signal, onProgress } as RequestOptions };
}

export class SonarClient {
  private constructor(readonly host: EngineHost, readonly info: SonarOpenResult) {}

  static async open(host: EngineHost, dir: string, opts: { key?: string; config?: SessionConfig } = {}): Promise<SonarClient> {
    const info = await host.request<SonarOpenResult>('sonar.open', { dir, key: opts.key, config: opts.config });
    return new SonarClient(host, info);
  }

  get key(): string {
    return this.info.key;
  }

  tokenize(texts: string[], lang: string | string[]): Promise<number[][]> {
    return this.host.request('sonar.tokenize', { key: this.key, texts, lang });
  }

  encodeIds(seqs: number[][], opts?: EncodeOptions): Promise<Float32Array[]> {
    const { wire, req } = split(opts);
    return this.host.request('sonar.encodeIds', { key: this.key, seqs, options: wire }, req);
  }

  encodeTexts(texts: string[], lang: string | string[], opts?: EncodeOptions): Promise<Float32Array[]> {
    const { wire, req } = split(opts);
    return this.host.request('sonar.encodeTexts', { key: this.key, texts, lang, options: wire }, req);
  }

  decodeIds(embeddings: Float32Array[], lang: string | string[], opts?: DecodeOptions): Promise<DecodeResult[]> {
    const { wire, req } = split(opts);
    return this.host.request('sonar.decodeIds', { key: this.key, embeddings, lang, options: wire }, req);
  }

  decodeTexts(embeddings: Float32Array[], lang: string | string[], opts?: TextDecodeOptions): Promise<DecodedText[]> {
    const { wire, req } = split(opts);
    return this.host.request('sonar.decodeTexts', { key: this.key, embeddings, lang, options: wire }, req);
  }

  close(): Promise<unknown> {
    return this.host.request('sonar.close', { key: this.key });
  }
}

export type { DecodeProgress };
