/**
 * Extractive selection in concept space (no LCM needed): sentences ranked by centrality — cosine with the document
 * centroid, or mean positive similarity to the other sentences — with an MMR redundancy penalty:
 *   score(i) = λ · centrality(i) − (1 − λ) · max_{j ∈ selected} cos(i, j)
 * picked greedily (ties: the earlier sentence), returned in source order. Deterministic.
 */
import type { LengthSpec } from '../types.js';
import { TaskError } from './errors.js';
import { dot, unit } from './vec.js';

export type Centrality = 'centroid' | 'degree';

export interface ExtractiveOptions {
  /** weight of centrality against redundancy, 0…1 (default 0.7; 1 = pure centrality) */
  lambda?: number;
  /**
   * 'centroid' (default): cosine with the mean of the unit concepts — the same ranking as the sum of all pairwise
   * cosines; 'degree': mean of the positive cosines with the other sentences (LexRank-like, robust to outliers)
   */
  centrality?: Centrality;
}

export const DEFAULT_LAMBDA = 0.7;
/** default extractive length when none is asked: a quarter of the sentences ... */
export const DEFAULT_RATIO = 0.25;
/**
 * ... but never more than this many. A quarter without a cap turned a 1,245-sentence document into a 311-sentence
 * "summary" (33 s, 2.4 GB) and a 20k-line file into minutes of decoding (issue 11). An explicit `length` is obeyed.
 */
export const DEFAULT_MAX_SENTENCES = 20;

/** The default extractive length for `n` source sentences: round(n / 4), at least 1, at most DEFAULT_MAX_SENTENCES. */
export function defaultSentenceCount(n: number): number {
  return Math.min(DEFAULT_MAX_SENTENCES, Math.max(1, Math.round(DEFAULT_RATIO * n)));
}

/**
 * Number of sentences to select: `sentences`, else round(ratio · n), else the capped default (defaultSentenceCount),
 * clamped to [1, n] (0 for an empty source).
 */
export function extractiveCount(n: number, length: LengthSpec | undefined): number {
  if (n === 0) return 0;
  let k: number;
  if (length?.sentences !== undefined) {
    if (!Number.isFinite(length.sentences) || length.sentences < 1) {
      throw new TaskError('INVALID_REQUEST', `length.sentences must be a positive number (got ${length.sentences})`);
    }
    k = Math.floor(length.sentences);
  } else if (length?.ratio === undefined) {
    k = defaultSentenceCount(n);
  } else {
    const ratio = length.ratio;
    if (!Number.isFinite(ratio) || ratio <= 0) {
      throw new TaskError('INVALID_REQUEST', `length.ratio must be a positive fraction (got ${ratio})`);
    }
    k = Math.round(ratio * n);
  }
  return Math.min(n, Math.max(1, k));
}

/** Centrality score of every concept. */
export function centralityScores(concepts: readonly ArrayLike<number>[], mode: Centrality = 'centroid'): number[] {
  const n = concepts.length;
  if (n === 0) return [];
  const u = concepts.map(unit);
  const d = u[0].length;
  if (mode === 'degree') {
    if (n === 1) return [1];
    const s = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const c = Math.max(0, dot(u[i], u[j]));
        s[i] += c;
        s[j] += c;
      }
    }
    return s.map((x) => x / (n - 1));
  }
  const c = new Float64Array(d);
  for (const r of u) for (let i = 0; i < d; i++) c[i] += r[i];
  const cu = unit(c);
  return u.map((r) => dot(r, cu));
}

/**
 * Choose `count` sentence indices by centrality with the MMR penalty; `preselected` concepts (e.g. pinned output
 * sentences) count as already chosen for redundancy; `exclude` indices are never chosen. Returned ascending.
 */
export function selectSentences(
  concepts: readonly ArrayLike<number>[],
  count: number,
  opts: ExtractiveOptions & { preselected?: readonly ArrayLike<number>[]; exclude?: Iterable<number> } = {},
): number[] {
  const lambda = opts.lambda ?? DEFAULT_LAMBDA;
  if (!(lambda >= 0 && lambda <= 1)) throw new TaskError('INVALID_REQUEST', `lambda must be within [0, 1] (got ${lambda})`);
  const n = concepts.length;
  const excluded = new Set(opts.exclude ?? []);
  const available = n - [...excluded].filter((i) => i >= 0 && i < n).length;
  const k = Math.min(Math.max(0, Math.floor(count)), available);
  if (k === 0) return [];
  const u = concepts.map(unit);
  const cent = centralityScores(concepts, opts.centrality);
  // redundancy: max cosine with anything selected so far (preselected included); -Infinity = nothing yet
  const red = new Array<number>(n).fill(-Infinity);
  for (const p of opts.preselected ?? []) {
    const pu = unit(p);
    for (let i = 0; i < n; i++) red[i] = Math.max(red[i], dot(u[i], pu));
  }
  const chosen: number[] = [];
  const taken = new Uint8Array(n);
  for (const i of excluded) if (i >= 0 && i < n) taken[i] = 1;
  for (let step = 0; step < k; step++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      const penalty = red[i] === -Infinity ? 0 : red[i];
      const s = lambda * cent[i] - (1 - lambda) * penalty;
      if (s > bestScore + 1e-12) {
        bestScore = s;
        best = i;
      }
    }
    if (best < 0) break;
    taken[best] = 1;
    chosen.push(best);
    for (let i = 0; i < n; i++) if (!taken[i]) red[i] = Math.max(red[i], dot(u[i], u[best]));
  }
  return chosen.sort((a, b) => a - b);
}
