/**
 * Issue 11, defect 4: an extractive summary without a length defaulted to 25% of the document with no cap (a
 * 1,245-sentence document gave a 311-sentence "summary" in 33 s at 2.4 GB). The default is now a quarter of the
 * sentences, at most DEFAULT_MAX_SENTENCES (20); an explicit length is obeyed.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_SENTENCES, extractiveCount } from '../../../main/engine/tasks/extractive.js';
import { summarize, type TaskContext } from '../../../main/engine/tasks/index.js';
import { FakeCache, FakeDecoder, FakeEncoder } from './fakes.js';

describe('default summary length has a cap', () => {
  it('a quarter of the sentences, at most 20', () => {
    expect(DEFAULT_MAX_SENTENCES).toBe(20);
    expect(extractiveCount(8, undefined)).toBe(2);
    expect(extractiveCount(80, undefined)).toBe(20);
    expect(extractiveCount(1245, undefined)).toBe(20);
    expect(extractiveCount(1245, {})).toBe(20);
    // what the user asks for is not capped
    expect(extractiveCount(1245, { ratio: 0.25 })).toBe(311);
    expect(extractiveCount(1245, { sentences: 100 })).toBe(100);
  });

  it('summarize of a 1,245-sentence document without a length gives 20 sentences', async () => {
    const encoder = new FakeEncoder();
    const ctx: TaskContext = { encoder, decoder: new FakeDecoder(encoder, ['x']), cache: new FakeCache() };
    const doc = { sentences: Array.from({ length: 1245 }, (_, i) => `Sentence number ${i} of the long text.`), lang: 'eng_Latn' };
    const r = await summarize(doc, ctx, { targetLang: 'eng_Latn', method: 'extractive' });
    expect(r.sentences).toHaveLength(20);
  });
});
