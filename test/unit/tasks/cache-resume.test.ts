/**
 * Issue 11: concepts were written once at the end of encoding, so an interrupted 20 MB document (7.7 minutes of
 * encoding) lost all of it. They are now committed in batches of ENCODE_BATCH as produced; a rerun resumes.
 */
import { describe, expect, it } from 'vitest';
import { cachedEncode, ENCODE_BATCH } from '../../../main/engine/tasks/cache.js';
import { FakeCache, FakeEncoder } from './fakes.js';

describe('encoded concepts are committed in batches', () => {
  it('a run cancelled after 600 of 1,000 texts keeps what it encoded; the rerun encodes only the rest', async () => {
    const texts = Array.from({ length: 1000 }, (_, i) => `Sentence ${i}.`);
    const encoder = new FakeEncoder();
    const cache = new FakeCache();
    const controller = new AbortController();
    let seen = 0;
    const inner = encoder.encode.bind(encoder);
    encoder.encode = async (batch, lang, opts) => {
      seen += batch.length;
      if (seen > 600) controller.abort();
      return inner(batch, lang, opts);
    };
    await expect(cachedEncode(encoder, cache, texts, 'eng_Latn', { signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    const kept = Math.floor(600 / ENCODE_BATCH) * ENCODE_BATCH;
    expect(cache.store.size).toBeGreaterThanOrEqual(kept);

    const again = await cachedEncode(new FakeEncoder(), cache, texts, 'eng_Latn');
    expect(again.hits).toBeGreaterThanOrEqual(kept);
    console.log(`interrupted after 600 of 1000: ${again.hits} reused from the cache, ${again.encoded} encoded again`);
    expect(again.encoded).toBe(1000 - again.hits);
    expect(again.vectors).toEqual(texts.map((t) => encoder.vector(t)));
  });
});
