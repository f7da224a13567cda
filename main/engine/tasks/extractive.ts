/**
 * Extractive selection (no LCM needed): sentences ranked by centrality with an MMR redundancy penalty:
 *   score(i) = λ · centrality(i) − (1 − λ) · max_{j ∈ selected} cos(i, j)
 * picked greedily (ties: the earlier sentence), returned in source order. Deterministic.
 *
 * What the app uses is a measured profile (PROFILES, chosen on the DEV split of the shared summarization sets by
 * scripts/eval-extractive.mts, docs/eval-extractive.md): TF-IDF word vectors of the sentences rather than the mini
 * SONAR concepts (they did better), centrality mixed with a position prior 1/(1+i) where position carries signal
 * (news), MMR. `selectSentences` on concepts alone keeps the original centroid/degree ranking.
 */
import type { LengthSpec } from '../types.js';
import { TaskError } from './errors.js';
import {
  centrality as centralityOf,
  denseSimilarity,
  lexicalVectors,
  mixPosition,
  mmrSelect,
  sparseSimilarity,
  type CentralityMethod,
} from './rank.js';
import { dot, unit } from './vec.js';

export type Centrality = 'centroid' | 'degree' | 'lexrank' | 'pacsum';
/** what sentence similarity is computed on: SONAR concepts, or TF-IDF over words / character 3-grams */
export type SentenceVectors = 'concepts' | 'words' | 'chars';
export type Profile = 'news' | 'howto' | 'long';

export interface ProfileSettings {
  vectors: SentenceVectors;
  centrality: Centrality;
  positionWeight: number;
  lambda: number;
}

/**
 * Measured settings per kind of document (docs/eval-extractive.md; chosen on DEV, reported on TEST). `auto` takes
 * 'long' above LONG_DOCUMENT sentences and 'news' otherwise: the app cannot tell a how-to text from news, and the
 * news profile is the one that does not lose to lead-3 on news.
 */
export const PROFILES: Record<Profile, ProfileSettings> = {
  // news: nothing beat lead-3 on both news sets at once; a strong prior with PacSum breaking near-ties is lead-3 on
  // 392 of 393 XL-Sum TEST articles (a lighter prior won +0.4 R-1 on XL-Sum but lost R-2 on MLSUM)
  news: { vectors: 'words', centrality: 'pacsum', positionWeight: 0.9, lambda: 1 },
  // how-to (WikiLingua): +3.3 R-1 over lead-3 on TEST [1.4, 5.1]
  howto: { vectors: 'words', centrality: 'degree', positionWeight: 0, lambda: 0.7 },
  // papers and meetings: +5.6 R-1 on papers [0.9, 11.1], +1.5 on QMSum [-0.5, 3.8]
  long: { vectors: 'chars', centrality: 'lexrank', positionWeight: 0.5, lambda: 0.7 },
};
export const LONG_DOCUMENT = 150;

/** The settings for a document of `n` sentences: the profile asked for, or by length; explicit options win. */
export function resolveProfile(n: number, o: ExtractiveOptions = {}): ProfileSettings & { profile: Profile } {
  const profile: Profile = o.profile && o.profile !== 'auto' ? o.profile : n > LONG_DOCUMENT ? 'long' : 'news';
  const p = PROFILES[profile];
  return {
    profile,
    vectors: o.vectors ?? p.vectors,
    centrality: o.centrality ?? p.centrality,
    positionWeight: o.positionWeight ?? p.positionWeight,
    lambda: o.lambda ?? p.lambda,
  };
}

export interface ExtractiveOptions {
  /** a measured profile (PROFILES); 'auto' (default in summaries) chooses by length */
  profile?: Profile | 'auto';
  /** what similarity is computed on (default in summaries: the profile's; selectSentences alone: concepts) */
  vectors?: SentenceVectors;
  /** weight of the position prior 1/(1+i) against centrality, 0…1 */
  positionWeight?: number;
  /** weight of centrality against redundancy, 0…1 (default 0.7; 1 = pure centrality) */
  lambda?: number;
  /**
   * 'centroid' (default): cosine with the mean of the unit concepts — the same ranking as the sum of all pairwise
   * cosines; 'degree': mean of the positive cosines with the other sentences (robust to outliers); 'lexrank':
   * PageRank over the similarity graph; 'pacsum': directed centrality (rank.ts)
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
  if (mode === 'lexrank' || mode === 'pacsum') return centralityOf(denseSimilarity(concepts), n, mode);
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
  opts: ExtractiveOptions & {
    preselected?: readonly ArrayLike<number>[];
    exclude?: Iterable<number>;
    /** the sentences' text: needed for lexical vectors */
    texts?: readonly string[];
    /** the text of the preselected (pinned) sentences, for redundancy with lexical vectors */
    preselectedTexts?: readonly string[];
  } = {},
): number[] {
  const lambda = opts.lambda ?? DEFAULT_LAMBDA;
  if (!(lambda >= 0 && lambda <= 1)) throw new TaskError('INVALID_REQUEST', `lambda must be within [0, 1] (got ${lambda})`);
  const w = opts.positionWeight ?? 0;
  if (!(w >= 0 && w <= 1)) throw new TaskError('INVALID_REQUEST', `positionWeight must be within [0, 1] (got ${w})`);
  const vectors = opts.vectors ?? 'concepts';
  if (vectors !== 'concepts' || w > 0 || opts.centrality === 'lexrank' || opts.centrality === 'pacsum') {
    return selectByGraph(concepts, count, { ...opts, lambda, positionWeight: w, vectors });
  }
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
  return mmrSelect(cent, (i, j) => dot(u[i], u[j]), k, { lambda, exclude: excluded, extraRedundancy: red });
}

/** Selection over a similarity matrix (rank.ts): lexical or concept vectors, any centrality, the position prior. */
function selectByGraph(
  concepts: readonly ArrayLike<number>[],
  count: number,
  o: ExtractiveOptions & { lambda: number; positionWeight: number; vectors: SentenceVectors; preselected?: readonly ArrayLike<number>[]; exclude?: Iterable<number>; texts?: readonly string[]; preselectedTexts?: readonly string[] },
): number[] {
  const lexical = o.vectors !== 'concepts';
  if (lexical && !o.texts) throw new TaskError('INVALID_REQUEST', `vectors "${o.vectors}" need the sentences' text`);
  const n = lexical ? o.texts!.length : concepts.length;
  const extra = lexical ? (o.preselectedTexts ?? []) : [];
  // pinned sentences share the document's vector space, so that redundancy with them is measured alike
  let all: Float64Array;
  let m: number;
  if (lexical) {
    m = n + extra.length;
    all = sparseSimilarity(lexicalVectors([...o.texts!, ...extra], o.vectors as 'words' | 'chars'));
  } else {
    const pre = o.preselected ?? [];
    m = n + pre.length;
    all = denseSimilarity([...concepts, ...pre]);
  }
  const sim = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sim[i * n + j] = all[i * m + j];
  const redundancy = new Array<number>(n).fill(-Infinity);
  for (let p = n; p < m; p++) for (let i = 0; i < n; i++) redundancy[i] = Math.max(redundancy[i], all[i * m + p]);
  const method: CentralityMethod = o.centrality === 'lexrank' || o.centrality === 'pacsum' ? o.centrality : 'degree';
  const scores = o.centrality === 'centroid' && !lexical ? centralityScores(concepts, 'centroid') : centralityOf(sim, n, method);
  return mmrSelect(mixPosition(scores, o.positionWeight), sim, count, { lambda: o.lambda, exclude: o.exclude, extraRedundancy: redundancy });
}
