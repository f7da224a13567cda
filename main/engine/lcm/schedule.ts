/**
 * Diffusion noise schedules and timestep lists (research/lcm.md §4.1, §4.6), matching
 * tools/concept_tools/lcm_model.py `make_schedule` and `timesteps`. Betas are computed in float64; ᾱ is returned
 * rounded to float32 as in the reference (the pack ships the same list as `sampler.alphas_cumprod`).
 * Zero terminal SNR (Lin et al. 2024) is always applied, so ᾱ_{T−1} = 0 exactly.
 */

export type ScheduleName = 'cosine' | 'quadratic' | 'sigmoid';
export type Spacing = 'trailing' | 'paper';

export interface ScheduleArgs {
  /** quadratic: β at the first and last step (β = linspace(√β₀, √β₁, T)²). */
  betaStart?: number;
  betaEnd?: number;
  /** sigmoid: ᾱ(u) = sigmoid(center − scale·logit(u)). */
  sigmoidScale?: number;
  sigmoidCenter?: number;
}

/** The pack's `schedule_args` use the Python names; accept both spellings. */
export function scheduleArgsFromPack(args: Record<string, unknown> | undefined): ScheduleArgs {
  const a = args ?? {};
  const num = (...keys: string[]) => {
    for (const k of keys) if (typeof a[k] === 'number') return a[k] as number;
    return undefined;
  };
  return {
    betaStart: num('beta_start', 'betaStart'),
    betaEnd: num('beta_end', 'betaEnd'),
    sigmoidScale: num('sigmoid_scale', 'sigmoidScale'),
    sigmoidCenter: num('sigmoid_center', 'sigmoidCenter'),
  };
}

function betasFromAlphaBar(fn: (u: number) => number, T: number, maxBeta = 0.999): Float64Array {
  const betas = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    const f0 = fn(i / T);
    betas[i] = f0 > 0 ? Math.min(1 - fn((i + 1) / T) / f0, maxBeta) : maxBeta;
  }
  return betas;
}

/** torch.linspace semantics in float64 (first half from the start, second half from the end). */
function linspace(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = (end - start) / (n - 1);
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? start + step * i : end - step * (n - 1 - i);
  return out;
}

function cumprodOneMinus(betas: Float64Array): Float64Array {
  const out = new Float64Array(betas.length);
  let p = 1;
  for (let i = 0; i < betas.length; i++) {
    p *= 1 - betas[i];
    out[i] = p;
  }
  return out;
}

/** Lin et al. 2024: shift √ᾱ so that its last value is 0, scale so that the first is unchanged; back to β. */
export function rescaleZeroTerminalSnr(betas: Float64Array): Float64Array {
  const ab = cumprodOneMinus(betas);
  const sq = ab.map(Math.sqrt);
  const a0 = sq[0];
  const aT = sq[sq.length - 1];
  const ab2 = sq.map((v) => {
    const r = ((v - aT) * a0) / (a0 - aT);
    return r * r;
  });
  const out = new Float64Array(betas.length);
  for (let i = 0; i < out.length; i++) out[i] = 1 - (i === 0 ? ab2[0] : ab2[i] / ab2[i - 1]);
  return out;
}

/** ᾱ_t (float32-rounded, length T) for cosine | quadratic | sigmoid, with zero terminal SNR. */
export function makeSchedule(name: ScheduleName | string, T = 100, args: ScheduleArgs = {}): Float32Array {
  let betas: Float64Array;
  if (name === 'cosine') {
    betas = betasFromAlphaBar((u) => Math.cos((((u + 0.008) / 1.008) * Math.PI) / 2) ** 2, T);
  } else if (name === 'quadratic') {
    const b0 = args.betaStart ?? 1e-4;
    const b1 = args.betaEnd ?? 0.02;
    betas = linspace(Math.sqrt(b0), Math.sqrt(b1), T).map((v) => v * v);
  } else if (name === 'sigmoid') {
    const scale = args.sigmoidScale ?? 1.5;
    const center = args.sigmoidCenter ?? 0;
    betas = betasFromAlphaBar((u) => {
      u = Math.min(Math.max(u, 1e-32), 1 - 1e-32);
      if (u >= 1) return 0; // 1 − 1e-32 rounds to 1 in float64: logit = +inf, ᾱ = 0
      return 1 / (1 + Math.exp(-(center - scale * Math.log(u / (1 - u)))));
    }, T);
  } else {
    throw new Error(`unknown schedule ${name}`);
  }
  return Float32Array.from(cumprodOneMinus(rescaleZeroTerminalSnr(betas)));
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The timesteps visited by the sampler, from noisy to clean.
 * 'trailing' (reference code): t = T−1−k·i while ≥ 0, k = ⌊T/S⌋ (T = 100, S = 40 → 99, 97, …, 1: 50 steps).
 * 'paper': round(flip(arange(T, 0, −T/S))) made 0-based: S distinct steps (T = 100, S = 10 → 99, 89, …, 9).
 */
export function timesteps(T: number, S: number, spacing: Spacing | string = 'trailing'): number[] {
  if (!(Number.isInteger(T) && T > 0 && Number.isInteger(S) && S > 0)) throw new Error(`timesteps: bad T=${T}, S=${S}`);
  if (spacing === 'trailing') {
    const k = Math.floor(T / S);
    if (k < 1) throw new Error(`timesteps: steps ${S} > train steps ${T}`);
    const out: number[] = [];
    for (let t = T - 1; t >= 0; t -= k) out.push(t);
    return out;
  }
  if (spacing === 'paper') {
    const set = new Set<number>();
    for (let i = 0; i < S; i++) set.add(roundHalfEven(T - (i * T) / S) - 1);
    return [...set].filter((v) => v >= 0).sort((a, b) => b - a);
  }
  throw new Error(`unknown spacing ${spacing}`);
}
