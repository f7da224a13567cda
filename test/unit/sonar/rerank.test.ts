/** Concept reranking's choice (engine/sonar/rerank.ts) on hand-made embeddings: which candidate, which cosine, one encode. */
import { describe, expect, it } from 'vitest';
import { nearestCandidate, rerankByConcept } from '../../../main/engine/sonar/rerank.js';

const V: Record<string, number[]> = { a: [1, 0], b: [0, 1], c: [0.7, 0.7], d: [1, 0.01] };
const f32 = (x: number[]) => Float32Array.from(x);

function fakeEncoder() {
  const calls: { texts: string[]; langs: string[] }[] = [];
  const encode = async (texts: string[], langs: string[]) => {
    calls.push({ texts: [...texts], langs: [...langs] });
    return texts.map((t) => f32(V[t]));
  };
  return { calls, encode };
}

describe('concept reranking', () => {
  it('keeps the candidate nearest the concept whatever its beam rank, and reports its cosine', async () => {
    const { calls, encode } = fakeEncoder();
    const picks = await rerankByConcept(
      [f32([0, 1]), f32([1, 0]), f32([1, 1])],
      [['a', 'b'], ['d', 'a'], ['a', 'c']],
      ['eng_Latn', 'eng_Latn', 'fra_Latn'],
      encode,
    );
    expect(picks.map((p) => p.index)).toEqual([1, 1, 1]);
    expect(picks[0].cosine).toBeCloseTo(1, 6);
    expect(picks[2].cosine).toBeCloseTo(1, 6);
    // one encoder call; a text repeated in one language is encoded once, the same text in another language again
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual({ texts: ['a', 'b', 'd', 'a', 'c'], langs: ['eng_Latn', 'eng_Latn', 'eng_Latn', 'fra_Latn', 'fra_Latn'] });
  });

  it('ties keep the better beam rank; a single candidate is kept; empty candidates are never chosen or encoded', async () => {
    expect(nearestCandidate([1, 0], [[2, 0], [1, 0]]).index).toBe(0);
    const { calls, encode } = fakeEncoder();
    const picks = await rerankByConcept([f32([0, 1]), f32([0, 1]), f32([1, 0])], [['b'], ['', 'a'], ['', ' ']], ['x', 'x', 'x'], encode);
    expect(picks[0]).toEqual({ index: 0, cosine: expect.closeTo(1, 6) });
    expect(picks[1].index).toBe(1);
    expect(picks[2].index).toBe(0);
    expect(Number.isNaN(picks[2].cosine)).toBe(true);
    expect(calls[0].texts).toEqual(['b', 'a']);
  });

  it('calls no encoder when there is nothing to judge, and refuses mismatched lists', async () => {
    const { calls, encode } = fakeEncoder();
    expect(await rerankByConcept([f32([1, 0])], [['']], ['x'], encode)).toEqual([{ index: 0, cosine: Number.NaN }]);
    expect(calls).toHaveLength(0);
    await expect(rerankByConcept([f32([1, 0])], [], ['x'], encode)).rejects.toThrow(/1 concepts, 0 candidate lists/);
  });
});
