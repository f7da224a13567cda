/** Deterministic fake ports for the task tests. */
import type {
  CacheEntry,
  ConceptCache,
  ConceptDecoder,
  ConceptEncoder,
  ConceptGenerator,
  GenerationRequest,
  GenerationResult,
} from '../../../main/engine/tasks/index.js';
import { cosine } from '../../../main/engine/tasks/index.js';

export const DIM = 4;

function abortError(): Error {
  return new DOMException('The operation was aborted', 'AbortError');
}

/** A text's vector: from the table, else a hash-seeded pseudo-random one. */
export function hashVec(text: string, dim = DIM): Float32Array {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619) >>> 0;
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
    v[i] = (h / 2 ** 32) * 2 - 1;
  }
  return v;
}

export class FakeEncoder implements ConceptEncoder {
  readonly space: string;
  readonly dim: number;
  calls: { texts: string[]; lang: string }[] = [];
  /** abort this controller when the n-th text is being encoded (cancellation tests) */
  abortAt?: { controller: AbortController; after: number };
  constructor(
    readonly table: Map<string, number[]> = new Map(),
    opts: { space?: string; dim?: number } = {},
  ) {
    this.space = opts.space ?? 'test-space';
    this.dim = opts.dim ?? DIM;
  }
  vector(text: string): Float32Array {
    const t = this.table.get(text);
    return t ? Float32Array.from(t) : hashVec(text, this.dim);
  }
  get encodedTexts(): string[] {
    return this.calls.flatMap((c) => c.texts);
  }
  async encode(texts: string[], lang: string, opts: { signal?: AbortSignal; onProgress?: (d: number, t: number) => void } = {}) {
    this.calls.push({ texts: [...texts], lang });
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i++) {
      await Promise.resolve();
      if (this.abortAt && i === this.abortAt.after) this.abortAt.controller.abort();
      if (opts.signal?.aborted) throw abortError();
      out.push(this.vector(texts[i]));
      opts.onProgress?.(i + 1, texts.length);
    }
    return out;
  }
}

/** Decodes a concept to `${lang}:${nearest known text}` (nearest by cosine among the encoder's table). */
export class FakeDecoder implements ConceptDecoder {
  calls: { vectors: Float32Array[]; lang: string; beam?: number }[] = [];
  abortOnCall?: AbortController;
  constructor(readonly encoder: FakeEncoder, readonly extra: string[] = []) {}
  async decode(vectors: Float32Array[], lang: string, opts: { beam?: number; signal?: AbortSignal; onProgress?: (d: number, t: number) => void } = {}) {
    this.calls.push({ vectors, lang, beam: opts.beam });
    await Promise.resolve();
    this.abortOnCall?.abort();
    if (opts.signal?.aborted) throw abortError();
    const known = [...this.encoder.table.keys(), ...this.extra];
    return vectors.map((v, i) => {
      let best = '?';
      let bs = -Infinity;
      for (const t of known) {
        const c = cosine(v, this.encoder.vector(t));
        if (c > bs + 1e-9) {
          bs = c;
          best = t;
        }
      }
      opts.onProgress?.(i + 1, vectors.length);
      return `${lang}:${best}`;
    });
  }
}

export class FakeCache implements ConceptCache {
  store = new Map<string, Float32Array>();
  gets = 0;
  puts: CacheEntry[][] = [];
  key(space: string, lang: string, hash: string) {
    return `${space}|${lang}|${hash}`;
  }
  get(space: string, lang: string, hashes: string[]) {
    this.gets++;
    const m = new Map<string, Float32Array>();
    for (const h of hashes) {
      const v = this.store.get(this.key(space, lang, h));
      if (v) m.set(h, v);
    }
    return m;
  }
  put(space: string, lang: string, entries: CacheEntry[]) {
    this.puts.push(entries);
    for (const e of entries) this.store.set(this.key(space, lang, e.hash), e.vector);
  }
}

/**
 * A scripted LCM: output i is `script[i]` (or the prompt concept i mod L, scaled), pinned positions are
 * teacher-forced; `budget.concepts` (default script length or 3) outputs. Records each request.
 */
export class FakeGenerator implements ConceptGenerator {
  readonly space: string;
  readonly dim: number;
  readonly name = 'fake-lcm@1';
  readonly instructions = { summarize: 'Summarize:', expand: 'Expand:', continue: null };
  readonly endOfText = 'End of text.';
  readonly markerLang = 'eng_Latn';
  requests: GenerationRequest[] = [];
  abortAfter?: { controller: AbortController; n: number };
  constructor(
    readonly script: Float32Array[] = [],
    opts: { space?: string; dim?: number } = {},
  ) {
    this.space = opts.space ?? 'test-space';
    this.dim = opts.dim ?? DIM;
  }
  async generate(req: GenerationRequest): Promise<GenerationResult> {
    this.requests.push(req);
    const n = Math.max(req.budget?.concepts ?? (this.script.length || 3), ...(req.pinned ?? []).map((p) => p.index + 1));
    const pinned = new Map((req.pinned ?? []).map((p) => [p.index, p.concept]));
    const out: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      await Promise.resolve();
      if (this.abortAfter && i === this.abortAfter.n) this.abortAfter.controller.abort();
      if (req.signal?.aborted) throw abortError();
      const p = pinned.get(i);
      if (p) out.push(p);
      else if (this.script[i]) out.push(this.script[i]);
      else out.push(Float32Array.from(req.prompt[i % req.prompt.length], (x) => 2 * x));
      req.onProgress?.(i + 1, n);
    }
    return { concepts: out, stopReason: 'budget' };
  }
}
