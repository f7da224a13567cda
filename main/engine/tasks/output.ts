/**
 * Output concepts → OutputSentence[] in a target language. A concept whose exact text is known in the target
 * language (a source sentence, a pinned sentence) is returned as that text; only the others go through the decoder,
 * in one batch. `redecode` re-renders an earlier result in another language: the decoder is all that runs.
 */
import type { Attribution, LangCode, OutputSentence, RunFidelity, TaskKind } from '../types.js';
import { guard } from './errors.js';
import type { ConceptDecoder, ConceptEncoder, ProgressFn } from './ports.js';
import { afterDecode, type FidelityThresholds } from './fidelity.js';

/** Where an output concept came from, when it was encoded from a known text. */
export interface Origin {
  text: string;
  lang: LangCode;
  /** the source sentence it is (extractive, translate) */
  sentenceIdx?: number;
  /** the user kept or edited it */
  pinned?: boolean;
}

export interface TaskResult {
  task: TaskKind;
  method: 'lcm' | 'extractive';
  targetLang: LangCode;
  sentences: OutputSentence[];
  /** output concepts (raw), parallel to `sentences`: reuse them for another target language with `redecode` */
  concepts: Float32Array[];
  /** parallel to `concepts`: the known text each concept was encoded from, or null (generated) */
  origins: (Origin | null)[];
  /** the source document's concepts (for the concept map) */
  sourceConcepts: Float32Array[];
  /** source sentence indices picked by the extractive method */
  selected?: number[];
  cache: { hits: number; misses: number };
  /** milliseconds per stage */
  timings: Record<string, number>;
  stopReason?: string;
  /** role → pack name, where known */
  packs: Record<string, string>;
  /** fidelity counts when the sentences were scored (fidelity.ts) */
  fidelity?: RunFidelity;
  /** repeated sentences dropped from an extractive summary */
  dropped?: number;
}

export interface RenderOptions {
  beam?: number;
  rerank?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** redecode: score the new sentences' fidelity with this encoder and these thresholds (fidelity.ts) */
  fidelity?: { encoder: ConceptEncoder; thresholds: FidelityThresholds };
}

export async function renderSentences(
  decoder: ConceptDecoder,
  concepts: readonly Float32Array[],
  origins: readonly (Origin | null)[],
  attribution: readonly Attribution[][],
  lang: LangCode,
  opts: RenderOptions = {},
): Promise<OutputSentence[]> {
  return guard(opts.signal, async () => {
    const texts: (string | null)[] = concepts.map((_, i) => {
      const o = origins[i];
      return o && o.lang === lang ? o.text : null;
    });
    const todo = texts.flatMap((t, i) => (t === null ? [i] : []));
    const total = todo.length;
    opts.onProgress?.({ stage: 'decode', done: 0, total });
    if (total > 0) {
      const decoded = await decoder.decode(
        todo.map((i) => concepts[i]),
        lang,
        {
          beam: opts.beam,
          ...(opts.rerank !== undefined ? { rerank: opts.rerank } : {}),
          signal: opts.signal,
          onProgress: (done) => opts.onProgress?.({ stage: 'decode', done, total }),
        },
      );
      if (decoded.length !== total) throw new Error(`decoder returned ${decoded.length} texts for ${total} concepts`);
      todo.forEach((i, j) => (texts[i] = decoded[j]));
    }
    opts.onProgress?.({ stage: 'decode', done: total, total });
    return concepts.map((_, i) => {
      const o = origins[i];
      const s: OutputSentence = { index: i, text: texts[i]!, attribution: [...(attribution[i] ?? [])] };
      if (o?.pinned) s.pinned = true;
      if (o && !o.pinned && o.sentenceIdx !== undefined && o.lang === lang) s.verbatim = true;
      return s;
    });
  });
}

/** The same output concepts written in another language: only the decoder runs (no encoding, no generation). */
export async function redecode(
  decoder: ConceptDecoder,
  result: Pick<TaskResult, 'task' | 'method' | 'sentences' | 'concepts' | 'origins' | 'sourceConcepts' | 'selected' | 'packs' | 'stopReason'>,
  lang: LangCode,
  opts: RenderOptions = {},
): Promise<TaskResult> {
  const t0 = performance.now();
  const sentences = await renderSentences(
    decoder,
    result.concepts,
    result.origins,
    result.sentences.map((s) => s.attribution),
    lang,
    opts,
  );
  const out: TaskResult = {
    task: result.task,
    method: result.method,
    targetLang: lang,
    sentences,
    concepts: result.concepts,
    origins: result.origins,
    sourceConcepts: result.sourceConcepts,
    ...(result.selected ? { selected: result.selected } : {}),
    ...(result.stopReason ? { stopReason: result.stopReason } : {}),
    cache: { hits: 0, misses: 0 },
    timings: { decode: performance.now() - t0 },
    packs: result.packs,
  };
  if (!opts.fidelity) return out;
  return afterDecode(out, opts.fidelity.encoder, opts.fidelity.thresholds, opts.signal);
}
