/**
 * Timing policy shared with tools/bench_torch.py: `warmup` untimed runs, then timed runs until `budgetS` seconds have
 * passed and at least `minReps` were made (at most `maxReps`). The median is the figure; min and samples are kept.
 */
export interface Policy {
  warmup: number;
  budgetS: number;
  minReps: number;
  maxReps?: number;
  /** comparisons: the budget is split into this many alternating onnxruntime / PyTorch rounds (default 1) */
  rounds?: number;
}

export interface Timing {
  median_s: number;
  min_s: number;
  reps: number;
  samples: number[];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function timingOf(samples: readonly number[]): Timing {
  return { median_s: median(samples), min_s: Math.min(...samples), reps: samples.length, samples: [...samples] };
}

/** The policy of round r of `p.rounds`: warm-up in the first round only, budget and minimum runs split. */
export function roundPolicy(p: Policy, r: number): Policy {
  const rounds = p.rounds ?? 1;
  return { warmup: r === 0 ? p.warmup : 0, budgetS: p.budgetS / rounds, minReps: Math.max(1, Math.ceil(p.minReps / rounds)), maxReps: p.maxReps };
}

export async function measure(fn: () => Promise<unknown> | unknown, p: Policy): Promise<Timing> {
  for (let i = 0; i < p.warmup; i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  const maxReps = p.maxReps ?? 1000;
  while (samples.length < maxReps && (samples.length < p.minReps || performance.now() - start < p.budgetS * 1000)) {
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) / 1000);
  }
  return timingOf(samples);
}

/** The policy as tools/bench_torch.py reads it. */
export function policyJson(p: Policy): Record<string, number> {
  return { warmup: p.warmup, budget_s: p.budgetS, min_reps: p.minReps, max_reps: p.maxReps ?? 1000 };
}
