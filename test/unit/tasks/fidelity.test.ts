/** Fidelity per output sentence (engine/tasks/fidelity.ts): levels, scoring by re-encoding, wiring into the tasks. */
import { describe, expect, it } from 'vitest';
import {
  afterDecode,
  DEFAULT_FIDELITY,
  DEFAULT_FIDELITY_GOOD,
  DEFAULT_FIDELITY_THRESHOLD,
  extractiveSummary,
  fidelityLevel,
  redecode,
  scoreFidelity,
  summarize,
  summarizeFidelity,
  translate,
  type TaskContext,
  type TaskResult,
} from '../../../main/engine/tasks/index.js';
import { cosine } from '../../../main/engine/tasks/vec.js';
import { FakeDecoder, FakeEncoder, FakeGenerator, hashVec } from './fakes.js';

const T = { threshold: 0.5, good: 0.8, source: 'pack' as const };

describe('fidelity levels', () => {
  it('high from `good`, medium from `threshold`, low (flagged) below; NaN is low', () => {
    expect(fidelityLevel(0.95, T)).toBe('high');
    expect(fidelityLevel(0.8, T)).toBe('high');
    expect(fidelityLevel(0.79, T)).toBe('medium');
    expect(fidelityLevel(0.5, T)).toBe('medium');
    expect(fidelityLevel(0.49, T)).toBe('low');
    expect(fidelityLevel(-1, T)).toBe('low');
    expect(fidelityLevel(Number.NaN, T)).toBe('low');
  });

  it('the defaults are named constants, threshold below good', () => {
    expect(DEFAULT_FIDELITY).toEqual({ threshold: DEFAULT_FIDELITY_THRESHOLD, good: DEFAULT_FIDELITY_GOOD, source: 'default' });
    expect(DEFAULT_FIDELITY_THRESHOLD).toBeLessThan(DEFAULT_FIDELITY_GOOD);
  });

  it('summarizes counts and the mean over decoded sentences only', () => {
    const s = summarizeFidelity([
      { fidelity: { score: 1, level: 'high', exact: true } },
      { fidelity: { score: 0.3, level: 'low' } },
      { fidelity: { score: 0.6, level: 'medium' } },
      {},
    ], T);
    expect(s).toEqual({ threshold: 0.5, good: 0.8, source: 'pack', scored: 3, flagged: 1, meanDecoded: 0.45 });
    expect(summarizeFidelity([{ fidelity: { score: 1, level: 'high', exact: true } }], T).meanDecoded).toBeNull();
  });
});

describe('scoreFidelity', () => {
  it('re-encodes the decoded sentences in one batch (each distinct text once) and scores them by cosine', async () => {
    const enc = new FakeEncoder();
    const concepts = [hashVec('a'), hashVec('b'), hashVec('c'), hashVec('d')];
    const sentences = [
      { index: 0, text: 'a', attribution: [] }, // decoded, and exactly its concept's text: cosine 1
      { index: 1, text: 'zzz', attribution: [] }, // decoded into something else
      { index: 2, text: 'zzz', attribution: [] }, // the same text again: encoded once
      { index: 3, text: 'Source sentence.', attribution: [], verbatim: true },
    ];
    const origins = [null, null, null, { text: 'Source sentence.', lang: 'eng_Latn', sentenceIdx: 0 }];
    const r = await scoreFidelity(enc, sentences, concepts, origins, 'eng_Latn', { thresholds: T });
    expect(enc.calls).toHaveLength(1);
    expect(enc.calls[0]).toEqual({ texts: ['a', 'zzz'], lang: 'eng_Latn' });
    expect(r.sentences[0].fidelity).toEqual({ score: 1, level: 'high' });
    const expected = Math.round(cosine(hashVec('zzz'), concepts[1]) * 1e4) / 1e4;
    expect(r.sentences[1].fidelity!.score).toBe(expected);
    expect(r.sentences[3].fidelity).toEqual({ score: 1, level: 'high', exact: true });
    expect(r.summary.scored).toBe(4);
    expect(r.summary.flagged).toBe(r.sentences.filter((s) => s.fidelity!.level === 'low').length);
  });

  it('an empty decoded sentence scores 0 and is flagged, without encoding', async () => {
    const enc = new FakeEncoder();
    const r = await scoreFidelity(enc, [{ index: 0, text: '  ', attribution: [] }], [hashVec('x')], [null], 'fra_Latn', { thresholds: T });
    expect(enc.calls).toHaveLength(0);
    expect(r.sentences[0].fidelity).toEqual({ score: 0, level: 'low' });
    expect(r.summary.flagged).toBe(1);
  });
});

const DOC = {
  sentences: ['The cat sat on the mat.', 'Dogs bark at night.', 'The cat likes the mat.', 'Rain fell all day.'],
  lang: 'eng_Latn',
};

function ctx(extra: Partial<TaskContext> = {}) {
  const enc = new FakeEncoder();
  const dec = new FakeDecoder(enc, DOC.sentences);
  return { enc, dec, ctx: { encoder: enc, decoder: dec, fidelity: T, ...extra } as TaskContext };
}

describe('fidelity in the tasks', () => {
  it('a same-language extractive summary is verbatim and exact; the fidelity pass encodes nothing', async () => {
    const { enc, ctx: c } = ctx();
    const r = await extractiveSummary(DOC, c, { targetLang: 'eng_Latn', length: { sentences: 2 } });
    expect(r.sentences.every((s) => s.verbatim && s.fidelity?.exact)).toBe(true);
    expect(r.fidelity).toMatchObject({ scored: 2, flagged: 0, meanDecoded: null, source: 'pack' });
    expect(enc.calls).toHaveLength(1); // the source only
  });

  it('a cross-language summary is decoded, then re-encoded in the target language and scored', async () => {
    const { enc, ctx: c } = ctx();
    const r = await summarize(DOC, c, { targetLang: 'fra_Latn', method: 'extractive', length: { sentences: 2 } });
    expect(r.sentences.every((s) => !s.verbatim && s.fidelity && !s.fidelity.exact)).toBe(true);
    expect(enc.calls.at(-1)!.lang).toBe('fra_Latn');
    expect(r.fidelity!.scored).toBe(r.sentences.length);
    expect(r.timings.fidelity).toBeGreaterThanOrEqual(0);
  });

  it('LCM output and translations are scored; without thresholds nothing is measured', async () => {
    const { ctx: c } = ctx({ generator: new FakeGenerator() });
    const r = await summarize(DOC, c, { targetLang: 'deu_Latn', method: 'lcm', length: { sentences: 2 } });
    expect(r.fidelity!.scored).toBe(2);
    const t = await translate(DOC, c, { targetLang: 'deu_Latn' });
    expect(t.sentences.every((s) => s.fidelity)).toBe(true);
    const { ctx: none } = ctx({ fidelity: null });
    const u = await translate(DOC, none, { targetLang: 'deu_Latn' });
    expect(u.fidelity).toBeUndefined();
    expect(u.sentences.some((s) => s.fidelity)).toBe(false);
  });

  it('redecode scores the new language when asked to', async () => {
    const { enc, dec, ctx: c } = ctx();
    const r = await extractiveSummary(DOC, c, { targetLang: 'eng_Latn', length: { sentences: 2 } });
    const again = await redecode(dec, r, 'spa_Latn', { fidelity: { encoder: enc, thresholds: T } });
    expect(again.fidelity!.scored).toBe(again.sentences.length);
    expect(again.sentences.every((s) => s.fidelity && !s.fidelity.exact)).toBe(true);
  });

  it('a cross-language extractive summary never repeats a sentence', async () => {
    const enc = new FakeEncoder();
    // a decoder that writes one memorised sentence for every concept
    const dec = { decode: async (v: Float32Array[]) => v.map(() => 'All human beings are born free.') };
    const c: TaskContext = { encoder: enc, decoder: dec, fidelity: T };
    const r = await summarize(DOC, c, { targetLang: 'fra_Latn', method: 'extractive', length: { sentences: 3 } });
    expect(r.sentences.map((s) => s.text)).toEqual(['All human beings are born free.']);
    expect(r.sentences[0].index).toBe(0);
    expect(r.concepts).toHaveLength(1);
    expect(r.origins).toHaveLength(1);
    expect(r.dropped).toBe(2);
  });

  it('afterDecode leaves LCM output with repeats alone (they are scored, not dropped)', async () => {
    const base: TaskResult = {
      task: 'summarize', method: 'lcm', targetLang: 'eng_Latn', concepts: [hashVec('a'), hashVec('b')], origins: [null, null],
      sentences: [{ index: 0, text: 'x', attribution: [] }, { index: 1, text: 'x', attribution: [] }],
      sourceConcepts: [], cache: { hits: 0, misses: 0 }, timings: {}, packs: {},
    };
    const r = await afterDecode(base, new FakeEncoder(), T);
    expect(r.sentences).toHaveLength(2);
    expect(r.dropped).toBeUndefined();
  });
});
