/**
 * Attribution: which source sentences each output concept comes from (top-k by cosine), and the concept map: the
 * document's concepts in their first two principal axes, output concepts projected into the same axes.
 */
import type { Attribution, ConceptMapPoint } from '../types.js';
import { pca2 } from './pca.js';
import { dot, unit } from './vec.js';

export interface AttributionOptions {
  /** at most this many source sentences per output concept (default 3) */
  k?: number;
  /** drop sources whose cosine is below this (default 0.25) */
  minScore?: number;
}

export const DEFAULT_ATTRIBUTION = { k: 3, minScore: 0.25 } as const;

/** For each output concept, the top-k source sentences by cosine (score descending, lower index first on ties). */
export function attribute(
  outputs: readonly ArrayLike<number>[],
  sources: readonly ArrayLike<number>[],
  opts: AttributionOptions = {},
): Attribution[][] {
  const k = opts.k ?? DEFAULT_ATTRIBUTION.k;
  const minScore = opts.minScore ?? DEFAULT_ATTRIBUTION.minScore;
  const su = sources.map(unit);
  return outputs.map((o) => {
    const ou = unit(o);
    const scored: Attribution[] = [];
    su.forEach((s, i) => {
      const score = dot(ou, s);
      if (score >= minScore) scored.push({ sentenceIdx: i, score: round6(score) });
    });
    scored.sort((a, b) => b.score - a.score || a.sentenceIdx - b.sentenceIdx);
    return scored.slice(0, Math.max(0, k));
  });
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * The 2-D concept map: PCA fitted on the source concepts only (so a document's map does not move between runs),
 * output concepts projected into the same axes.
 */
export function conceptMap(
  source: { concepts: readonly ArrayLike<number>[]; texts: readonly string[] },
  output?: { concepts: readonly ArrayLike<number>[]; texts: readonly string[] },
): ConceptMapPoint[] {
  if (source.concepts.length === 0) return [];
  const p = pca2(source.concepts);
  const points: ConceptMapPoint[] = [];
  source.concepts.forEach((c, i) => {
    const [x, y] = p.project(c);
    points.push({ x, y, kind: 'source', index: i, text: source.texts[i] ?? '' });
  });
  output?.concepts.forEach((c, i) => {
    const [x, y] = p.project(c);
    points.push({ x, y, kind: 'output', index: i, text: output.texts[i] ?? '' });
  });
  return points;
}
