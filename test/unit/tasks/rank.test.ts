import { describe, expect, it } from 'vitest';
import {
  centrality,
  denseSimilarity,
  lexicalVectors,
  mixPosition,
  mmrSelect,
  rankLexical,
  sentenceScores,
  sparseSimilarity,
} from '../../../main/engine/tasks/rank.js';

const at = (m: Float64Array, n: number, i: number, j: number) => m[i * n + j];

describe('sentence vectors', () => {
  it('TF-IDF word vectors: the same words give cosine 1, no shared word 0, shared rare words count more', () => {
    const s = ['The council approved the budget.', 'The council approved the budget!', 'Rain is expected tomorrow.', 'The budget was late.'];
    const m = sparseSimilarity(lexicalVectors(s, 'words'));
    expect(at(m, 4, 0, 1)).toBeCloseTo(1, 9);
    expect(at(m, 4, 0, 2)).toBe(0);
    expect(at(m, 4, 0, 3)).toBeGreaterThan(0);
    expect(at(m, 4, 0, 0)).toBe(0); // diagonal left at 0
  });
  it('character 3-grams see shared stems that words miss (Turkish suffixes)', () => {
    const s = ['Belediyeler kararı onayladı.', 'Belediyenin kararları açıklandı.'];
    expect(at(sparseSimilarity(lexicalVectors(s, 'words')), 2, 0, 1)).toBe(0);
    expect(at(sparseSimilarity(lexicalVectors(s, 'chars')), 2, 0, 1)).toBeGreaterThan(0.2);
  });
  it('scripts without spaces are segmented, so Chinese sentences have terms at all', () => {
    const m = sparseSimilarity(lexicalVectors(['政府今天宣布了新的预算。', '新的预算引起了争议。', '天气很好。'], 'words'));
    expect(at(m, 3, 0, 1)).toBeGreaterThan(at(m, 3, 0, 2));
  });
  it('dense cosine matrix', () => {
    const m = denseSimilarity([[1, 0], [0, 2], [3, 3]]);
    expect(at(m, 3, 0, 1)).toBe(0);
    expect(at(m, 3, 0, 2)).toBeCloseTo(Math.SQRT1_2, 12);
  });
});

describe('centrality', () => {
  // a hub (0) similar to every spoke, spokes unrelated to each other
  const n = 5;
  const hub = new Float64Array(n * n);
  for (let j = 1; j < n; j++) hub[j] = hub[j * n] = 0.5;
  it('degree and LexRank put the hub first', () => {
    for (const m of ['degree', 'lexrank'] as const) {
      const c = centrality(hub, n, m);
      expect(c.indexOf(Math.max(...c))).toBe(0);
    }
  });
  it("PacSum's directed centrality favours the sentence later ones elaborate on, not the one that sums up", () => {
    // 0 ~ 3 and 1 ~ 2 equally: edges forward count +1, backward −2
    const m = new Float64Array(16);
    const set = (i: number, j: number, v: number) => (m[i * 4 + j] = m[j * 4 + i] = v);
    set(0, 3, 0.9);
    set(1, 2, 0.2);
    const c = centrality(m, 4, 'pacsum');
    expect(c[0]).toBeGreaterThan(0);
    expect(c[3]).toBeLessThan(0);
  });
  it('position weight 1 is lead-k; 0 is centrality alone', () => {
    const c = [0.1, 0.2, 0.9, 0.8, 0.0];
    const sim = new Float64Array(25);
    expect(mmrSelect(mixPosition(c, 1), sim, 3)).toEqual([0, 1, 2]);
    expect(mmrSelect(mixPosition(c, 0), sim, 2)).toEqual([2, 3]);
    expect(() => sentenceScores(sim, 5, { positionWeight: 2 })).toThrow(/positionWeight/);
  });
});

describe('MMR', () => {
  it('a repeated sentence is not picked twice when redundancy counts', () => {
    const s = ['The dam broke after days of rain.', 'The dam broke after days of rain.', 'Villages downstream were evacuated.', 'Engineers had warned of cracks.'];
    const plain = rankLexical(s, 2, { centrality: 'degree', lambda: 1 });
    expect(plain).toEqual([0, 1]);
    const mmr = rankLexical(s, 2, { centrality: 'degree', lambda: 0.5 });
    expect(mmr).toContain(0);
    expect(mmr).not.toContain(1);
  });
  it('honours exclusions and redundancy with preselected sentences', () => {
    const sim = new Float64Array(9);
    sim[1] = sim[3] = 0.9; // 0 ~ 1
    expect(mmrSelect([1, 0.9, 0.1], sim, 1, { exclude: [0] })).toEqual([1]);
    expect(mmrSelect([1, 0.9, 0.5], sim, 1, { lambda: 0.5, extraRedundancy: [1, 1, 0] })).toEqual([2]);
  });
});
