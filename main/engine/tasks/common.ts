/** What every task shares: the context (ports, signal, progress), the source document, pinned sentences. */
import type { LangCode, LengthSpec, TaskKind } from '../types.js';
import { attribute, type AttributionOptions } from './attribution.js';
import { cachedEncode } from './cache.js';
import { TaskError, throwIfCancelled } from './errors.js';
import { afterDecode, type FidelityThresholds } from './fidelity.js';
import { renderSentences, type Origin, type TaskResult } from './output.js';
import type { ConceptCache, ConceptDecoder, ConceptEncoder, ConceptGenerator, ProgressFn } from './ports.js';

export interface TaskContext {
  encoder: ConceptEncoder;
  decoder: ConceptDecoder;
  cache?: ConceptCache | null;
  /** the LCM; absent when no LCM pack is installed */
  generator?: ConceptGenerator | null;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** decoder beam size (default: the decoder's own) */
  beam?: number;
  /** concept reranking of the beam's hypotheses (sonar/rerank.ts; default: the pack's) */
  rerank?: boolean;
  attribution?: AttributionOptions;
  /** score every output sentence's fidelity with these thresholds (fidelity.ts); absent/null: not measured */
  fidelity?: FidelityThresholds | null;
}

export interface SourceDocument {
  sentences: readonly string[];
  lang: LangCode;
  /**
   * Each sentence's own language (mixed-language documents: the store keeps one per sentence); absent, every sentence
   * is in `lang`. Tasks must read a sentence's language through sentenceLang, never `lang` alone: with the document
   * language, the Russian sentences of an English-Russian document came back untranslated as "verbatim" English.
   */
  langs?: readonly LangCode[];
  /** the sentences' concepts when the caller already has them (then nothing is encoded for the source) */
  concepts?: readonly Float32Array[];
}

export interface PinnedSentence {
  /** output position */
  index: number;
  text: string;
}

export interface CommonOptions {
  targetLang: LangCode;
  length?: LengthSpec;
  /** concept-level editing: output sentences to keep (verbatim) while the rest is regenerated around them */
  pinned?: readonly PinnedSentence[];
  /** the language the pinned texts are written in (default: targetLang) */
  pinnedLang?: LangCode;
}

/** Stage timings and cache counts of one task run. */
export class RunStats {
  timings: Record<string, number> = {};
  hits = 0;
  misses = 0;
  async time<T>(stage: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.timings[stage] = (this.timings[stage] ?? 0) + (performance.now() - t0);
    }
  }
}

export function validatePinned(pinned: readonly PinnedSentence[] | undefined): PinnedSentence[] {
  const out = [...(pinned ?? [])];
  const seen = new Set<number>();
  for (const p of out) {
    if (!Number.isInteger(p.index) || p.index < 0) {
      throw new TaskError('INVALID_REQUEST', `pinned index ${p.index} is not an output position`);
    }
    if (seen.has(p.index)) throw new TaskError('INVALID_REQUEST', `pinned index ${p.index} is given twice`);
    if (typeof p.text !== 'string' || p.text.trim() === '') {
      throw new TaskError('INVALID_REQUEST', `pinned sentence ${p.index} is empty`);
    }
    seen.add(p.index);
  }
  return out.sort((a, b) => a.index - b.index);
}

/** The language sentence `i` of the document is written in. */
export function sentenceLang(doc: SourceDocument, i: number): LangCode {
  return doc.langs?.[i] ?? doc.lang;
}

export function validateDocument(doc: SourceDocument, task: TaskKind): void {
  if (doc.sentences.length === 0) {
    throw new TaskError('INVALID_REQUEST', `Nothing to ${task}: the document has no sentences.`);
  }
  if (doc.concepts && doc.concepts.length !== doc.sentences.length) {
    throw new TaskError('INVALID_REQUEST', 'The document has a different number of concepts and sentences.');
  }
  if (doc.langs && doc.langs.length !== doc.sentences.length) {
    throw new TaskError('INVALID_REQUEST', 'The document has a different number of sentence languages and sentences.');
  }
}

/** Encode texts through the cache, adding to the run's counts. */
export async function encodeTexts(
  ctx: TaskContext,
  stats: RunStats,
  texts: readonly string[],
  lang: LangCode,
): Promise<Float32Array[]> {
  if (texts.length === 0) return [];
  const r = await stats.time('encode', () =>
    cachedEncode(ctx.encoder, ctx.cache, texts, lang, { signal: ctx.signal, onProgress: ctx.onProgress }),
  );
  stats.hits += r.hits;
  stats.misses += r.misses;
  return r.vectors;
}

export async function sourceConcepts(ctx: TaskContext, stats: RunStats, doc: SourceDocument): Promise<Float32Array[]> {
  if (doc.concepts) {
    for (const c of doc.concepts) {
      if (c.length !== ctx.encoder.dim) {
        throw new TaskError(
          'PACK_DIM_MISMATCH',
          `The document's concepts have dimension ${c.length} but the SONAR pack's is ${ctx.encoder.dim}; re-encode the document.`,
        );
      }
    }
    return [...doc.concepts];
  }
  // one encoder call per language: the encoder (and the cache key) take the language of the texts they get
  const groups = new Map<LangCode, number[]>();
  doc.sentences.forEach((_, i) => {
    const l = sentenceLang(doc, i);
    const g = groups.get(l);
    if (g) g.push(i);
    else groups.set(l, [i]);
  });
  if (groups.size <= 1) return encodeTexts(ctx, stats, doc.sentences, sentenceLang(doc, 0));
  const out = new Array<Float32Array>(doc.sentences.length);
  for (const [lang, idx] of groups) {
    const vectors = await encodeTexts(ctx, stats, idx.map((i) => doc.sentences[i]), lang);
    idx.forEach((i, j) => (out[i] = vectors[j]));
  }
  return out;
}

/** Attribute the output concepts to the source, write them in the target language, and assemble the result. */
export async function finish(
  ctx: TaskContext,
  stats: RunStats,
  base: Omit<TaskResult, 'sentences' | 'cache' | 'timings'>,
): Promise<TaskResult> {
  throwIfCancelled(ctx.signal);
  const attribution = attribute(base.concepts, base.sourceConcepts, ctx.attribution);
  const sentences = await stats.time('decode', () =>
    renderSentences(ctx.decoder, base.concepts, base.origins, attribution, base.targetLang, {
      beam: ctx.beam,
      rerank: ctx.rerank,
      signal: ctx.signal,
      onProgress: ctx.onProgress,
    }),
  );
  const result: TaskResult = { ...base, sentences, cache: { hits: stats.hits, misses: stats.misses }, timings: stats.timings };
  return afterDecode(result, ctx.encoder, ctx.fidelity, ctx.signal);
}

export function pinnedOrigin(p: PinnedSentence, lang: LangCode): Origin {
  return { text: p.text, lang, pinned: true };
}
