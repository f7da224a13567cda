/** The one interface the generation loop needs from a concept model (Base-LCM, Two-Tower, or a test double). */
import type { Rng } from './rng.js';

export interface PredictOptions {
  signal?: AbortSignal;
  /** source of any randomness (diffusion noise, Base-LCM latent noise) */
  rng?: Rng;
}

export interface NextConceptModel {
  readonly dim: number;
  /** The raw (denormalized) concept that follows a raw prefix. */
  predictNext(prefix: readonly Float32Array[], opts?: PredictOptions): Promise<Float32Array>;
}
