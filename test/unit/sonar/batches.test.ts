/** Encoder batch planning: length-sorted batches, at most DEFAULT_MAX_BATCH sentences and maxBatchTokens padded tokens. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BATCH, planBatches } from '../../../main/engine/sonar/encoder.js';

describe('planBatches', () => {
  const lengths = Array.from({ length: 50 }, (_, i) => 5 + ((i * 37) % 41));

  it('covers every sentence once, longest first, in batches of at most the default size', () => {
    const plan = planBatches(lengths);
    expect(DEFAULT_MAX_BATCH).toBe(8);
    expect(plan.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    expect(Math.max(...plan.map((b) => b.length))).toBe(DEFAULT_MAX_BATCH);
    const firsts = plan.map((b) => lengths[b[0]]);
    expect([...firsts].sort((a, b) => b - a)).toEqual(firsts);
  });

  it('small batches pad less than one batch of 64', () => {
    const padding = (plan: number[][]) => plan.reduce((s, b) => s + b.reduce((t, i) => t + Math.max(...b.map((j) => lengths[j])) - lengths[i], 0), 0);
    expect(padding(planBatches(lengths))).toBeLessThan(padding(planBatches(lengths, { maxBatchSize: 64 })));
  });

  it('respects the padded-token budget', () => {
    for (const b of planBatches(lengths, { maxBatchSize: 64, maxBatchTokens: 100 })) {
      expect(b.length === 1 || Math.max(...b.map((i) => lengths[i])) * b.length <= 100).toBe(true);
    }
  });
});
