/**
 * float32 → float16 of the fp16 SONAR variant (main/engine/packs/convert/fp16.ts) against numpy's astype(np.float16),
 * the Python reference: 42,120 values written by tools/tests/fp16_fixture.py (specials, NaN payloads, overflow, the
 * subnormal range, exact ties and their neighbours, random bit patterns, weight-like values), bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { halfBits, halfToFloat, toHalf } from '../../../main/engine/packs/convert/fp16.js';

const FIXTURE = join(resolve(import.meta.dirname, '..', '..', 'fixtures'), 'fp16', 'numpy-half.bin.gz');

function fixture(): { f32: Uint32Array; f16: Uint16Array } {
  const b = gunzipSync(readFileSync(FIXTURE));
  const n = b.readUInt32LE(0);
  const f32 = new Uint32Array(n), f16 = new Uint16Array(n);
  for (let i = 0; i < n; i++) f32[i] = b.readUInt32LE(4 + 4 * i);
  for (let i = 0; i < n; i++) f16[i] = b.readUInt16LE(4 + 4 * n + 2 * i);
  return { f32, f16 };
}

const bitsOf = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0];
const hex = (x: number) => `0x${x.toString(16)}`;

describe('float32 → float16 (numpy astype reference)', () => {
  it('equals numpy on every fixture value', () => {
    const { f32, f16 } = fixture();
    expect(f32.length).toBeGreaterThan(40_000);
    const wrong: string[] = [];
    for (let i = 0; i < f32.length; i++) {
      const h = halfBits(f32[i]);
      if (h !== f16[i]) wrong.push(`${hex(f32[i])} → ${hex(h)}, numpy ${hex(f16[i])}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('toHalf converts a Float32Array view the same way', () => {
    const { f32, f16 } = fixture();
    const src = new Float32Array(f32.length + 1).subarray(1); // a non-zero byte offset
    new Uint32Array(src.buffer, src.byteOffset, src.length).set(f32);
    expect(Buffer.from(toHalf(src).buffer).equals(Buffer.from(f16.buffer))).toBe(true);
  });

  it('every finite half survives the round trip through float32 exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) continue; // NaNs: payload-preserving, checked by the fixture
      const back = halfBits(bitsOf(halfToFloat(h)));
      if (back !== h) throw new Error(`${hex(h)} → ${hex(back)}`);
    }
  });

  it('rounds ties to even, underflows to signed zero and overflows to infinity', () => {
    expect(halfBits(bitsOf(1 + 2 ** -11))).toBe(0x3c00); // tie between 1 and 1+2^-10: even (1)
    expect(halfBits(bitsOf(1 + 3 * 2 ** -11))).toBe(0x3c02); // tie: even (1+2·2^-10)
    expect(halfBits(bitsOf(2 ** -25))).toBe(0); // half the smallest subnormal: tie to 0
    expect(halfBits(bitsOf(-(2 ** -25) * 1.5))).toBe(0x8001);
    expect(halfBits(bitsOf(65520))).toBe(0x7c00); // above max half + half an ulp: inf
    expect(halfBits(bitsOf(65519))).toBe(0x7bff);
    expect(halfBits(bitsOf(-Infinity))).toBe(0xfc00);
    expect(halfBits(0x7fc00000)).toBe(0x7e00);
  });
});
