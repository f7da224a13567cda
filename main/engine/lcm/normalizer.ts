/**
 * The LCM's robust embedding normalizer (research/lcm.md §2): normalize = (x − center) / scale,
 * denormalize = x · scale + center, per dimension. center = median, scale = IQR / 1.349, read from the pack's
 * `normalizer.json` ({center: number[], scale: number[]}). Every graph of an LCM pack works on normalized concepts.
 */
import { readFileSync } from 'node:fs';

export interface NormalizerJson {
  center: number[];
  scale: number[];
}

export class Normalizer {
  readonly center: Float32Array;
  readonly scale: Float32Array;

  constructor(center: ArrayLike<number>, scale: ArrayLike<number>) {
    if (center.length !== scale.length) throw new Error('normalizer: center and scale differ in length');
    this.center = Float32Array.from(center);
    this.scale = Float32Array.from(scale);
    for (let i = 0; i < this.scale.length; i++) {
      if (!(this.scale[i] > 0) || !Number.isFinite(this.scale[i])) throw new Error(`normalizer: bad scale at ${i}`);
    }
  }

  get dim(): number {
    return this.center.length;
  }

  static fromJson(json: NormalizerJson): Normalizer {
    if (!json || !Array.isArray(json.center) || !Array.isArray(json.scale)) {
      throw new Error('normalizer.json needs `center` and `scale` arrays');
    }
    return new Normalizer(json.center, json.scale);
  }

  static load(file: string): Normalizer {
    return Normalizer.fromJson(JSON.parse(readFileSync(file, 'utf8')) as NormalizerJson);
  }

  /** Normalize one or more concatenated D-vectors (length a multiple of D). */
  normalize(x: ArrayLike<number>, out = new Float32Array(x.length)): Float32Array {
    const d = this.dim;
    if (x.length % d !== 0) throw new Error(`normalize: length ${x.length} is not a multiple of ${d}`);
    for (let i = 0; i < x.length; i++) out[i] = (x[i] - this.center[i % d]) / this.scale[i % d];
    return out;
  }

  denormalize(x: ArrayLike<number>, out = new Float32Array(x.length)): Float32Array {
    const d = this.dim;
    if (x.length % d !== 0) throw new Error(`denormalize: length ${x.length} is not a multiple of ${d}`);
    for (let i = 0; i < x.length; i++) out[i] = x[i] * this.scale[i % d] + this.center[i % d];
    return out;
  }
}
