/**
 * ROUGE compatible with Google's rouge-score (pip `rouge-score`, google-research/rouge):
 * rougeN (n = 1..9) n-gram overlap, rougeL = LCS over the whole text, rougeLsum = summary-level union-LCS over
 * newline-separated sentences (ROUGE-1.5.5's double-counting guard included). `score(target, prediction)`:
 * the reference comes first. Precision is over the prediction, recall over the target, F = 2PR/(P+R).
 *
 * The tokenizer is rouge-score's default (see tokenize.ts) unless another one is passed, e.g. the multilingual one.
 * With `splitSummaries`, rougeLsum sentences come from a sentence splitter (default: ICU sentence segmentation via
 * Intl.Segmenter, standing in for rouge-score's nltk Punkt) instead of newlines.
 */

import { MT19937, bootstrapMatrix, type BootstrapOptions, type Interval } from './bootstrap.js';
import { tokenizeDefault, type Tokenizer } from './tokenize.js';

export { PorterStemmer, type PorterMode } from './porter.js';
export { tokenizeDefault, tokenizeMultilingual, makeTokenizer, type Tokenizer, type MultilingualOptions } from './tokenize.js';
export { MT19937, bootstrapMatrix, bootstrapValues, percentileSorted, type Interval, type BootstrapOptions } from './bootstrap.js';

export interface Score {
  precision: number;
  recall: number;
  fmeasure: number;
}

export type RougeType = string; // 'rouge1' .. 'rouge9', 'rougeL', 'rougeLsum'

export function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** rouge-score accepts rouge1..rouge9 (`rouge[0-9]$`, n > 0), rougeL and rougeLsum. */
export function isValidRougeType(t: string): boolean {
  if (t === 'rougeL' || t === 'rougeLsum') return true;
  const m = /^rouge([0-9])$/.exec(t);
  return m !== null && Number(m[1]) > 0;
}

export interface RougeScorerOptions {
  useStemmer?: boolean;
  /** rougeLsum: split sentences with `sentenceSplitter` instead of on '\n'. */
  splitSummaries?: boolean;
  /** Replaces the default tokenizer (then `useStemmer` is the tokenizer's business). */
  tokenizer?: Tokenizer;
  /** Used when splitSummaries is true; default: Intl.Segmenter sentence granularity. */
  sentenceSplitter?: (text: string) => string[];
}

const sentenceSegmenter = new Intl.Segmenter(undefined, { granularity: 'sentence' });
export function icuSentences(text: string): string[] {
  return [...sentenceSegmenter.segment(text)].map((s) => s.segment.trim()).filter((s) => s.length > 0);
}

export class RougeScorer {
  readonly rougeTypes: RougeType[];
  private readonly tokenizer: Tokenizer;
  private readonly splitSummaries: boolean;
  private readonly sentenceSplitter: (text: string) => string[];

  constructor(rougeTypes: RougeType[], options: RougeScorerOptions = {}) {
    for (const t of rougeTypes) if (!isValidRougeType(t)) throw new Error(`Invalid rouge type: ${t}`);
    this.rougeTypes = [...rougeTypes];
    const useStemmer = options.useStemmer ?? false;
    this.tokenizer = options.tokenizer ?? ((text) => tokenizeDefault(text, useStemmer));
    this.splitSummaries = options.splitSummaries ?? false;
    this.sentenceSplitter = options.sentenceSplitter ?? icuSentences;
  }

  tokenize(text: string): string[] {
    return this.tokenizer(text);
  }

  /** Scores of `prediction` against `target` (the reference), one Score per rouge type. */
  score(target: string, prediction: string): Record<RougeType, Score> {
    const onlyLsum = this.rougeTypes.length === 1 && this.rougeTypes[0] === 'rougeLsum';
    const targetTokens = onlyLsum ? [] : this.tokenizer(target);
    const predictionTokens = onlyLsum ? [] : this.tokenizer(prediction);
    const result: Record<string, Score> = {};
    for (const type of this.rougeTypes) {
      if (type === 'rougeL') {
        result[type] = scoreLcs(targetTokens, predictionTokens);
      } else if (type === 'rougeLsum') {
        const sents = (text: string) =>
          (this.splitSummaries ? this.sentenceSplitter(text) : text.split('\n')).filter((s) => s.length > 0);
        result[type] = summaryLevelLcs(
          sents(target).map((s) => this.tokenizer(s)),
          sents(prediction).map((s) => this.tokenizer(s)),
        );
      } else {
        const n = Number(type.slice(5));
        result[type] = scoreNgrams(createNgrams(targetTokens, n), createNgrams(predictionTokens, n));
      }
    }
    return result;
  }
}

/** n-gram counts; keys join tokens with U+0001 (tokens never contain it). */
export function createNgrams(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = n === 1 ? tokens[i] : tokens.slice(i, i + n).join('\u0001');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export function scoreNgrams(target: Map<string, number>, prediction: Map<string, number>): Score {
  let overlap = 0;
  for (const [g, c] of target) overlap += Math.min(c, prediction.get(g) ?? 0);
  let targetCount = 0;
  for (const c of target.values()) targetCount += c;
  let predictionCount = 0;
  for (const c of prediction.values()) predictionCount += c;
  const precision = overlap / Math.max(predictionCount, 1);
  const recall = overlap / Math.max(targetCount, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** The (|ref|+1) x (|can|+1) LCS length table. */
export function lcsTable<T>(ref: readonly T[], can: readonly T[]): Int32Array[] {
  const rows = ref.length;
  const cols = can.length;
  const t: Int32Array[] = Array.from({ length: rows + 1 }, () => new Int32Array(cols + 1));
  for (let i = 1; i <= rows; i++) {
    const prev = t[i - 1];
    const cur = t[i];
    const r = ref[i - 1];
    for (let j = 1; j <= cols; j++) {
      cur[j] = r === can[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
  }
  return t;
}

/** LCS length in O(|can|) memory. */
export function lcsLength<T>(ref: readonly T[], can: readonly T[]): number {
  if (!ref.length || !can.length) return 0;
  let prev = new Int32Array(can.length + 1);
  let cur = new Int32Array(can.length + 1);
  for (let i = 1; i <= ref.length; i++) {
    const r = ref[i - 1];
    for (let j = 1; j <= can.length; j++) {
      cur[j] = r === can[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[can.length];
}

/** Indices into `ref` of one LCS, read back from the table exactly as rouge-score's `_backtrack_norec`. */
export function backtrackLcs<T>(table: Int32Array[], ref: readonly T[], can: readonly T[]): number[] {
  let i = ref.length;
  let j = can.length;
  const out: number[] = [];
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.push(i - 1);
      i--;
      j--;
    } else if (table[i][j - 1] > table[i - 1][j]) {
      j--;
    } else {
      i--;
    }
  }
  return out.reverse();
}

/** `lcs_ind`: indices into ref of one longest common subsequence. */
export function lcsIndices<T>(ref: readonly T[], can: readonly T[]): number[] {
  return backtrackLcs(lcsTable(ref, can), ref, can);
}

/** Sorted union of index lists. */
export function findUnion(lists: readonly (readonly number[])[]): number[] {
  const set = new Set<number>();
  for (const l of lists) for (const x of l) set.add(x);
  return [...set].sort((a, b) => a - b);
}

/** Tokens of `ref` in the union of its LCS with each candidate sentence. */
export function unionLcs<T>(ref: readonly T[], candidates: readonly (readonly T[])[]): T[] {
  return findUnion(candidates.map((c) => lcsIndices(ref, c))).map((i) => ref[i]);
}

export function scoreLcs(target: readonly string[], prediction: readonly string[]): Score {
  if (!target.length || !prediction.length) return { precision: 0, recall: 0, fmeasure: 0 };
  const l = lcsLength(target, prediction);
  const precision = l / prediction.length;
  const recall = l / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Summary-level LCS (ROUGE paper §3.2) with ROUGE-1.5.5's guard against counting a token more often than it occurs. */
export function summaryLevelLcs<T>(refSents: readonly (readonly T[])[], canSents: readonly (readonly T[])[]): Score {
  const zero = { precision: 0, recall: 0, fmeasure: 0 };
  if (!refSents.length || !canSents.length) return zero;
  const m = refSents.reduce((a, s) => a + s.length, 0);
  const n = canSents.reduce((a, s) => a + s.length, 0);
  if (!m || !n) return zero;
  const countsR = new Map<T, number>();
  const countsC = new Map<T, number>();
  for (const s of refSents) for (const t of s) countsR.set(t, (countsR.get(t) ?? 0) + 1);
  for (const s of canSents) for (const t of s) countsC.set(t, (countsC.get(t) ?? 0) + 1);
  let hits = 0;
  for (const r of refSents) {
    for (const t of unionLcs(r, canSents)) {
      const c = countsC.get(t) ?? 0;
      const rr = countsR.get(t) ?? 0;
      if (c > 0 && rr > 0) {
        hits++;
        countsC.set(t, c - 1);
        countsR.set(t, rr - 1);
      }
    }
  }
  const recall = hits / m;
  const precision = hits / n;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

export interface AggregateScore {
  low: Score;
  mid: Score;
  high: Score;
}

/** rouge-score's BootstrapAggregator: add per-record score dicts, then aggregate into low/mid/high per type. */
export class BootstrapAggregator {
  private readonly scores = new Map<string, Score[]>();
  constructor(private readonly options: BootstrapOptions = {}) {
    const ci = options.confidenceInterval ?? 0.95;
    if (ci < 0 || ci > 1) throw new Error('confidence_interval must be in range [0, 1]');
    if ((options.nSamples ?? 1000) <= 0) throw new Error('n_samples must be positive');
  }

  addScores(scores: Record<string, Score>): void {
    for (const [type, s] of Object.entries(scores)) {
      let list = this.scores.get(type);
      if (!list) this.scores.set(type, (list = []));
      list.push(s);
    }
  }

  /** One RNG stream seeded once and consumed by the score types in insertion order, as rouge-score after
   *  `np.random.seed(seed)`. */
  aggregate(): Record<string, AggregateScore> {
    const out: Record<string, AggregateScore> = {};
    const rng = { ...this.options, rng: new MT19937(this.options.seed ?? 123) };
    for (const [type, list] of this.scores) {
      const [p, r, f] = bootstrapMatrix(
        list.map((s) => [s.precision, s.recall, s.fmeasure]),
        rng,
      );
      const pick = (k: keyof Interval): Score => ({ precision: p[k], recall: r[k], fmeasure: f[k] });
      out[type] = { low: pick('low'), mid: pick('mid'), high: pick('high') };
    }
    return out;
  }
}
