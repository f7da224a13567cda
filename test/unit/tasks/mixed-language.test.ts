/**
 * Issue 11, defect 2: a mixed English-Russian document translated to eng_Latn came back with its Russian sentences
 * untranslated and marked verbatim, because the tasks used the document language instead of each sentence's own.
 */
import { describe, expect, it } from 'vitest';
import { summarize, translate, type TaskContext } from '../../../main/engine/tasks/index.js';
import { FakeCache, FakeDecoder, FakeEncoder } from './fakes.js';

const TABLE: [string, number[]][] = [
  ['The cat sat.', [1, 0, 0, 0]],
  ['Кошка сидела.', [0.9, 0.1, 0, 0]],
  ['It was warm.', [0, 1, 0, 0]],
  ['Было тепло.', [0, 0.9, 0.1, 0]],
];
const MIXED = {
  sentences: ['The cat sat.', 'Кошка сидела.', 'It was warm.', 'Было тепло.'],
  lang: 'eng_Latn',
  langs: ['eng_Latn', 'rus_Cyrl', 'eng_Latn', 'rus_Cyrl'],
};

function setup() {
  const encoder = new FakeEncoder(new Map(TABLE));
  const decoder = new FakeDecoder(encoder, ['A cat sat.', 'It was warm.']);
  const ctx: TaskContext = { encoder, decoder, cache: new FakeCache() };
  return { encoder, decoder, ctx };
}

describe('per-sentence language in every task', () => {
  it('translate to English decodes the Russian sentences and keeps the English ones verbatim', async () => {
    const { ctx, decoder, encoder } = setup();
    const r = await translate(MIXED, ctx, { targetLang: 'eng_Latn' });
    expect(r.sentences.map((s) => !!s.verbatim)).toEqual([true, false, true, false]);
    expect(r.sentences[0]!.text).toBe('The cat sat.');
    expect(r.sentences[1]!.text).toMatch(/^eng_Latn:/);
    expect(r.sentences[3]!.text).toMatch(/^eng_Latn:/);
    expect(decoder.calls.flatMap((c) => c.vectors)).toHaveLength(2);
    // each sentence is encoded in its own language
    const byLang = Object.fromEntries(encoder.calls.map((c) => [c.lang, c.texts]));
    expect(byLang).toEqual({ eng_Latn: ['The cat sat.', 'It was warm.'], rus_Cyrl: ['Кошка сидела.', 'Было тепло.'] });
    expect(r.sourceConcepts).toEqual(MIXED.sentences.map((t) => encoder.vector(t)));
  });

  it('translate to Russian decodes the English sentences and keeps the Russian ones', async () => {
    const { ctx } = setup();
    const r = await translate(MIXED, ctx, { targetLang: 'rus_Cyrl' });
    expect(r.sentences.map((s) => !!s.verbatim)).toEqual([false, true, false, true]);
    expect(r.sentences[1]!.text).toBe('Кошка сидела.');
  });

  it('an extractive summary in English does not pass a Russian sentence off as English', async () => {
    const { ctx } = setup();
    const r = await summarize(MIXED, ctx, { targetLang: 'eng_Latn', method: 'extractive', length: { sentences: 4 } });
    for (const s of r.sentences) {
      const src = s.attribution[0]!.sentenceIdx;
      expect(!!s.verbatim, `output ${s.index} from source ${src}`).toBe(MIXED.langs[src] === 'eng_Latn');
    }
  });
});
