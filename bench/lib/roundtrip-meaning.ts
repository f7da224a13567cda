/**
 * Whether a variant writes what fp32 writes *in meaning*, not token for token: greedy identity counts every flipped
 * near-tie of a fragile small model as a loss, though the flipped output may say the source as well or better. Each
 * round trip (sentence → concept → greedy text in the same language) is scored by chrF against its source sentence;
 * a variant is compared with fp32 sentence by sentence (a paired bootstrap interval of the mean difference) and on
 * the outputs that differ from fp32's, next to the trivial baseline: fp32's decode of another sentence's concept.
 */
import { chrf } from '../../main/engine/eval/chrf.js';
import { Rng } from '../../main/engine/lcm/rng.js';

export interface RoundTripMeaning {
  /** mean chrF (0-100) of the variant's round trips against their sources */
  chrf: number;
  /** mean of (variant − fp32) per sentence, with its 95 % paired bootstrap interval */
  delta: { mean: number; lo: number; hi: number };
  /** the sentences whose output differs from fp32's: how many, both sides' mean chrF, and how many got better/worse */
  changed: { count: number; fp32: number; variant: number; better: number; worse: number };
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : Number.NaN);

/** 95 % percentile interval of the mean of `d` over `draws` resamples with replacement (fixed seed: reproducible). */
export function bootstrapMeanInterval(d: readonly number[], draws = 2000, seed = 20261201): { lo: number; hi: number } {
  if (!d.length) return { lo: Number.NaN, hi: Number.NaN };
  const rng = new Rng(seed);
  const means = new Float64Array(draws);
  for (let k = 0; k < draws; k++) {
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[Math.min(d.length - 1, Math.floor(rng.uniform() * d.length))];
    means[k] = s / d.length;
  }
  means.sort();
  return { lo: means[Math.floor(0.025 * (draws - 1))], hi: means[Math.ceil(0.975 * (draws - 1))] };
}

/** chrF of each text against the source at the same index. */
export function roundTripScores(sources: readonly string[], texts: readonly string[]): number[] {
  if (sources.length !== texts.length) throw new Error(`round trip: ${sources.length} sources but ${texts.length} texts`);
  return texts.map((t, i) => chrf(t, sources[i]));
}

/** The trivial baseline: each source scored against the round trip of the *next* sentence's concept. */
export function otherConceptBaseline(sources: readonly string[], texts: readonly string[]): number {
  return mean(roundTripScores(sources, texts.map((_, i) => texts[(i + 1) % texts.length])));
}

/** `variant`'s round trips against fp32's (`reference`), both decoded from the same sources in the same order. */
export function roundTripMeaning(sources: readonly string[], reference: readonly string[], variant: readonly string[]): RoundTripMeaning {
  const a = roundTripScores(sources, reference);
  const b = roundTripScores(sources, variant);
  const d = b.map((x, i) => x - a[i]);
  const changed = variant.flatMap((t, i) => (t === reference[i] ? [] : [i]));
  return {
    chrf: mean(b),
    delta: { mean: mean(d), ...bootstrapMeanInterval(d) },
    changed: { count: changed.length, fp32: mean(changed.map((i) => a[i])), variant: mean(changed.map((i) => b[i])),
      better: changed.filter((i) => d[i] > 0).length, worse: changed.filter((i) => d[i] < 0).length },
  };
}
