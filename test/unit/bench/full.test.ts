import { describe, expect, it } from 'vitest';
import { drift, summarize, type ProbeAnswer } from '../../../bench/lib/full.js';

function probe(over: Partial<ProbeAnswer> = {}, speed = 1): ProbeAnswer {
  return {
    weightBytes: 1000, loadSeconds: 2 / speed, rssLoadedBytes: 1100, peakRssLoadedBytes: 1150, peakRssBytes: 1200,
    encoder: { sentences: 32, sentencesPerS: 10 * speed },
    decoder: { sentences: 2, maxTokens: 16, greedyBatched: { tokensPerS: 40 * speed }, greedyOneAtATime: { tokensPerS: 10 * speed },
      beamBatched: { tokensPerS: 18 * speed }, beamOneAtATime: { tokensPerS: 6 * speed } },
    embeddings: [[1, 0], [0, 1]], greedyTokens: [[5, 6], [7]], beamTokens: [[5, 6], [7, 8]],
    ...over,
  };
}

describe('bench --full variant summaries', () => {
  it('measures drift from fp32 on the same inputs', () => {
    const ref = probe();
    const v = probe({ embeddings: [[1, 0], [1, 1]], greedyTokens: [[5, 6], [9]], beamTokens: [[5, 6], [7, 8]] });
    const d = drift(ref, v);
    expect(d.cosineMin).toBeCloseTo(Math.SQRT1_2, 6);
    expect(d.cosineMean).toBeCloseTo((1 + Math.SQRT1_2) / 2, 6);
    expect(d.greedyIdentical).toBe(0.5);
    expect(d.beamIdentical).toBe(1);
  });

  it('a sequence that is a prefix of fp32\'s is not identical', () => {
    expect(drift(probe(), probe({ greedyTokens: [[5], [7]] })).greedyIdentical).toBe(0.5);
  });

  it('takes medians over rounds and keeps every round for the spread', () => {
    const conv = { seconds: 3, peakRssBytes: 5, bytesWritten: 1000 };
    const s = summarize('int8', conv, [probe({}, 1), probe({}, 3), probe({}, 2)], probe());
    expect(s.encoderSentencesPerS).toBe(20);
    expect(s.samples.encoderSentencesPerS).toEqual([10, 30, 20]);
    expect(s.rssOverWeights).toBeCloseTo(1.1, 9);
    expect(s.beamBatchedTokensPerS / s.beamOneTokensPerS).toBeCloseTo(3, 9);
    expect(s.drift?.greedyIdentical).toBe(1);
    expect(summarize('fp32', conv, [probe()], probe()).drift).toBeUndefined();
  });
});
