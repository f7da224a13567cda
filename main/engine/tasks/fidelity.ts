/**
 * Fidelity of every output sentence: what the decoder wrote is encoded again (one batched encoder pass over the
 * decoded sentences) and compared, by cosine in concept space, with the concept it was decoded from. Text that was
 * not decoded — a source sentence returned verbatim, the user's pinned text — is exact (score 1).
 *
 *   level high    score ≥ good
 *   level medium  threshold ≤ score < good
 *   level low     score < threshold: flagged, the sentence may not say what its concept means
 *
 * The thresholds belong to a SONAR pack (pack.json `fidelity: {threshold, good}`, read by engine/packs/quality.ts) and
 * are calibrated on held-out pairs: the score of a sentence decoded from its own concept against the score of the
 * decoder's output for another sentence's concept. Without them the defaults below apply.
 */
import type { FidelityLevel, FidelityThresholds, LangCode, OutputSentence, RunFidelity, SentenceFidelity } from '../types.js';
import { guard } from './errors.js';
import { dropRepeats } from './method.js';
import type { Origin, TaskResult } from './output.js';
import type { ConceptEncoder } from './ports.js';
import { cosine } from './vec.js';

/**
 * Below this cosine a decoded sentence is flagged (level low). Overridden by pack.json `fidelity.threshold`.
 * Provisional, until calibrated per pack (scripts/calibrate-fidelity.mts): on the mini packs (a very anisotropic
 * space, where two unrelated source sentences already have cosine 0.7–0.98) held-out English round trips scored a
 * median 0.85 against 0.73 for another sentence's decode, so a lower bar would pass decodes that say something else.
 */
export const DEFAULT_FIDELITY_THRESHOLD = 0.9;
/** From this cosine on a decoded sentence counts as faithful (level high). Overridden by pack.json `fidelity.good`. */
export const DEFAULT_FIDELITY_GOOD = 0.95;

export type { FidelityThresholds };

export const DEFAULT_FIDELITY: FidelityThresholds = Object.freeze({
  threshold: DEFAULT_FIDELITY_THRESHOLD,
  good: DEFAULT_FIDELITY_GOOD,
  source: 'default',
});

export function fidelityLevel(score: number, t: Pick<FidelityThresholds, 'threshold' | 'good'>): FidelityLevel {
  if (!(score >= t.threshold)) return 'low'; // NaN is low
  return score >= t.good ? 'high' : 'medium';
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** One sentence's fidelity from its cosine (or exact). */
export function sentenceFidelity(score: number, t: FidelityThresholds, exact = false): SentenceFidelity {
  if (exact) return { score: 1, level: 'high', exact: true };
  const s = Number.isFinite(score) ? round4(score) : 0;
  return { score: s, level: fidelityLevel(s, t) };
}

/** The run's counts over sentences that carry a fidelity. */
export function summarizeFidelity(sentences: readonly Pick<OutputSentence, 'fidelity'>[], t: FidelityThresholds): RunFidelity {
  const scored = sentences.filter((s) => s.fidelity);
  const decoded = scored.filter((s) => !s.fidelity!.exact);
  return {
    threshold: t.threshold,
    good: t.good,
    source: t.source,
    scored: scored.length,
    flagged: scored.filter((s) => s.fidelity!.level === 'low').length,
    meanDecoded: decoded.length ? round4(decoded.reduce((a, s) => a + s.fidelity!.score, 0) / decoded.length) : null,
  };
}

/** Whether sentence i was written by the decoder (the same rule as renderSentences: known text in `lang` is not). */
export function wasDecoded(origin: Origin | null | undefined, lang: LangCode): boolean {
  return !(origin && origin.lang === lang);
}

export interface FidelityOptions {
  thresholds?: FidelityThresholds;
  signal?: AbortSignal;
}

/**
 * Score every output sentence: decoded ones by re-encoding (distinct non-empty texts, one encoder call), the others
 * exact. An empty decoded sentence scores 0. Returns new sentence objects with `fidelity` set, and the run summary.
 */
export async function scoreFidelity(
  encoder: ConceptEncoder,
  sentences: readonly OutputSentence[],
  concepts: readonly Float32Array[],
  origins: readonly (Origin | null)[],
  lang: LangCode,
  opts: FidelityOptions = {},
): Promise<{ sentences: OutputSentence[]; summary: RunFidelity }> {
  const t = opts.thresholds ?? DEFAULT_FIDELITY;
  return guard(opts.signal, async () => {
    const todo: number[] = [];
    sentences.forEach((s, i) => {
      if (wasDecoded(origins[i], lang) && s.text.trim() !== '') todo.push(i);
    });
    const distinct = [...new Set(todo.map((i) => sentences[i].text))];
    const vecs = distinct.length ? await encoder.encode(distinct, lang, { signal: opts.signal }) : [];
    if (vecs.length !== distinct.length) throw new Error(`encoder returned ${vecs.length} vectors for ${distinct.length} texts`);
    const byText = new Map(distinct.map((text, j) => [text, vecs[j]]));
    const out = sentences.map((s, i) => {
      let f: SentenceFidelity;
      if (!wasDecoded(origins[i], lang)) f = sentenceFidelity(1, t, true);
      else if (s.text.trim() === '') f = sentenceFidelity(0, t);
      else f = sentenceFidelity(cosine(byText.get(s.text)!, concepts[i]), t);
      return { ...s, fidelity: f };
    });
    return { sentences: out, summary: summarizeFidelity(out, t) };
  });
}

/**
 * What follows decoding in every task: an extractive summary drops repeated sentences (a weak decoder can write the
 * same sentence for two concepts), then every sentence is scored when thresholds are given (null: not measured).
 */
export async function afterDecode(
  result: TaskResult,
  encoder: ConceptEncoder,
  thresholds: FidelityThresholds | null | undefined,
  signal?: AbortSignal,
): Promise<TaskResult> {
  if (result.task === 'summarize' && result.method === 'extractive') {
    const dropped = dropRepeats(result);
    if (dropped) result.dropped = (result.dropped ?? 0) + dropped;
  }
  if (thresholds) {
    const t0 = performance.now();
    const r = await scoreFidelity(encoder, result.sentences, result.concepts, result.origins, result.targetLang, { thresholds, signal });
    result.sentences = r.sentences;
    result.fidelity = r.summary;
    result.timings.fidelity = (result.timings.fidelity ?? 0) + (performance.now() - t0);
  }
  return result;
}
