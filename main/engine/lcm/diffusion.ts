/**
 * Two-Tower diffusion LCM inference (research/lcm.md §4.6; reference: tools/concept_tools/lcm_model.py
 * `sample_next`). The contextualizer runs over the normalized prefix; the denoiser (x̂₀-prediction) is driven by a
 * DDIM sampler with classifier-free guidance. Conditional and unconditional halves run as one doubled batch
 * (or, for benchmarks, as two runs); guidance rescale uses the unbiased std; ε-scaling after x̂₀; at t = T−1
 * (ᾱ = 0) the conditional x̂₀ is taken and ε = z. The output is the x̂₀ of the last step.
 */
import type { NextConceptModel, PredictOptions } from './model.js';
import type { Normalizer } from './normalizer.js';
import { checkAbort, f32, i64, outputF32, type Runner } from './runner.js';
import type { Rng } from './rng.js';
import { timesteps, type Spacing } from './schedule.js';
import { stack, stdUnbiased } from './vec.js';

export interface SamplerOptions {
  /** S: number of sampling steps requested (see `spacing`) */
  steps: number;
  spacing: Spacing;
  /** g; 1 = no guidance (the unconditional half is then not run) */
  guidanceScale: number;
  /** r of Lin et al. Alg. 2; 0 = off */
  guidanceRescale: number;
  /** σ_init: z = N(0, I)·σ_init */
  initialNoiseScale: number;
  /** λ_eps: ε ← ε / λ_eps after x̂₀; null/0 = off */
  epsilonScaling: number | null;
  /** DDIM η; 0 = deterministic */
  eta: number;
  /** z is clamped to ±clip_noise after the draw and after every step */
  clipNoise: number;
  /** 'batched' (default): one denoiser run over [cond; uncond]; 'separate': two runs (for the benchmark) */
  guidanceMode?: 'batched' | 'separate';
}

/** The paper's defaults (§2.4.1), also the reference `SamplerOptions()`. */
export const DEFAULT_SAMPLER: SamplerOptions = {
  steps: 40,
  spacing: 'trailing',
  guidanceScale: 3,
  guidanceRescale: 0.7,
  initialNoiseScale: 0.6,
  epsilonScaling: 1.00045,
  eta: 0,
  clipNoise: 100,
  guidanceMode: 'batched',
};

/** pack.json `sampler` (snake_case) → SamplerOptions, falling back to the defaults. */
export function samplerFromPack(s: Record<string, unknown> | undefined): SamplerOptions {
  const o = s ?? {};
  const n = (k: string, d: number) => (typeof o[k] === 'number' ? (o[k] as number) : d);
  return {
    steps: n('steps', DEFAULT_SAMPLER.steps),
    spacing: o.spacing === 'paper' ? 'paper' : 'trailing',
    guidanceScale: n('guidance_scale', DEFAULT_SAMPLER.guidanceScale),
    guidanceRescale: n('guidance_rescale', DEFAULT_SAMPLER.guidanceRescale),
    initialNoiseScale: n('initial_noise_scale', DEFAULT_SAMPLER.initialNoiseScale),
    epsilonScaling:
      o.epsilon_scaling === null ? null : n('epsilon_scaling', DEFAULT_SAMPLER.epsilonScaling as number),
    eta: n('eta', DEFAULT_SAMPLER.eta),
    clipNoise: n('clip_noise', DEFAULT_SAMPLER.clipNoise),
    guidanceMode: 'batched',
  };
}

export interface TrajectoryStep {
  t: number;
  /** x̂₀ of this step [B·D] (normalized) */
  x0: Float32Array;
  /** z after the DDIM update to the next timestep [B·D] */
  z: Float32Array;
}

export interface SampleHooks {
  signal?: AbortSignal;
  /** random source for the initial noise and η-noise when they are not injected */
  rng?: Rng;
  /** N(0, I) initial noise [B·D] **before** scaling by σ_init (tests inject the reference's) */
  noise?: Float32Array;
  /** η > 0: the N(0, I) noise added at step n [B·D] (tests inject it) */
  stepNoise?: Float32Array[] | ((n: number) => Float32Array);
  /** collects every step's x̂₀ and z */
  trajectory?: TrajectoryStep[];
  /** called after each denoising step */
  onStep?: (step: number, total: number, t: number) => void;
}

/** The context of B sequences: [B, L, H] (row-major). */
export interface Context {
  data: Float32Array;
  batch: number;
  length: number;
  dim: number;
}

export interface TwoTowerLcmOptions {
  contextualizer: Runner;
  denoiser: Runner;
  normalizer: Normalizer;
  /** ᾱ_t, length T (pack.json sampler.alphas_cumprod) */
  alphasCumprod: ArrayLike<number>;
  sampler?: Partial<SamplerOptions>;
  /** longest prefix the contextualizer takes (pack config.max_seq_len): longer prefixes keep their last concepts */
  maxLength?: number;
  /** tensor names (pack.json graphs.*.inputs / outputs) */
  names?: Partial<TwoTowerNames>;
}

export interface TwoTowerNames {
  concepts: string;
  context: string;
  xT: string;
  t: string;
  denoiserContext: string;
  contextMask: string;
  x0: string;
}

const DEFAULT_NAMES: TwoTowerNames = {
  concepts: 'concepts',
  context: 'context',
  xT: 'x_t',
  t: 't',
  denoiserContext: 'context',
  contextMask: 'context_mask',
  x0: 'x0',
};

export interface TwoTowerPredictOptions extends PredictOptions, Omit<SampleHooks, 'signal' | 'rng'> {
  sampler?: Partial<SamplerOptions>;
}

export class TwoTowerLcm implements NextConceptModel {
  readonly variant = 'two-tower' as const;
  readonly contextualizer: Runner;
  readonly denoiser: Runner;
  readonly normalizer: Normalizer;
  readonly alphasCumprod: Float64Array;
  readonly names: TwoTowerNames;
  sampler: SamplerOptions;
  /** denoiser runs made so far (for benchmarks and tests) */
  denoiserRuns = 0;
  readonly maxLength: number;

  constructor(o: TwoTowerLcmOptions) {
    this.contextualizer = o.contextualizer;
    this.denoiser = o.denoiser;
    this.normalizer = o.normalizer;
    this.alphasCumprod = Float64Array.from(o.alphasCumprod);
    if (this.alphasCumprod.length < 2) throw new Error('alphas_cumprod needs at least 2 values');
    this.names = { ...DEFAULT_NAMES, ...o.names };
    this.sampler = { ...DEFAULT_SAMPLER, ...o.sampler };
    this.maxLength = o.maxLength ?? Infinity;
  }

  get dim(): number {
    return this.normalizer.dim;
  }

  get numTrainSteps(): number {
    return this.alphasCumprod.length;
  }

  /** contextualizer: normalized concepts [B,L,D] → context [B,L,H] */
  async contextualize(normalized: Float32Array, batch: number, length: number): Promise<Context> {
    const out = await this.contextualizer.run({ [this.names.concepts]: f32(normalized, [batch, length, this.dim]) });
    const t = out[this.names.context];
    if (!t || t.dims.length !== 3 || t.dims[0] !== batch || t.dims[1] !== length) {
      throw new Error(`contextualizer output '${this.names.context}' has shape [${t?.dims}]`);
    }
    return { data: outputF32(out, this.names.context), batch, length, dim: t.dims[2] };
  }

  /** denoiser: x_t [B,1,D], t [B], context [B,L,H], mask [B,L] → x̂₀ [B,1,D] */
  async denoise(xT: Float32Array, t: readonly number[], context: Context, mask: Float32Array): Promise<Float32Array> {
    const b = t.length;
    const { length: l, dim: h } = context;
    if (context.batch !== b) throw new Error(`denoise: context batch ${context.batch} != ${b}`);
    this.denoiserRuns++;
    const out = await this.denoiser.run({
      [this.names.xT]: f32(xT, [b, 1, this.dim]),
      [this.names.t]: i64(t),
      [this.names.denoiserContext]: f32(context.data, [b, l, h]),
      [this.names.contextMask]: f32(mask, [b, l]),
    });
    return outputF32(out, this.names.x0, [b, 1, this.dim]);
  }

  /** The conditional and unconditional halves of guidance, prepared once per concept (batched or separate). */
  private guidanceInputs(context: Context, o: SamplerOptions): GuidanceInputs {
    const b = context.batch;
    const l = context.length;
    const ones = new Float32Array(b * l).fill(1);
    const zeros = new Float32Array(b * l);
    const zeroCtx: Context = { data: new Float32Array(context.data.length), batch: b, length: l, dim: context.dim };
    if (o.guidanceScale === 1 || o.guidanceMode === 'separate') return { ones, zeros, zeroCtx, both: null, bothMask: null };
    // conditional half: the context, mask of ones; unconditional half: zero context, mask of zeros
    const data = new Float32Array(2 * context.data.length);
    data.set(context.data, 0);
    const bothMask = new Float32Array(2 * b * l);
    bothMask.fill(1, 0, b * l);
    return { ones, zeros, zeroCtx, both: { data, batch: 2 * b, length: l, dim: context.dim }, bothMask };
  }

  /** x̂₀ predicted at step t: conditional, and unconditional when guided (one doubled batch, or two runs). */
  private async predictX0(z: Float32Array, t: number, context: Context, g: GuidanceInputs, guided: boolean, signal?: AbortSignal) {
    const b = context.batch;
    const n = z.length;
    if (!guided) return { x0c: await this.denoise(z, new Array(b).fill(t), context, g.ones), x0u: null };
    if (g.both && g.bothMask) {
      const zz = new Float32Array(2 * n);
      zz.set(z, 0);
      zz.set(z, n);
      const out = await this.denoise(zz, new Array(2 * b).fill(t), g.both, g.bothMask);
      return { x0c: out.subarray(0, n), x0u: out.subarray(n, 2 * n) };
    }
    const x0c = await this.denoise(z, new Array(b).fill(t), context, g.ones);
    checkAbort(signal);
    return { x0c, x0u: await this.denoise(z, new Array(b).fill(t), g.zeroCtx, g.zeros) };
  }

  /**
   * One next concept (normalized) for each of the B sequences whose context is given. Returns x̂₀ of the last
   * step, [B·D].
   */
  async sampleNext(context: Context, options: Partial<SamplerOptions> = {}, hooks: SampleHooks = {}): Promise<Float32Array> {
    const o: SamplerOptions = { ...this.sampler, ...options };
    const ab = this.alphasCumprod;
    const T = ab.length;
    const n = context.batch * this.dim;
    const guided = o.guidanceScale !== 1;
    const ts = timesteps(T, o.steps, o.spacing);
    const clip = o.clipNoise;
    const clamp = (v: number) => (v < -clip ? -clip : v > clip ? clip : v);

    let noise = hooks.noise;
    if (!noise) {
      if (!hooks.rng) throw new Error('sampleNext needs an rng or injected noise');
      noise = hooks.rng.randn(n);
    }
    if (noise.length !== n) throw new Error(`initial noise has length ${noise.length}, expected ${n}`);
    let z: Float32Array = new Float32Array(n);
    for (let i = 0; i < n; i++) z[i] = clamp(Math.fround(noise[i] * o.initialNoiseScale));

    const g = this.guidanceInputs(context, o);
    const eps = new Float64Array(n);
    let x0: Float32Array = new Float32Array(n);
    for (let s = 0; s < ts.length; s++) {
      checkAbort(hooks.signal);
      const t = ts[s];
      const { x0c, x0u } = await this.predictX0(z, t, context, g, guided, hooks.signal);
      x0 = guide(z, x0c, x0u, eps, ab[t], t === T - 1, o, context.batch, this.dim);
      if (o.epsilonScaling) for (let i = 0; i < n; i++) eps[i] /= o.epsilonScaling;
      z = ddimStep(z, x0, eps, ab, ts, s, o, hooks, clamp);
      hooks.trajectory?.push({ t, x0: x0.slice(), z: z.slice() });
      hooks.onStep?.(s + 1, ts.length, t);
    }
    return x0;
  }

  /** The normalized next concept after a raw prefix (batch 1). */
  async predictNextNormalized(prefix: readonly Float32Array[], opts: TwoTowerPredictOptions = {}): Promise<Float32Array> {
    if (prefix.length === 0) throw new Error('Two-Tower LCM needs a non-empty prefix');
    checkAbort(opts.signal);
    if (prefix.length > this.maxLength) prefix = prefix.slice(prefix.length - this.maxLength);
    const xn = this.normalizer.normalize(stack(prefix, this.dim));
    const ctx = await this.contextualize(xn, 1, prefix.length);
    return this.sampleNext(ctx, opts.sampler, opts);
  }

  async predictNext(prefix: readonly Float32Array[], opts: TwoTowerPredictOptions = {}): Promise<Float32Array> {
    return this.normalizer.denormalize(await this.predictNextNormalized(prefix, opts));
  }
}

interface GuidanceInputs {
  ones: Float32Array;
  zeros: Float32Array;
  zeroCtx: Context;
  both: Context | null;
  bothMask: Float32Array | null;
}

/**
 * Classifier-free guidance of one step: fills ε (in place) and returns the guided x̂₀. At ᾱ = 0 (the first step of a
 * zero-terminal-SNR schedule) z is pure noise: ε = z and x̂₀ is the conditional one.
 */
function guide(z: Float32Array, x0c: Float32Array, x0u: Float32Array | null, eps: Float64Array, aT: number, pureNoise: boolean,
  o: SamplerOptions, b: number, d: number): Float32Array {
  const n = z.length;
  const sa = Math.sqrt(aT);
  const s1a = Math.sqrt(1 - aT);
  const g = o.guidanceScale;
  const x0s = new Float32Array(n);
  if (pureNoise) {
    x0s.set(x0c);
    for (let i = 0; i < n; i++) eps[i] = z[i];
    return x0s;
  }
  if (g === 1 || !x0u) {
    x0s.set(x0c);
    for (let i = 0; i < n; i++) eps[i] = Math.fround((z[i] - sa * x0c[i]) / s1a);
    return x0s;
  }
  const ec = new Float64Array(d);
  const eg = new Float64Array(d);
  for (let r = 0; r < b; r++) {
    const off = r * d;
    for (let i = 0; i < d; i++) {
      const c = Math.fround((z[off + i] - sa * x0c[off + i]) / s1a);
      const u = Math.fround((z[off + i] - sa * x0u[off + i]) / s1a);
      ec[i] = c;
      eg[i] = Math.fround(u + g * (c - u));
    }
    let factor = 1;
    if (o.guidanceRescale > 0) {
      const rr = o.guidanceRescale;
      factor = rr * (stdUnbiased(ec) / stdUnbiased(eg)) + (1 - rr);
    }
    for (let i = 0; i < d; i++) {
      const e = Math.fround(factor * eg[i]);
      eps[off + i] = e;
      x0s[off + i] = (z[off + i] - s1a * e) / sa;
    }
  }
  return x0s;
}

/** The DDIM update z_t → z_{t_prev} (η > 0 adds step noise, injected or drawn), clipped. */
function ddimStep(z: Float32Array, x0: Float32Array, eps: Float64Array, ab: Float64Array, ts: readonly number[], s: number,
  o: SamplerOptions, hooks: SampleHooks, clamp: (v: number) => number): Float32Array {
  const n = z.length;
  const aT = ab[ts[s]];
  const tPrev = s + 1 < ts.length ? ts[s + 1] : -1;
  const aPrev = tPrev >= 0 ? ab[tPrev] : 1;
  const sigma = o.eta > 0 ? o.eta * Math.sqrt((1 - aPrev) / (1 - aT)) * Math.sqrt(1 - aT / aPrev) : 0;
  const dirCoef = Math.sqrt(Math.max(1 - aPrev - sigma * sigma, 0));
  const saPrev = Math.sqrt(aPrev);
  let sn: Float32Array | null = null;
  if (o.eta > 0) {
    const inj = hooks.stepNoise;
    sn = inj ? (typeof inj === 'function' ? inj(s) : inj[s]) : null;
    if (!sn) {
      if (!hooks.rng) throw new Error('η > 0 needs an rng or injected step noise');
      sn = hooks.rng.randn(n);
    }
    if (sn.length !== n) throw new Error(`step noise ${s} has length ${sn.length}, expected ${n}`);
  }
  const zNext = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = saPrev * x0[i] + dirCoef * eps[i];
    if (sn) v += sigma * sn[i];
    zNext[i] = clamp(v);
  }
  return zNext;
}
