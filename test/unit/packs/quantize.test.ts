import { describe, expect, it } from 'vitest';
import { quantizeRowsInto } from '../../../main/engine/packs/convert/quantize.js';

/** A Linear weight [out, in] row-major. */
function weight(out: number, inp: number, seed: number): Float32Array {
  const w = new Float32Array(out * inp);
  let x = seed;
  for (let i = 0; i < w.length; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    w[i] = (x / 2 ** 31 - 0.5) * (1 + (i % 7));
  }
  return w;
}

describe('int8 per-channel quantization', () => {
  it('scale = max|w| / 127 per output channel, values rounded half to even, stored [in, out]', () => {
    // channel 0: max 127 → scale 1, so q = round-half-even(w): 2.5 → 2, -1.5 → -2, 0.5 → 0
    // channel 1: all zero → scale 1, q 0; channel 2: max 254 → scale 2, 3 → 1.5 → 2, -5 → -2.5 → -2
    const w = Float32Array.from([127, 2.5, -1.5, 0.5, 0, 0, 0, 0, 254, 3, -5, 1]);
    const q = new Int8Array(12);
    const scale = new Float32Array(3);
    quantizeRowsInto(w, 0, 3, 4, q, scale);
    expect([...scale]).toEqual([1, 1, 2]);
    // q[i * out + o]
    expect([...q]).toEqual([127, 0, 127, 2, 0, 2, -2, 0, -2, 0, 0, 0]);
  });

  it('a table quantized in chunks of rows equals the whole table quantized at once', () => {
    const [out, inp] = [37, 16];
    const w = weight(out, inp, 7);
    const whole = { q: new Int8Array(out * inp), scale: new Float32Array(out) };
    quantizeRowsInto(w, 0, out, inp, whole.q, whole.scale);
    const chunked = { q: new Int8Array(out * inp), scale: new Float32Array(out) };
    for (let r = 0; r < out; r += 5) {
      const n = Math.min(5, out - r);
      quantizeRowsInto(w.subarray(r * inp, (r + n) * inp), r, n, inp, chunked.q, chunked.scale);
    }
    expect(chunked.scale).toEqual(whole.scale);
    expect(chunked.q).toEqual(whole.q);
    expect(whole.q.some((v) => v === 127 || v === -127)).toBe(true); // each channel's largest |w| maps to ±127
  });
});
