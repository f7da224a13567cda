/**
 * Base-LCM (MSE) inference (research/lcm.md §3): normalize the raw prefix, run the causal graph
 * `concepts [B,L,D] → next [B,L,D]` (position i predicts concept i+1), take the last position, optionally add
 * latent noise N(0, τ²) in normalized space (off by default: deterministic, as the README advises), denormalize.
 */
import type { Normalizer } from './normalizer.js';
import { checkAbort, f32, outputF32, type Runner } from './runner.js';
import type { Rng } from './rng.js';
import { stack } from './vec.js';
import type { NextConceptModel, PredictOptions } from './model.js';

export interface BaseLcmOptions {
  runner: Runner;
  normalizer: Normalizer;
  /** graph tensor names (pack.json graphs.base.inputs.concepts / outputs.next) */
  inputName?: string;
  outputName?: string;
  /** τ of the latent noise N(0, τ²) added in normalized space; 0 (default) = deterministic */
  latentNoise?: number;
  /** longest prefix the graph takes (pack config.max_seq_len): longer prefixes keep their last concepts */
  maxLength?: number;
}

export interface BasePredictOptions extends PredictOptions {
  /** overrides the model's τ for this call */
  latentNoise?: number;
}

export class BaseLcm implements NextConceptModel {
  readonly variant = 'base' as const;
  readonly runner: Runner;
  readonly normalizer: Normalizer;
  readonly inputName: string;
  readonly outputName: string;
  latentNoise: number;
  readonly maxLength: number;

  constructor(o: BaseLcmOptions) {
    this.runner = o.runner;
    this.normalizer = o.normalizer;
    this.inputName = o.inputName ?? 'concepts';
    this.outputName = o.outputName ?? 'next';
    this.latentNoise = o.latentNoise ?? 0;
    this.maxLength = o.maxLength ?? Infinity;
  }

  get dim(): number {
    return this.normalizer.dim;
  }

  /** Raw graph call on normalized concepts [B,L,D] → next [B,L,D] (all positions). */
  async forward(normalized: Float32Array, batch: number, length: number): Promise<Float32Array> {
    const dims = [batch, length, this.dim];
    const out = await this.runner.run({ [this.inputName]: f32(normalized, dims) });
    return outputF32(out, this.outputName, dims);
  }

  /** The normalized prediction for the concept after the raw prefix. */
  async predictNextNormalized(prefix: readonly Float32Array[], opts: BasePredictOptions = {}): Promise<Float32Array> {
    if (prefix.length === 0) throw new Error('Base-LCM needs a non-empty prefix');
    checkAbort(opts.signal);
    const d = this.dim;
    if (prefix.length > this.maxLength) prefix = prefix.slice(prefix.length - this.maxLength);
    const xn = this.normalizer.normalize(stack(prefix, d));
    const next = await this.forward(xn, 1, prefix.length);
    const last = next.slice((prefix.length - 1) * d, prefix.length * d);
    const tau = opts.latentNoise ?? this.latentNoise;
    if (tau > 0) {
      if (!opts.rng) throw new Error('latent noise needs an rng');
      const rng: Rng = opts.rng;
      for (let i = 0; i < d; i++) last[i] += tau * rng.normal();
    }
    return last;
  }

  async predictNext(prefix: readonly Float32Array[], opts: BasePredictOptions = {}): Promise<Float32Array> {
    return this.normalizer.denormalize(await this.predictNextNormalized(prefix, opts));
  }
}
