/** Test doubles: graph runners computed in JS, and a scripted next-concept model. */
import type { NextConceptModel, PredictOptions, Runner, TensorLike } from '../../../main/engine/lcm/index.js';
import type { PlainTensor } from '../../../main/engine/lcm/runner.js';

export const D = 4;

/** A deterministic fake denoiser: x0[b,i] = tanh(0.5·z + 0.01·t + w_i·(Σ mask·ctx)/L) — conditional and
 * unconditional halves differ, and the output depends on z and t. */
export function fakeDenoiser(d = D): Runner & { calls: number; batches: number[] } {
  const r = {
    calls: 0,
    batches: [] as number[],
    async run(feeds: Record<string, PlainTensor>): Promise<Record<string, TensorLike>> {
      r.calls++;
      const x = feeds.x_t.data as Float32Array;
      const t = feeds.t.data as BigInt64Array;
      const ctx = feeds.context.data as Float32Array;
      const mask = feeds.context_mask.data as Float32Array;
      const [b, l, h] = feeds.context.dims;
      r.batches.push(b);
      const out = new Float32Array(b * d);
      for (let k = 0; k < b; k++) {
        let c = 0;
        for (let j = 0; j < l; j++) for (let q = 0; q < h; q++) c += mask[k * l + j] * ctx[(k * l + j) * h + q];
        c /= l;
        for (let i = 0; i < d; i++) {
          out[k * d + i] = Math.tanh(0.5 * x[k * d + i] + 0.01 * Number(t[k]) + (i - 1.5) * c);
        }
      }
      return { x0: { data: out, dims: [b, 1, d] } };
    },
  };
  return r;
}

/** A fake contextualizer: context[l] = cumulative mean of the normalized concepts (H = D). */
export function fakeContextualizer(d = D): Runner {
  return {
    async run(feeds) {
      const x = feeds.concepts.data as Float32Array;
      const [b, l] = feeds.concepts.dims;
      const out = new Float32Array(b * l * d);
      for (let k = 0; k < b; k++) {
        const acc = new Float64Array(d);
        for (let j = 0; j < l; j++) {
          for (let i = 0; i < d; i++) {
            acc[i] += x[(k * l + j) * d + i];
            out[(k * l + j) * d + i] = acc[i] / (j + 1);
          }
        }
      }
      return { context: { data: out, dims: [b, l, d] } };
    },
  };
}

export function vec(...v: number[]): Float32Array {
  return Float32Array.from(v);
}

/** Returns the scripted predictions in order; records each prefix it was given. */
export class ScriptedModel implements NextConceptModel {
  readonly dim = D;
  readonly prefixes: Float32Array[][] = [];
  constructor(private readonly script: Float32Array[] | ((prefix: readonly Float32Array[]) => Float32Array)) {}
  async predictNext(prefix: readonly Float32Array[], opts?: PredictOptions): Promise<Float32Array> {
    opts?.signal?.throwIfAborted();
    this.prefixes.push([...prefix]);
    if (typeof this.script === 'function') return this.script(prefix);
    const n = this.prefixes.length - 1;
    if (n >= this.script.length) throw new Error(`script exhausted at call ${n}`);
    return this.script[n];
  }
}
