/** The variants report's meaning figures (bench/lib/roundtrip-meaning.ts): paired, reproducible, and able to fail. */
import { describe, expect, it } from 'vitest';
import { bootstrapMeanInterval, otherConceptBaseline, roundTripMeaning } from '../../../bench/lib/roundtrip-meaning.js';

const sources = ['The cat sleeps on the mat.', 'We went to the market on Monday.', 'She plays the violin every evening.',
  'Rain is expected tomorrow morning.', 'My brother repairs old bicycles.', 'The museum opens at nine.'];

describe('round-trip meaning of a variant against fp32', () => {
  it('is zero with no changed output when the variant writes what fp32 writes', () => {
    const r = roundTripMeaning(sources, sources, sources);
    expect(r.chrf).toBeCloseTo(100, 6);
    expect(r.delta).toEqual({ mean: 0, lo: 0, hi: 0 });
    expect(r.changed).toMatchObject({ count: 0, better: 0, worse: 0 });
  });

  it('finds a variant that loses the content worse, with an interval below zero, and counts its changed outputs', () => {
    const worse = sources.map((s) => s.split(' ').slice(0, 2).join(' '));
    const r = roundTripMeaning(sources, sources, worse);
    expect(r.delta.hi).toBeLessThan(0);
    expect(r.delta.lo).toBeLessThanOrEqual(r.delta.mean);
    expect(r.changed).toMatchObject({ count: sources.length, fp32: expect.closeTo(100, 6), worse: sources.length, better: 0 });
    expect(r.changed.variant).toBeLessThan(r.changed.fp32);
  });

  it('scores only the changed sentences on both sides, and a better variant gets a positive difference', () => {
    const fp32 = [...sources];
    fp32[1] = 'A dog barks.';
    const r = roundTripMeaning(sources, fp32, sources);
    expect(r.changed.count).toBe(1);
    expect(r.changed.variant).toBeCloseTo(100, 6);
    expect(r.changed.better).toBe(1);
    expect(r.delta.mean).toBeGreaterThan(0);
  });

  it('puts the other-concept baseline far below the round trip of the right concept', () => {
    expect(otherConceptBaseline(sources, sources)).toBeLessThan(40);
    expect(() => roundTripMeaning(sources, sources, sources.slice(1))).toThrow(/6 sources but 5 texts/);
  });
});

describe('bootstrapMeanInterval', () => {
  it('brackets the mean, repeats with its seed and narrows with more data', () => {
    const d = Array.from({ length: 40 }, (_, i) => ((i * 37) % 11) - 5);
    const m = d.reduce((s, x) => s + x, 0) / d.length;
    const a = bootstrapMeanInterval(d);
    expect(a.lo).toBeLessThan(m);
    expect(a.hi).toBeGreaterThan(m);
    expect(bootstrapMeanInterval(d)).toEqual(a);
    expect(bootstrapMeanInterval(d, 2000, 7)).not.toEqual(a);
    const wide = bootstrapMeanInterval(d.slice(0, 10));
    expect(wide.hi - wide.lo).toBeGreaterThan(a.hi - a.lo);
    expect(bootstrapMeanInterval([])).toEqual({ lo: Number.NaN, hi: Number.NaN });
  });
});
