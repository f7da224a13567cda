import { describe, expect, it } from 'vitest';
import {
  centralityScores,
  extractiveCount,
  LONG_DOCUMENT,
  PROFILES,
  resolveProfile,
  selectSentences,
  summarize,
  TaskError,
} from '../../../main/engine/tasks/index.js';
import { rankLexical } from '../../../main/engine/tasks/rank.js';
import { FakeCache, FakeDecoder, FakeEncoder } from './fakes.js';

// cluster A (main topic, 4 sentences), cluster B (2), one outlier — interleaved so that pick order ≠ source order
const S = 0.8660254;
const DOC: [string, number[]][] = [
  ['Outlier sentence.', [0, 0, 0, 1]], // 0
  ['B first.', [0.5, S, 0, 0]], // 1
  ['A first.', [1, 0.02, 0, 0]], // 2
  ['A second.', [1, 0, 0.02, 0]], // 3
  ['B second.', [0.5, S, 0.02, 0]], // 4
  ['A third.', [1, 0.04, 0.0, 0.01]], // 5
  ['A fourth.', [1, 0.01, 0.01, 0.01]], // 6
];
const texts = DOC.map((d) => d[0]);
const vectors = DOC.map((d) => Float32Array.from(d[1]));
const isA = (i: number) => texts[i].startsWith('A');
const isB = (i: number) => texts[i].startsWith('B');

function setup() {
  const encoder = new FakeEncoder(new Map(DOC));
  const decoder = new FakeDecoder(encoder);
  const cache = new FakeCache();
  return { encoder, decoder, cache };
}

describe('extractive selection (MMR in concept space)', () => {
  it('ranks the main topic as most central, the outlier least', () => {
    for (const mode of ['centroid', 'degree'] as const) {
      const c = centralityScores(vectors, mode);
      const order = c.map((x, i) => [x, i] as const).sort((a, b) => b[0] - a[0]).map((x) => x[1]);
      expect(isA(order[0])).toBe(true);
      expect(order[order.length - 1]).toBe(0);
    }
  });

  it('picks diverse central sentences: one of A and one of B, not two of A', () => {
    const two = selectSentences(vectors, 2);
    expect(two.filter(isA)).toHaveLength(1);
    expect(two.filter(isB)).toHaveLength(1);
    // without the redundancy penalty the two most central (both A) win
    const pure = selectSentences(vectors, 2, { lambda: 1 });
    expect(pure.every(isA)).toBe(true);
  });

  it('returns indices in source order and is deterministic', () => {
    const three = selectSentences(vectors, 3);
    expect([...three].sort((a, b) => a - b)).toEqual(three);
    expect(selectSentences(vectors, 3)).toEqual(three);
    expect(three).not.toContain(0);
  });

  it('honours preselected concepts and exclusions', () => {
    // with an A concept already in the output, the first pick is a B sentence
    const one = selectSentences(vectors, 1, { preselected: [vectors[2]] });
    expect(isB(one[0])).toBe(true);
    const ex = selectSentences(vectors, 6, { exclude: [2, 3] });
    expect(ex).toEqual([0, 1, 4, 5, 6]);
  });

  it('length by count or ratio, clamped', () => {
    expect(extractiveCount(7, { sentences: 3 })).toBe(3);
    expect(extractiveCount(7, { sentences: 50 })).toBe(7);
    expect(extractiveCount(8, { ratio: 0.25 })).toBe(2);
    expect(extractiveCount(8, { ratio: 0.01 })).toBe(1);
    expect(extractiveCount(8, undefined)).toBe(2);
    expect(extractiveCount(0, { sentences: 3 })).toBe(0);
    expect(() => extractiveCount(8, { ratio: -1 })).toThrow(TaskError);
    expect(() => extractiveCount(8, { sentences: 0 })).toThrow(/positive/);
    expect(() => selectSentences(vectors, 2, { lambda: 2 })).toThrow(/lambda/);
  });
});

/** the original selection: centrality of the concepts, no position prior (the app's profiles use words, rank.ts) */
const CONCEPTS = { vectors: 'concepts', centrality: 'centroid', positionWeight: 0, lambda: 0.7 } as const;

describe('summarize (extractive)', () => {
  it('returns the chosen sentences verbatim in the source language, in source order, without decoding', async () => {
    const { encoder, decoder, cache } = setup();
    const r = await summarize({ sentences: texts, lang: 'eng_Latn' }, { encoder, decoder, cache }, {
      targetLang: 'eng_Latn',
      method: 'extractive',
      length: { sentences: 3 },
      extractive: CONCEPTS,
    });
    expect(r.method).toBe('extractive');
    expect(r.sentences).toHaveLength(3);
    expect(decoder.calls).toHaveLength(0);
    expect(r.selected).toEqual(selectSentences(vectors, 3));
    r.sentences.forEach((s, i) => {
      expect(s.index).toBe(i);
      expect(s.verbatim).toBe(true);
      expect(s.text).toBe(texts[r.selected![i]]);
      // attribution: the sentence itself first, cosine 1
      expect(s.attribution[0]).toEqual({ sentenceIdx: r.selected![i], score: 1 });
    });
    expect(r.concepts.map((c) => [...c])).toEqual(r.selected!.map((i) => [...vectors[i]]));
    expect(r.cache).toEqual({ hits: 0, misses: 7 });
  });

  it('auto without a generator is extractive; ratio length', async () => {
    const { encoder, decoder } = setup();
    const r = await summarize({ sentences: texts, lang: 'eng_Latn' }, { encoder, decoder }, {
      targetLang: 'eng_Latn',
      length: { ratio: 0.3 },
    });
    expect(r.method).toBe('extractive');
    expect(r.sentences).toHaveLength(2);
  });

  it('decodes the chosen concepts in another language (not verbatim); the second language only hits the cache', async () => {
    const { encoder, decoder, cache } = setup();
    const doc = { sentences: texts, lang: 'eng_Latn' };
    const fr = await summarize(doc, { encoder, decoder, cache }, { targetLang: 'fra_Latn', length: { sentences: 2 } });
    expect(decoder.calls).toHaveLength(1);
    expect(decoder.calls[0].lang).toBe('fra_Latn');
    expect(fr.sentences.map((s) => s.text)).toEqual(fr.selected!.map((i) => `fra_Latn:${texts[i]}`));
    expect(fr.sentences.every((s) => !s.verbatim)).toBe(true);
    const de = await summarize(doc, { encoder, decoder, cache }, { targetLang: 'deu_Latn', length: { sentences: 2 } });
    expect(de.cache).toEqual({ hits: 7, misses: 0 });
    expect(encoder.calls).toHaveLength(1);
    expect(de.selected).toEqual(fr.selected);
  });

  it('pinned sentences keep their text and position; the rest avoids repeating them', async () => {
    const { encoder, decoder } = setup();
    const r = await summarize({ sentences: texts, lang: 'eng_Latn' }, { encoder, decoder }, {
      targetLang: 'eng_Latn',
      method: 'extractive',
      length: { sentences: 2 },
      pinned: [{ index: 0, text: 'A first.' }],
      extractive: CONCEPTS,
    });
    expect(r.sentences).toHaveLength(2);
    expect(r.sentences[0]).toMatchObject({ index: 0, text: 'A first.', pinned: true });
    expect(r.sentences[0].verbatim).toBeUndefined();
    expect(isB(r.selected![0])).toBe(true);
    expect(r.sentences[1]).toMatchObject({ text: texts[r.selected![0]], verbatim: true });
  });
});

describe('the measured profiles (docs/eval-extractive.md)', () => {
  // a news-like text whose lexical hub is sentence 3; its concepts (fakes) would pick by cluster instead
  const NEWS = [
    'Floods closed the main road on Monday.',
    'Officials said the river rose overnight.',
    'Schools stayed open.',
    'The river flooded the road and the fields, and officials said the road stays closed while the river is high.',
    'A bakery gave away bread.',
    'Rain is expected until Friday.',
  ];
  it('auto: the news profile below LONG_DOCUMENT sentences, the long one above; explicit options win', () => {
    expect(resolveProfile(10)).toMatchObject({ profile: 'news', ...PROFILES.news });
    expect(resolveProfile(LONG_DOCUMENT + 1)).toMatchObject({ profile: 'long', ...PROFILES.long });
    expect(resolveProfile(10, { profile: 'howto' })).toMatchObject(PROFILES.howto);
    expect(resolveProfile(10, { profile: 'howto', positionWeight: 0.2 }).positionWeight).toBe(0.2);
  });

  it('a summary uses the profile on the sentences\' words (no concepts needed to choose)', async () => {
    const encoder = new FakeEncoder(new Map(NEWS.map((t, i) => [t, [i === 0 ? 1 : 0, i === 4 ? 1 : 0, 1, 0]])));
    const ctx = { encoder, decoder: new FakeDecoder(encoder) };
    const run = (extractive?: object) => summarize({ sentences: NEWS, lang: 'eng_Latn' }, ctx, { targetLang: 'eng_Latn', method: 'extractive', length: { sentences: 2 }, ...(extractive ? { extractive } : {}) });
    const howto = await run({ profile: 'howto' });
    // centrality alone (how-to profile) takes the hub sentence
    expect(howto.selected).toContain(3);
    expect(howto.selected).toEqual(rankLexical(NEWS, 2, { features: 'words', centrality: 'degree', positionWeight: 0, lambda: PROFILES.howto.lambda }));
    // the news profile's strong position prior keeps the lead
    const news = await run();
    expect(news.selected).toEqual([0, 1]);
  });

  it('pinned text counts as redundancy with lexical vectors too', async () => {
    const encoder = new FakeEncoder(new Map(NEWS.map((t) => [t, [1, 0, 0, 0]])));
    const ctx = { encoder, decoder: new FakeDecoder(encoder) };
    const pinnedText = 'The river flooded the road and the fields, and officials said the road stays closed while the river is high.';
    const r = await summarize({ sentences: NEWS, lang: 'eng_Latn' }, ctx, {
      targetLang: 'eng_Latn', method: 'extractive', length: { sentences: 2 }, pinned: [{ index: 0, text: 'Short note.' }],
      extractive: { profile: 'howto' },
    });
    expect(r.selected).toContain(3);
    const again = await summarize({ sentences: NEWS, lang: 'eng_Latn' }, ctx, {
      targetLang: 'eng_Latn', method: 'extractive', length: { sentences: 2 }, pinned: [{ index: 0, text: pinnedText }],
      extractive: { profile: 'howto' },
    });
    expect(again.selected).not.toContain(3); // the same sentence verbatim is excluded, not picked twice
  });
});
