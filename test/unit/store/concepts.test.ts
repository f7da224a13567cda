/** The concept cache: bit-exact round trips, batch lookups, one dimension per space, all-or-nothing writes. */
import { afterAll, describe, expect, it } from 'vitest';
import { DimensionMismatchError, StoreError, blobToVector, conceptHash, openStore, vectorToBlob } from '../../../main/store/index.js';
import { cleanup, tempDb } from './helpers.js';

afterAll(cleanup);

function randomVector(dim: number, seed: number): Float32Array {
  // Arbitrary bit patterns, including subnormals, negative zero and extreme exponents (but no NaN/Infinity).
  const v = new Float32Array(dim);
  const u = new Uint32Array(v.buffer);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < dim; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    u[i] = x;
    if (!Number.isFinite(v[i]!)) u[i] = x & 0xbf7fffff; // clear the top exponent bit: finite
  }
  v[0] = -0;
  v[1] = 1.4e-45; // smallest subnormal
  v[2] = 3.4028234663852886e38; // max float32
  return v;
}

const bits = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');

describe('concept cache', () => {
  it('round-trips vectors bit-exact through the database file', () => {
    const path = tempDb();
    const sentences = Array.from({ length: 50 }, (_, i) => `Sentence number ${i}.`);
    const vectors = new Map(sentences.map((s, i) => [conceptHash(s), randomVector(1024, i + 1)]));
    const s1 = openStore(path);
    expect(s1.concepts.putMany('sonar-mini', 'eng_Latn', vectors)).toBe(50);
    s1.close();

    const s2 = openStore(path);
    try {
      const hashes = [...vectors.keys()];
      const got = s2.concepts.getMany('sonar-mini', 'eng_Latn', hashes);
      expect(got.size).toBe(50);
      for (const [h, v] of vectors) {
        const g = got.get(h)!;
        expect(g).toBeInstanceOf(Float32Array);
        expect(g.length).toBe(1024);
        expect(bits(g)).toBe(bits(v));
      }
      expect(Object.is(got.get(hashes[0]!)![0], -0)).toBe(true);
      expect(bits(s2.concepts.get('sonar-mini', 'eng_Latn', hashes[3]!)!)).toBe(bits(vectors.get(hashes[3]!)!));
      expect(s2.concepts.dimension('sonar-mini')).toBe(1024);
      expect(s2.concepts.count('sonar-mini')).toBe(50);
      expect(s2.concepts.spaces()).toEqual([expect.objectContaining({ space: 'sonar-mini', dim: 1024, count: 50 })]);
    } finally {
      s2.close();
    }
  });

  it('getMany returns only what is cached, keyed by space and language', () => {
    const store = openStore(tempDb());
    try {
      const a = conceptHash('Hello.');
      const b = conceptHash('World.');
      const missing = conceptHash('Not cached.');
      store.concepts.putMany('space-a', 'eng_Latn', [{ hash: a, vector: randomVector(8, 1) }, { hash: b, vector: randomVector(8, 2) }]);
      store.concepts.putMany('space-a', 'fra_Latn', [[a, randomVector(8, 3)]]);
      const got = store.concepts.getMany('space-a', 'eng_Latn', [a, missing, b, a]);
      expect([...got.keys()].sort()).toEqual([a, b].sort());
      expect(bits(store.concepts.getMany('space-a', 'fra_Latn', [a, b]).get(a)!)).toBe(bits(randomVector(8, 3)));
      expect(store.concepts.getMany('space-a', 'fra_Latn', [b]).size).toBe(0);
      expect(store.concepts.getMany('space-b', 'eng_Latn', [a]).size).toBe(0);
      expect(store.concepts.getMany('space-a', 'eng_Latn', []).size).toBe(0);
      // Large lookups go through one statement (no bound-parameter limit).
      const many = Array.from({ length: 40000 }, (_, i) => conceptHash(String(i)));
      expect(store.concepts.getMany('space-a', 'eng_Latn', [...many, a]).size).toBe(1);
      // Overwrite keeps one row per key.
      store.concepts.putMany('space-a', 'eng_Latn', [[a, randomVector(8, 9)]]);
      expect(bits(store.concepts.get('space-a', 'eng_Latn', a)!)).toBe(bits(randomVector(8, 9)));
      expect(store.concepts.count('space-a')).toBe(3);
    } finally {
      store.close();
    }
  });

  it('reads misaligned / pooled Buffers correctly', () => {
    const v = randomVector(16, 7);
    const pool = Buffer.alloc(1 + v.byteLength);
    vectorToBlob(v).copy(pool, 1);
    expect(bits(blobToVector(pool.subarray(1), 16))).toBe(bits(v));
  });

  it('refuses vectors of another dimension than the space holds, with a clear error, writing nothing', () => {
    const store = openStore(tempDb());
    try {
      const h = (s: string) => conceptHash(s);
      store.concepts.putMany('sonar', 'eng_Latn', [[h('a'), randomVector(16, 1)]]);
      let err: unknown;
      try {
        store.concepts.putMany('sonar', 'deu_Latn', [[h('b'), randomVector(32, 2)], [h('c'), randomVector(32, 3)]]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DimensionMismatchError);
      expect(err).toMatchObject({ code: 'CONCEPT_DIM_MISMATCH', space: 'sonar', expected: 16, actual: 32 });
      expect((err as Error).message).toMatch(/"sonar" holds 16-dimensional vectors, but 32-dimensional/);
      expect(store.concepts.count()).toBe(1);
      expect(() => store.concepts.assertDimension('sonar', 1024)).toThrow(DimensionMismatchError);
      expect(() => store.concepts.assertDimension('sonar', 16)).not.toThrow();
      expect(() => store.concepts.assertDimension('new-space', 1024)).not.toThrow();
      // Mixed dimensions within one batch are refused before anything is written.
      expect(() => store.concepts.putMany('other', 'eng_Latn', [[h('x'), randomVector(4, 1)], [h('y'), randomVector(5, 1)]]))
        .toThrow(DimensionMismatchError);
      expect(store.concepts.dimension('other')).toBeUndefined();
      // Clearing a space frees its dimension.
      expect(store.concepts.clearSpace('sonar')).toBe(1);
      store.concepts.putMany('sonar', 'eng_Latn', [[h('a'), randomVector(32, 1)]]);
      expect(store.concepts.dimension('sonar')).toBe(32);
    } finally {
      store.close();
    }
  });

  it('validates keys and values', () => {
    const store = openStore(tempDb());
    try {
      const bad = (entries: Parameters<typeof store.concepts.putMany>[2]) => () => store.concepts.putMany('s', 'eng_Latn', entries);
      expect(bad([['not-a-hash', new Float32Array(4)]])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(bad([[conceptHash('x'), new Float32Array(0)]])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(bad([[conceptHash('x'), Float32Array.of(1, NaN)]])).toThrow(/non-finite/);
      expect(bad([[conceptHash('x'), [1, 2] as unknown as Float32Array]])).toThrow(StoreError);
      expect(store.concepts.count()).toBe(0);
    } finally {
      store.close();
    }
  });
});
