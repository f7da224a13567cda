import { describe, expect, it } from 'vitest';
import {
  continueText,
  expand,
  redecode,
  summarize,
  TaskError,
  translate,
  type TaskContext,
} from '../../../main/engine/tasks/index.js';
import { FakeCache, FakeDecoder, FakeEncoder, FakeGenerator } from './fakes.js';

const TABLE: [string, number[]][] = [
  ['The cat sat.', [1, 0, 0, 0]],
  ['It was warm.', [0, 1, 0, 0]],
  ['The dog barked.', [0, 0, 1, 0]],
  ['Night fell.', [0, 0, 0, 1]],
  ['Summarize:', [0.5, 0.5, 0.5, -0.5]],
  ['Expand:', [-0.5, 0.5, 0.5, 0.5]],
  ['End of text.', [-1, -1, 1, 1]],
  ['A cat and a dog.', [0.7, 0, 0.7, 0]],
  ['Edited by hand.', [0.1, 0.9, 0.1, 0.3]],
];
const DOC = { sentences: ['The cat sat.', 'It was warm.', 'The dog barked.', 'Night fell.'], lang: 'eng_Latn' };

function setup(withGenerator = true, script: number[][] = [[0.7, 0, 0.7, 0], [0, 1, 0, 0.05]]) {
  const encoder = new FakeEncoder(new Map(TABLE));
  const decoder = new FakeDecoder(encoder);
  const cache = new FakeCache();
  const generator = withGenerator ? new FakeGenerator(script.map((s) => Float32Array.from(s))) : null;
  const ctx: TaskContext = { encoder, decoder, cache, generator };
  return { encoder, decoder, cache, generator, ctx };
}

describe('summarize with the LCM', () => {
  it('auto uses the generator: prompt, marker and end-of-text concepts, budget; output decoded with attribution', async () => {
    const { ctx, generator, decoder } = setup();
    const progress: string[] = [];
    ctx.onProgress = (p) => progress.push(p.stage);
    const r = await summarize(DOC, ctx, { targetLang: 'fra_Latn', length: { sentences: 2 }, seed: 7 });
    expect(r.method).toBe('lcm');
    expect(r.packs).toEqual({ lcm: 'fake-lcm@1' });
    const req = generator!.requests[0];
    expect(req.prompt.map((v) => [...v])).toEqual(TABLE.slice(0, 4).map((t) => t[1]));
    expect([...req.marker!]).toEqual([0.5, 0.5, 0.5, -0.5]);
    expect([...req.endOfText]).toEqual([-1, -1, 1, 1]);
    expect(req.budget).toEqual({ concepts: 2 });
    expect(req.seed).toBe(7);
    expect(r.sentences.map((s) => s.text)).toEqual(['fra_Latn:A cat and a dog.', 'fra_Latn:It was warm.']);
    expect(decoder.calls).toHaveLength(1);
    expect(r.sentences[0].attribution.map((a) => a.sentenceIdx)).toEqual([0, 2]);
    expect(r.sentences[0].attribution[0].score).toBeCloseTo(Math.SQRT1_2, 5);
    expect(r.sentences.every((s) => !s.verbatim && !s.pinned)).toBe(true);
    expect(r.concepts).toHaveLength(2);
    expect(progress).toContain('encode');
    expect(progress).toContain('generate');
    expect(progress).toContain('decode');
    expect(Object.keys(r.timings).sort()).toEqual(['decode', 'encode', 'generate']);
  });

  it('a ratio budget passes the source words and concepts', async () => {
    const { ctx, generator } = setup();
    await summarize(DOC, ctx, { targetLang: 'eng_Latn', method: 'lcm', length: { ratio: 0.2 } });
    const b = generator!.requests[0].budget!;
    expect(b.ratio).toBe(0.2);
    expect(b.sourceWords).toEqual([3, 3, 3, 2]);
    expect(b.sourceConcepts).toHaveLength(4);
  });

  it('method lcm without a generator is a clear error; extractive can be asked for with one', async () => {
    const { ctx } = setup(false);
    await expect(summarize(DOC, ctx, { targetLang: 'eng_Latn', method: 'lcm' })).rejects.toMatchObject({
      code: 'PACK_MISSING',
      message: expect.stringMatching(/extractive/),
    });
    const g = setup();
    const r = await summarize(DOC, g.ctx, { targetLang: 'eng_Latn', method: 'extractive' });
    expect(r.method).toBe('extractive');
    expect(g.generator!.requests).toHaveLength(0);
  });

  it('refuses an LCM of another concept space', async () => {
    const { ctx } = setup();
    ctx.generator = new FakeGenerator([], { space: 'sonar-1024' });
    await expect(summarize(DOC, ctx, { targetLang: 'eng_Latn' })).rejects.toMatchObject({ code: 'PACK_SPACE_MISMATCH' });
  });
});

describe('expand and continue', () => {
  it('expand uses the Expand marker; without an LCM it fails with PACK_MISSING', async () => {
    const { ctx, generator } = setup(true, [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
    const r = await expand({ sentences: ['A cat and a dog.'], lang: 'eng_Latn' }, ctx, { targetLang: 'eng_Latn' });
    expect([...generator!.requests[0].marker!]).toEqual([-0.5, 0.5, 0.5, 0.5]);
    expect(r.task).toBe('expand');
    expect(r.sentences.map((s) => s.text)).toEqual(['eng_Latn:The cat sat.', 'eng_Latn:The dog barked.', 'eng_Latn:Night fell.']);
    const none = setup(false);
    const e = await expand({ sentences: ['A cat and a dog.'], lang: 'eng_Latn' }, none.ctx, { targetLang: 'eng_Latn' }).catch((x) => x);
    expect(e).toBeInstanceOf(TaskError);
    expect(e.code).toBe('PACK_MISSING');
    expect(e.message).toMatch(/needs an LCM pack/);
  });

  it('continue runs the LCM with no marker', async () => {
    const { ctx, generator } = setup(true, [[0, 0, 0, 1]]);
    const r = await continueText(DOC, ctx, { targetLang: 'deu_Latn' });
    expect(generator!.requests[0].marker).toBeNull();
    expect(r.task).toBe('continue');
    expect(r.sentences.map((s) => s.text)).toEqual(['deu_Latn:Night fell.']);
  });
});

describe('translate', () => {
  it('into the source language returns the source unchanged, without the decoder', async () => {
    const { ctx, decoder } = setup();
    const r = await translate(DOC, ctx, { targetLang: 'eng_Latn' });
    expect(r.sentences.map((s) => s.text)).toEqual(DOC.sentences);
    expect(r.sentences.every((s) => s.verbatim)).toBe(true);
    expect(decoder.calls).toHaveLength(0);
  });

  it('decodes every sentence from its own concept into another language', async () => {
    const { ctx, decoder } = setup();
    const r = await translate(DOC, ctx, { targetLang: 'zho_Hans' });
    expect(r.sentences.map((s) => s.text)).toEqual(DOC.sentences.map((s) => `zho_Hans:${s}`));
    expect(decoder.calls).toHaveLength(1);
    expect(decoder.calls[0].vectors).toHaveLength(4);
    r.sentences.forEach((s, i) => expect(s.attribution[0]).toEqual({ sentenceIdx: i, score: 1 }));
  });
});

describe('redecode', () => {
  it('writes the same output concepts in another language: only the decoder runs', async () => {
    const { ctx, encoder, generator, decoder } = setup();
    const fr = await summarize(DOC, ctx, { targetLang: 'fra_Latn', length: { sentences: 2 } });
    const enc = encoder.calls.length;
    const gen = generator!.requests.length;
    const de = await redecode(decoder, fr, 'deu_Latn', { beam: 3 });
    expect(encoder.calls.length).toBe(enc);
    expect(generator!.requests.length).toBe(gen);
    expect(decoder.calls.at(-1)).toMatchObject({ lang: 'deu_Latn', beam: 3 });
    expect(de.sentences.map((s) => s.text)).toEqual(['deu_Latn:A cat and a dog.', 'deu_Latn:It was warm.']);
    expect(de.sentences.map((s) => s.attribution)).toEqual(fr.sentences.map((s) => s.attribution));
    expect(de.concepts).toBe(fr.concepts);
    expect(de.cache).toEqual({ hits: 0, misses: 0 });
    expect(de.targetLang).toBe('deu_Latn');
  });

  it('an extractive result re-decoded into the source language is verbatim again', async () => {
    const { ctx, decoder } = setup(false);
    const fr = await summarize(DOC, ctx, { targetLang: 'fra_Latn', length: { sentences: 2 } });
    const n = decoder.calls.length;
    const en = await redecode(decoder, fr, 'eng_Latn');
    expect(decoder.calls.length).toBe(n);
    expect(en.sentences.every((s) => s.verbatim)).toBe(true);
    expect(en.sentences.map((s) => s.text)).toEqual(fr.selected!.map((i) => DOC.sentences[i]));
  });
});

describe('concept-level editing (pinned sentences)', () => {
  it('encodes the pinned texts, passes them to the generator, returns them verbatim, regenerates the rest', async () => {
    const { ctx, generator, encoder, decoder } = setup(true, [[0.7, 0, 0.7, 0], [0, 1, 0, 0.05], [0, 0, 0, 1]]);
    const r = await summarize(DOC, ctx, {
      targetLang: 'eng_Latn',
      length: { sentences: 3 },
      pinned: [{ index: 1, text: 'Edited by hand.' }],
    });
    const req = generator!.requests[0];
    expect(req.pinned).toHaveLength(1);
    expect(req.pinned![0].index).toBe(1);
    expect([...req.pinned![0].concept]).toEqual([...encoder.vector('Edited by hand.')]);
    expect(encoder.calls.some((c) => c.texts.includes('Edited by hand.') && c.lang === 'eng_Latn')).toBe(true);
    expect(r.sentences[1]).toMatchObject({ index: 1, text: 'Edited by hand.', pinned: true });
    expect(r.sentences[0].text).toBe('eng_Latn:A cat and a dog.');
    expect(r.sentences[2].text).toBe('eng_Latn:Night fell.');
    // only the generated concepts were decoded
    expect(decoder.calls[0].vectors).toHaveLength(2);
    // redecoding into another language decodes the pinned concept as well
    const fr = await redecode(decoder, r, 'fra_Latn');
    expect(fr.sentences[1]).toMatchObject({ text: 'fra_Latn:Edited by hand.', pinned: true });
  });

  it('pinned texts in another language than the target are encoded in theirs', async () => {
    const { ctx, encoder } = setup();
    await summarize(DOC, ctx, {
      targetLang: 'fra_Latn',
      pinnedLang: 'eng_Latn',
      pinned: [{ index: 0, text: 'Edited by hand.' }],
    });
    expect(encoder.calls.find((c) => c.texts.includes('Edited by hand.'))!.lang).toBe('eng_Latn');
  });

  it('rejects bad pinned input', async () => {
    const { ctx } = setup();
    await expect(
      summarize(DOC, ctx, { targetLang: 'eng_Latn', pinned: [{ index: 0, text: 'a' }, { index: 0, text: 'b' }] }),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(summarize(DOC, ctx, { targetLang: 'eng_Latn', pinned: [{ index: -1, text: 'a' }] })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    await expect(summarize(DOC, ctx, { targetLang: 'eng_Latn', pinned: [{ index: 0, text: '  ' }] })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    await expect(summarize({ sentences: [], lang: 'eng_Latn' }, ctx, { targetLang: 'eng_Latn' })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
  });

  it('translate keeps a pinned sentence in place of the decoded one', async () => {
    const { ctx } = setup();
    const r = await translate(DOC, ctx, { targetLang: 'fra_Latn', pinned: [{ index: 2, text: 'Le chien a aboyé.' }] });
    expect(r.sentences[2]).toMatchObject({ text: 'Le chien a aboyé.', pinned: true });
    expect(r.sentences[0].text).toBe('fra_Latn:The cat sat.');
  });
});

describe('cancellation', () => {
  const isCancelled = (e: unknown) => e instanceof TaskError && e.code === 'CANCELLED';

  it('an already aborted signal rejects before any work', async () => {
    const { ctx, encoder } = setup();
    const ac = new AbortController();
    ac.abort();
    ctx.signal = ac.signal;
    const e = await summarize(DOC, ctx, { targetLang: 'eng_Latn' }).catch((x) => x);
    expect(isCancelled(e)).toBe(true);
    expect(encoder.calls).toHaveLength(0);
  });

  it('aborting during encoding, generation or decoding rejects with CANCELLED', async () => {
    {
      const { ctx, encoder, generator } = setup();
      const ac = new AbortController();
      ctx.signal = ac.signal;
      encoder.abortAt = { controller: ac, after: 2 };
      const e = await summarize(DOC, ctx, { targetLang: 'eng_Latn' }).catch((x) => x);
      expect(isCancelled(e)).toBe(true);
      expect(generator!.requests).toHaveLength(0);
    }
    {
      const { ctx, generator, decoder } = setup();
      const ac = new AbortController();
      ctx.signal = ac.signal;
      generator!.abortAfter = { controller: ac, n: 1 };
      const e = await summarize(DOC, ctx, { targetLang: 'fra_Latn' }).catch((x) => x);
      expect(isCancelled(e)).toBe(true);
      expect(generator!.requests[0].signal).toBe(ac.signal);
      expect(decoder.calls).toHaveLength(0);
    }
    {
      const { ctx, decoder } = setup(false);
      const ac = new AbortController();
      ctx.signal = ac.signal;
      decoder.abortOnCall = ac;
      const e = await translate(DOC, ctx, { targetLang: 'fra_Latn' }).catch((x) => x);
      expect(isCancelled(e)).toBe(true);
      expect(e.message).toMatch(/cancelled/);
    }
  });

  it('redecode can be cancelled', async () => {
    const { ctx, decoder } = setup();
    const r = await summarize(DOC, ctx, { targetLang: 'fra_Latn' });
    const ac = new AbortController();
    decoder.abortOnCall = ac;
    const e = await redecode(decoder, r, 'deu_Latn', { signal: ac.signal }).catch((x) => x);
    expect(isCancelled(e)).toBe(true);
  });
});
