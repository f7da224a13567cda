/**
 * Per-output-channel symmetric int8 weights for the dynamic-int8 variant (MatMulInteger). Bit-for-bit the reference
 * `quantize_per_channel` of tools/concept_tools/sonar_templates.py: scale = float32(max|w| / 127) per output channel
 * (1 for an all-zero channel), q = round-half-even(w / scale) in float64, clipped to ±127, stored [in, out].
 */

function roundHalfEven(x: number): number {
  const r = Math.round(x); // half up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Output channels first…first+rows−1 of a Linear weight [out, in], read from `w` (those rows only, [rows, in]
 * row-major) and written into the whole weight's `q` [in, out] and `scale` [out]: a 1 GB vocabulary table is then
 * read in chunks of rows, and only its int8 quarter is ever held whole.
 */
export function quantizeRowsInto(w: Float32Array, first: number, rows: number, inp: number, q: Int8Array, scale: Float32Array): void {
  const out = scale.length;
  for (let r = 0; r < rows; r++) {
    const o = first + r;
    let m = 0;
    const row = r * inp;
    for (let i = 0; i < inp; i++) m = Math.max(m, Math.abs(w[row + i]));
    const s = Math.fround(m / 127) || 1;
    scale[o] = s;
    for (let i = 0; i < inp; i++) {
      const v = roundHalfEven(w[row + i] / s);
      q[i * out + o] = v > 127 ? 127 : v < -127 ? -127 : v;
    }
  }
}

/**
 * Rows first…first+rows−1 of a Linear weight [out, in] (`w` holds those rows only) as MatMulNBits' 8-bit B: a
 * symmetric int8 scale per block of `block` inputs, values stored + 128 (the operator's default zero point) in
 * `q` [out, in / block, block] — the checkpoint's own row order — and `scale` [out × in / block]. Bit-for-bit the
 * reference `quantize_blocks` of tools/concept_tools/sonar_templates.py.
 */
export function quantizeBlocksRowsInto(w: Float32Array, first: number, rows: number, inp: number, block: number,
  q: Uint8Array, scale: Float32Array): void {
  if (inp % block !== 0) throw new Error(`int8 blocks: input size ${inp} is not a multiple of ${block}`);
  const perRow = inp / block;
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < perRow; b++) {
      const at = r * inp + b * block;
      let m = 0;
      for (let i = 0; i < block; i++) m = Math.max(m, Math.abs(w[at + i]));
      const s = Math.fround(m / 127) || 1;
      const k = (first + r) * perRow + b;
      scale[k] = s;
      for (let i = 0; i < block; i++) {
        const v = roundHalfEven(w[at + i] / s);
        q[k * block + i] = (v > 127 ? 127 : v < -127 ? -127 : v) + 128;
      }
    }
  }
}
