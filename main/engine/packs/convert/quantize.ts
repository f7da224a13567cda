/**
 * Per-output-channel symmetric int8 weights for the dynamic-int8 variant (MatMulInteger). Bit-for-bit the reference
 * `quantize_per_channel` of tools/concept_tools/sonar_templates.py: scale = float32(max|w| / 127) per output channel
 * (1 for an all-zero channel), q = round-half-even(w / scale) in float64, clipped to ±127, stored [in, out].
 */

function roundHalfEven(x: number): number {
  const r = Math.round(x); // half up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** w: a Linear weight [out, in] row-major → q [in, out] (int8) and scale [out]. */
export function quantizePerChannel(w: Float32Array, out: number, inp: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(out);
  const q = new Int8Array(out * inp);
  for (let o = 0; o < out; o++) {
    let m = 0;
    const row = o * inp;
    for (let i = 0; i < inp; i++) m = Math.max(m, Math.abs(w[row + i]));
    const s = Math.fround(m / 127) || 1;
    scale[o] = s;
    for (let i = 0; i < inp; i++) {
      const v = roundHalfEven(w[row + i] / s);
      q[i * out + o] = v > 127 ? 127 : v < -127 ? -127 : v;
    }
  }
  return { q, scale };
}
