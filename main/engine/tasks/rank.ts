/**
 * Unsupervised sentence ranking for extractive summaries, after the classic methods:
 * - sentence vectors: TF-IDF over words or over character 3-grams (IDF within the document, sentences as the
 *   "documents"), or any dense vectors (SONAR concepts);
 * - centrality: degree (mean positive cosine), LexRank (PageRank over the cosine graph; Erkan & Radev 2004) or
 *   PacSum's directed centrality (Zheng & Lapata 2019: edges to later sentences count, edges to earlier ones count
 *   against, so a sentence the rest of the text elaborates on wins);
 * - a position prior 1/(1+i) mixed in with weight w (news puts its point first; how-to text and meetings less so);
 * - MMR redundancy control (Carbonell & Goldstein 1998) when picking: λ·score − (1−λ)·max cos(selected).
 * Pure and deterministic; no model needed for the lexical vectors.
 */
import { tokenizeMultilingual } from '../eval/tokenize.js';

/** Sparse unit vector: sorted term ids and weights. */
export interface SparseVec {
  ids: Int32Array;
  w: Float64Array;
}

export type LexicalFeatures = 'words' | 'chars';
export type CentralityMethod = 'degree' | 'lexrank' | 'pacsum';

export interface RankOptions {
  centrality?: CentralityMethod;
  /** weight of the position prior against centrality, 0…1 */
  positionWeight?: number;
  /** MMR weight of the score against redundancy, 0…1 (1 = no redundancy control) */
  lambda?: number;
}

function charGrams(text: string, n: number): string[] {
  const out: string[] = [];
  for (const word of tokenizeMultilingual(text, { noSpaceScripts: 'chars' })) {
    const w = ` ${word} `;
    const cps = [...w];
    if (cps.length <= n) {
      out.push(w);
      continue;
    }
    for (let i = 0; i + n <= cps.length; i++) out.push(cps.slice(i, i + n).join(''));
  }
  return out;
}

/** The terms of a sentence: words (ICU word segmentation for scripts without spaces) or character 3-grams. */
export function sentenceTerms(text: string, features: LexicalFeatures): string[] {
  return features === 'words' ? tokenizeMultilingual(text) : charGrams(text, 3);
}

/** TF-IDF unit vectors of the sentences of one document (log-scaled tf, smoothed idf). */
export function lexicalVectors(sentences: readonly string[], features: LexicalFeatures = 'words'): SparseVec[] {
  const vocab = new Map<string, number>();
  const tfs = sentences.map((s) => {
    const tf = new Map<number, number>();
    for (const t of sentenceTerms(s, features)) {
      let id = vocab.get(t);
      if (id === undefined) vocab.set(t, (id = vocab.size));
      tf.set(id, (tf.get(id) ?? 0) + 1);
    }
    return tf;
  });
  const df = new Float64Array(vocab.size);
  for (const tf of tfs) for (const id of tf.keys()) df[id]++;
  const n = sentences.length;
  return tfs.map((tf) => {
    const ids = Int32Array.from([...tf.keys()].sort((a, b) => a - b));
    const w = Float64Array.from(ids, (id) => (1 + Math.log(tf.get(id)!)) * (Math.log((1 + n) / (1 + df[id])) + 1));
    let norm = 0;
    for (const x of w) norm += x * x;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < w.length; i++) w[i] /= norm;
    return { ids, w };
  });
}

function sparseDot(a: SparseVec, b: SparseVec): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.ids.length && j < b.ids.length) {
    if (a.ids[i] === b.ids[j]) s += a.w[i++] * b.w[j++];
    else if (a.ids[i] < b.ids[j]) i++;
    else j++;
  }
  return s;
}

/** Cosine matrix (n×n, row-major, diagonal 0) of sparse unit vectors. */
export function sparseSimilarity(vecs: readonly SparseVec[]): Float64Array {
  const n = vecs.length;
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const c = sparseDot(vecs[i], vecs[j]);
      m[i * n + j] = c;
      m[j * n + i] = c;
    }
  }
  return m;
}

/** Cosine matrix (n×n, diagonal 0) of dense vectors. */
export function denseSimilarity(vecs: readonly ArrayLike<number>[]): Float64Array {
  const n = vecs.length;
  const u = vecs.map((v) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i] * v[i];
    const k = s > 1e-24 ? 1 / Math.sqrt(s) : 0;
    return Float64Array.from(v as ArrayLike<number>, (x) => x * k);
  });
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let c = 0;
      const a = u[i];
      const b = u[j];
      for (let d = 0; d < a.length; d++) c += a[d] * b[d];
      m[i * n + j] = c;
      m[j * n + i] = c;
    }
  }
  return m;
}

/** Mean positive similarity to the other sentences. */
function degree(sim: Float64Array, n: number): number[] {
  const out = new Array<number>(n).fill(0);
  if (n < 2) return out.fill(1);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) if (j !== i) s += Math.max(0, sim[i * n + j]);
    out[i] = s / (n - 1);
  }
  return out;
}

/** PageRank over the positive similarity graph (continuous LexRank), damping 0.85, uniform teleport. */
function lexrank(sim: Float64Array, n: number, damping = 0.85, iterations = 60): number[] {
  if (n < 2) return new Array<number>(n).fill(1);
  const rowSum = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) rowSum[i] += Math.max(0, sim[i * n + j]);
  let p = new Float64Array(n).fill(1 / n);
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(n).fill((1 - damping) / n);
    let dangling = 0;
    for (let i = 0; i < n; i++) {
      if (rowSum[i] <= 0) {
        dangling += p[i];
        continue;
      }
      const share = (damping * p[i]) / rowSum[i];
      for (let j = 0; j < n; j++) {
        const e = sim[i * n + j];
        if (e > 0) next[j] += share * e;
      }
    }
    for (let j = 0; j < n; j++) next[j] += (damping * dangling) / n;
    p = next;
  }
  return [...p].map((x) => x * n);
}

/**
 * PacSum's directed centrality: edges are similarities above min + β(max − min); a sentence gains λ2 per edge to a
 * later sentence and λ1 (negative) per edge to an earlier one. The paper's tuned values: β 0.6, λ1 −2, λ2 1.
 */
function pacsum(sim: Float64Array, n: number, beta = 0.6, lambda1 = -2, lambda2 = 1): number[] {
  if (n < 2) return new Array<number>(n).fill(1);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      lo = Math.min(lo, sim[i * n + j]);
      hi = Math.max(hi, sim[i * n + j]);
    }
  }
  const thr = lo + beta * (hi - lo);
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const e = Math.max(0, sim[i * n + j] - thr);
      out[i] += (j > i ? lambda2 : lambda1) * e;
    }
  }
  return out;
}

export function centrality(sim: Float64Array, n: number, method: CentralityMethod): number[] {
  if (method === 'lexrank') return lexrank(sim, n);
  if (method === 'pacsum') return pacsum(sim, n);
  return degree(sim, n);
}

/** Scores rescaled to [0, 1] (all equal → all 0, so that the position prior alone decides). */
function minMax(xs: readonly number[]): number[] {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return hi - lo > 1e-12 ? xs.map((x) => (x - lo) / (hi - lo)) : xs.map(() => 0);
}

/** The position prior: 1 for the first sentence, 1/(1+i) after it. */
export function positionPrior(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 / (1 + i));
}

/** score_i = (1 − w)·centrality_i + w·prior_i, centrality rescaled to [0, 1]. */
export function sentenceScores(sim: Float64Array, n: number, o: RankOptions = {}): number[] {
  return mixPosition(centrality(sim, n, o.centrality ?? 'degree'), o.positionWeight ?? 0);
}

/** Centrality scores rescaled to [0, 1], mixed with the position prior at weight w. */
export function mixPosition(cent: readonly number[], w: number): number[] {
  if (!(w >= 0 && w <= 1)) throw new RangeError(`positionWeight must be within [0, 1] (got ${w})`);
  const c = minMax(cent);
  const p = positionPrior(cent.length);
  return c.map((x, i) => (1 - w) * x + w * p[i]);
}

/**
 * Pick `count` sentences greedily by λ·score − (1−λ)·(max similarity to the picked ones, and to `preselected`
 * rows given as similarities `extraRedundancy[i]`); ties go to the earlier sentence. Returned in source order.
 * `sim` is an n×n row-major matrix, or a function of two indices for callers that should not build the matrix
 * (only k·n similarities are ever read).
 */
export function mmrSelect(
  scores: readonly number[],
  sim: Float64Array | ((i: number, j: number) => number),
  count: number,
  o: { lambda?: number; exclude?: Iterable<number>; extraRedundancy?: readonly number[] } = {},
): number[] {
  const n = scores.length;
  const similarity = typeof sim === 'function' ? sim : (i: number, j: number) => sim[i * n + j];
  const lambda = o.lambda ?? 1;
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`lambda must be within [0, 1] (got ${lambda})`);
  const taken = new Uint8Array(n);
  for (const i of o.exclude ?? []) if (i >= 0 && i < n) taken[i] = 1;
  const red = o.extraRedundancy ? Float64Array.from(o.extraRedundancy) : new Float64Array(n).fill(-Infinity);
  const chosen: number[] = [];
  const k = Math.min(Math.max(0, Math.floor(count)), n - taken.reduce((a, b) => a + b, 0));
  for (let step = 0; step < k; step++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      const s = lambda * scores[i] - (1 - lambda) * (red[i] === -Infinity ? 0 : red[i]);
      if (s > bestScore + 1e-12) {
        bestScore = s;
        best = i;
      }
    }
    if (best < 0) break;
    taken[best] = 1;
    chosen.push(best);
    for (let i = 0; i < n; i++) if (!taken[i]) red[i] = Math.max(red[i], similarity(i, best));
  }
  return chosen.sort((a, b) => a - b);
}

/** Lexical ranking end to end: the indices of `count` sentences, in source order. */
export function rankLexical(sentences: readonly string[], count: number, o: RankOptions & { features?: LexicalFeatures } = {}): number[] {
  const n = sentences.length;
  const sim = sparseSimilarity(lexicalVectors(sentences, o.features ?? 'words'));
  return mmrSelect(sentenceScores(sim, n, o), sim, count, { lambda: o.lambda });
}
