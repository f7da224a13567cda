import { describe, expect, it } from 'vitest';
import { quantizeBlocksRowsInto, quantizeRowsInto } from '../../../main/engine/packs/convert/quantize.js';

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

describe('int8 block quantization (MatMulNBits, 8 bits)', () => {
  it('a scale per block of inputs, values rounded half to even and stored + 128 in the weight\'s own row order', () => {
    // row 0: block 0 max 127 → scale 1; block 1 max 254 → scale 2 (3 → 1.5 → 2, -5 → -2.5 → -2); row 1: block 0 all
    // zero → scale 1, q 128
    const w = Float32Array.from([127, 2.5, -1.5, 0.5, 254, 3, -5, 0, 0, 0, 0, 0, 1, -1, 0.5, 0]);
    const q = new Uint8Array(16);
    const scale = new Float32Array(4);
    quantizeBlocksRowsInto(w, 0, 2, 8, 4, q, scale);
    expect([...scale]).toEqual([1, 2, 1, Math.fround(1 / 127)]);
    expect([...q]).toEqual([255, 130, 126, 128, 255, 130, 126, 128, 128, 128, 128, 128, 255, 1, 192, 128]);
  });

  it('rows quantized in chunks equal the whole weight at once, and an input size off the block is refused', () => {
    const [out, inp, block] = [23, 64, 32];
    const w = weight(out, inp, 11);
    const whole = { q: new Uint8Array(out * inp), scale: new Float32Array(out * 2) };
    quantizeBlocksRowsInto(w, 0, out, inp, block, whole.q, whole.scale);
    const chunked = { q: new Uint8Array(out * inp), scale: new Float32Array(out * 2) };
    for (let r = 0; r < out; r += 4) {
      const n = Math.min(4, out - r);
      quantizeBlocksRowsInto(w.subarray(r * inp, (r + n) * inp), r, n, inp, block, chunked.q, chunked.scale);
    }
    expect(chunked.scale).toEqual(whole.scale);
    expect(chunked.q).toEqual(whole.q);
    expect(whole.q.some((v) => v === 255 || v === 1)).toBe(true); // each block's largest |w| maps to ±127
    expect(() => quantizeBlocksRowsInto(w, 0, 1, 48, 32, new Uint8Array(48), new Float32Array(2))).toThrow(/multiple of 32/);
  });
});
