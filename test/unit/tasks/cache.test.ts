import { describe, expect, it } from 'vitest';
import { cachedEncode, sha256Text } from '../../../main/engine/tasks/index.js';
import { FakeCache, FakeEncoder, hashVec } from './fakes.js';

describe('sha256Text', () => {
  it('hashes the UTF-8 text', () => {
    expect(sha256Text('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Text('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Text('é')).not.toBe(sha256Text('e\u0301'));
  });
});

describe('cachedEncode', () => {
  it('encodes misses once, stores them, and answers the next call from the cache', async () => {
    const enc = new FakeEncoder();
    const cache = new FakeCache();
    const texts = ['One.', 'Two.', 'One.', 'Three.'];
    const a = await cachedEncode(enc, cache, texts, 'eng_Latn');
    expect(a.hits).toBe(0);
    expect(a.misses).toBe(4);
    expect(a.encoded).toBe(3);
    expect(enc.encodedTexts).toEqual(['One.', 'Two.', 'Three.']); // the repeated text encoded once
    expect(a.vectors.map((v) => [...v])).toEqual(texts.map((t) => [...hashVec(t)]));
    expect(a.vectors[0]).toBe(a.vectors[2]);
    expect(cache.puts).toHaveLength(1);
    expect(cache.puts[0].map((e) => e.hash)).toEqual(['One.', 'Two.', 'Three.'].map(sha256Text));

    const b = await cachedEncode(enc, cache, ['Three.', 'Four.', 'One.'], 'eng_Latn');
    expect(b).toMatchObject({ hits: 2, misses: 1, encoded: 1 });
    expect(enc.encodedTexts.slice(3)).toEqual(['Four.']);
    expect([...b.vectors[1]]).toEqual([...hashVec('Four.')]);
  });

  it('keys the cache by space and language', async () => {
    const cache = new FakeCache();
    const enc = new FakeEncoder();
    await cachedEncode(enc, cache, ['Hello.'], 'eng_Latn');
    expect((await cachedEncode(enc, cache, ['Hello.'], 'fra_Latn')).misses).toBe(1);
    const other = new FakeEncoder(new Map(), { space: 'other' });
    expect((await cachedEncode(other, cache, ['Hello.'], 'eng_Latn')).misses).toBe(1);
    expect((await cachedEncode(enc, cache, ['Hello.'], 'eng_Latn')).hits).toBe(1);
  });

  it('re-encodes a cached vector of the wrong dimension', async () => {
    const cache = new FakeCache();
    const enc = new FakeEncoder();
    cache.put(enc.space, 'eng_Latn', [{ hash: sha256Text('Bad.'), vector: new Float32Array(7) }]);
    const r = await cachedEncode(enc, cache, ['Bad.'], 'eng_Latn');
    expect(r).toMatchObject({ hits: 0, misses: 1 });
    expect(r.vectors[0].length).toBe(enc.dim);
  });

  it('works without a cache and with no texts; reports progress with cache hits', async () => {
    const enc = new FakeEncoder();
    expect((await cachedEncode(enc, null, [], 'eng_Latn')).vectors).toEqual([]);
    const cache = new FakeCache();
    await cachedEncode(enc, cache, ['a', 'b'], 'eng_Latn');
    const events: unknown[] = [];
    const r = await cachedEncode(enc, cache, ['a', 'c', 'b'], 'eng_Latn', { onProgress: (e) => events.push(e) });
    expect(r.hits).toBe(2);
    expect(events[0]).toEqual({ stage: 'encode', done: 2, total: 3, cacheHits: 2 });
    expect(events[events.length - 1]).toEqual({ stage: 'encode', done: 3, total: 3, cacheHits: 2 });
  });
});
