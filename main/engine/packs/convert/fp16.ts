/**
 * float32 → float16 for the fp16 variant, bit for bit numpy's `astype(np.float16)` (the reference of
 * tools/concept_tools/sonar_fp16.py; numpy's npy_floatbits_to_halfbits): round to nearest, ties to even, including
 * the float16 subnormals; overflow to ±inf; NaN keeps its sign and the top 10 payload bits, and a payload that would
 * vanish becomes 0x7c01 so it stays a NaN. Node 20 has no Float16Array, hence the bit arithmetic.
 * Tested against numpy's own output (test/unit/packs/fp16.test.ts, fixture written by tools/tests/fp16_fixture.py).
 */

/** One float32, given as its bits, → float16 bits. */
export function halfBits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exp = f & 0x7f800000;
  if (exp >= 0x47800000) {
    if (exp === 0x7f800000) {
      const sig = f & 0x007fffff;
      if (sig === 0) return sign | 0x7c00; // ±inf
      const h = 0x7c00 + (sig >>> 13);
      return sign | (h === 0x7c00 ? 0x7c01 : h); // NaN stays NaN
    }
    return sign | 0x7c00; // too large: ±inf
  }
  if (exp <= 0x38000000) {
    // below float16's normal range: a subnormal half or ±0
    if (exp < 0x33000000) return sign;
    const e = exp >>> 23;
    let sig = (0x00800000 + (f & 0x007fffff)) >>> (113 - e);
    // ties to even: no round-up when the kept part is even and what is dropped (including the bits the extra
    // subnormal shift lost) is exactly one half
    if ((sig & 0x3fff) !== 0x1000 || (f & 0x7ff) !== 0) sig += 0x1000;
    return sign | (sig >>> 13); // a carry into the exponent gives the smallest normal, which is right
  }
  let sig = f & 0x007fffff;
  if ((sig & 0x3fff) !== 0x1000) sig += 0x1000;
  // a carry from the significand increments the exponent (up to inf), which is the correctly rounded result
  return sign | (((exp - 0x38000000) >>> 13) + (sig >>> 13));
}

/** float32 values → float16 bits (little-endian when viewed as bytes on a little-endian machine). */
export function toHalf(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfBits(bits[i]);
  return out;
}

/** float16 bits → the float32 value (for tests and drift checks). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}
