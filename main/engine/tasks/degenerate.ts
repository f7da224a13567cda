/**
 * An empty or degenerate decode is a failure, not a result (issue 11, defect 3: a decoder with flipped bytes made
 * `summarize` exit 0 with empty text stored as a `done` run).
 *
 * The rule, for a sentence the decoder wrote (not a verbatim source sentence, not the user's pinned text):
 * - empty: no word at all (nothing, or only spaces and punctuation);
 * - repetition: at least 8 words, and one word fills at least 60% of them ("de de de de de de de de").
 * Words are Intl.Segmenter word segments, so scripts written without spaces count words too.
 *
 * Such a sentence is marked `failed` with the reason. A run in which every decoded sentence failed has no usable
 * decoded text: it fails with MODEL_DECODE_FAILED (stored as a failed run; CLI exit 3; HTTP 422). A run where only
 * some failed keeps its usable sentences and shows the failed ones as failed.
 *
 * Random-weight test packs (pack.json `"random_weights": true`) write meaningless text by design: their failed
 * sentences are marked the same way, but the run is not failed for them.
 */
import type { DecodeFailure, OutputSentence } from '../types.js';
import { TaskError } from './errors.js';

export const DEGENERATE_RULE = { minWords: 8, share: 0.6 } as const;

let segmenter: Intl.Segmenter | null = null;

function words(text: string): string[] {
  segmenter ??= new Intl.Segmenter('und', { granularity: 'word' });
  const out: string[] = [];
  for (const s of segmenter.segment(text)) if (s.isWordLike) out.push(s.segment.toLocaleLowerCase());
  return out;
}

/** Why a decoded text is not a sentence, or null when it is one. */
export function degenerateDecode(text: string): DecodeFailure | null {
  const w = words(text);
  if (w.length === 0) return { reason: 'empty', message: 'the decoder wrote no words' };
  if (w.length < DEGENERATE_RULE.minWords) return null;
  const counts = new Map<string, number>();
  for (const x of w) counts.set(x, (counts.get(x) ?? 0) + 1);
  let top = '';
  let n = 0;
  for (const [k, c] of counts) if (c > n) [top, n] = [k, c];
  if (n / w.length >= DEGENERATE_RULE.share) {
    const shown = top.length > 20 ? `${top.slice(0, 19)}…` : top;
    return { reason: 'repetition', message: `the decoder repeated one word ("${shown}", ${n} of ${w.length} words)` };
  }
  return null;
}

/**
 * Mark the decoded sentences that failed (in place); throw MODEL_DECODE_FAILED when every decoded sentence failed,
 * unless the pack is a random-weight test pack. Returns how many failed.
 */
export interface DecodeCheckOptions {
  /** the SONAR pack's name */
  pack: string;
  randomWeights?: boolean;
  /** the target language, and what the pack says of it, for the error's advice */
  lang?: string;
  demo?: boolean;
  /** the pack's training sentences in `lang` (pack.json languages_trained) */
  trainedSentences?: number;
}

/** What to do about a decoder that wrote nothing usable: a weak pack or language is not a damaged pack. */
function advice(o: DecodeCheckOptions): string {
  const why: string[] = [];
  if (o.demo) why.push(`${o.pack} is a demonstration pack`);
  if (o.lang && o.trainedSentences !== undefined) why.push(`it was trained on ${o.trainedSentences.toLocaleString('en-US')} sentences in ${o.lang}`);
  const weak = why.length ? `${why.join(' and ')}: try a better-trained pack or target language, or the source's own language. ` : '';
  return `${weak}If this pack and language worked before, the decoder may be damaged: run \`concept packs verify\`.`;
}

export function checkDecodes(sentences: OutputSentence[], opts: DecodeCheckOptions): number {
  let decoded = 0;
  let failed = 0;
  for (const s of sentences) {
    if (s.verbatim || s.pinned) continue;
    decoded++;
    const f = degenerateDecode(s.text);
    if (f) {
      s.failed = f;
      failed++;
    }
  }
  if (decoded > 0 && failed === decoded && !opts.randomWeights) {
    const first = sentences.find((s) => s.failed)!.failed!;
    throw new TaskError('MODEL_DECODE_FAILED', `The SONAR pack ${opts.pack} decoded no usable text${opts.lang ? ` in ${opts.lang}` : ''}: ` +
      `${failed === 1 ? 'the sentence' : `all ${failed} sentences`} failed (${first.message}${failed > 1 ? ', and the like' : ''}). ` +
      `Nothing was stored as a result. ${advice(opts)}`);
  }
  return failed;
}

/** The options for a run's check from the SONAR pack's pack.json (random_weights, languages_trained). */
export function decodeCheckOptions(json: { name: string; random_weights?: unknown; languages_trained?: Record<string, number | null> }, lang: string, demo: boolean): DecodeCheckOptions {
  // a language missing from the pack's table was not trained on
  const t = json.languages_trained;
  const trained = t ? (lang in t ? t[lang] ?? undefined : 0) : undefined;
  return { pack: json.name, randomWeights: json.random_weights === true, lang, demo, ...(typeof trained === 'number' ? { trainedSentences: trained } : {}) };
}
