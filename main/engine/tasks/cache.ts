/**
 * Encoding through the concept cache: look every text up by (space, lang, sha256(text)) first, run the encoder only
 * on the misses — each distinct text once — and store what it produced.
 */
import type { LangCode } from '../../api/contract.js';
import { guard } from './errors.js';
import { sha256Text, type CacheEntry, type ConceptCache, type ConceptEncoder, type ProgressFn } from './ports.js';

export interface CachedEncodeOptions {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export interface CachedEncodeResult {
  vectors: Float32Array[];
  /** texts (positions) answered by the cache */
  hits: number;
  /** texts (positions) that needed the encoder; a text repeated in one call counts once here */
  misses: number;
  /** distinct texts actually encoded */
  encoded: number;
}

export async function cachedEncode(
  encoder: ConceptEncoder,
  cache: ConceptCache | null | undefined,
  texts: readonly string[],
  lang: LangCode,
  opts: CachedEncodeOptions = {},
): Promise<CachedEncodeResult> {
  return guard(opts.signal, async () => {
    const n = texts.length;
    if (n === 0) return { vectors: [], hits: 0, misses: 0, encoded: 0 };
    const hashes = texts.map(sha256Text);
    const first = new Map<string, number>();
    hashes.forEach((h, i) => {
      if (!first.has(h)) first.set(h, i);
    });
    const distinct = [...first.keys()];
    const found = cache ? await cache.get(encoder.space, lang, distinct) : new Map<string, Float32Array>();
    for (const [h, v] of found) {
      if (v.length !== encoder.dim) {
        // a cached vector of another dimension: the cache is keyed by space, so this is a corrupt or foreign entry
        found.delete(h);
      }
    }
    const missHashes = distinct.filter((h) => !found.has(h));
    const missTexts = missHashes.map((h) => texts[first.get(h)!]);
    let hitPositions = 0;
    for (const h of hashes) if (found.has(h)) hitPositions++;
    opts.onProgress?.({ stage: 'encode', done: hitPositions, total: n, cacheHits: hitPositions });

    const fresh = new Map<string, Float32Array>();
    if (missTexts.length) {
      const vecs = await encoder.encode(missTexts, lang, {
        signal: opts.signal,
        onProgress: (done) =>
          opts.onProgress?.({ stage: 'encode', done: hitPositions + done, total: n, cacheHits: hitPositions }),
      });
      if (vecs.length !== missTexts.length) {
        throw new Error(`encoder returned ${vecs.length} vectors for ${missTexts.length} texts`);
      }
      const entries: CacheEntry[] = [];
      vecs.forEach((v, i) => {
        if (v.length !== encoder.dim) throw new Error(`encoder returned a vector of length ${v.length}, expected ${encoder.dim}`);
        fresh.set(missHashes[i], v);
        entries.push({ hash: missHashes[i], vector: v });
      });
      if (cache) await cache.put(encoder.space, lang, entries);
    }
    const vectors = hashes.map((h) => found.get(h) ?? fresh.get(h)!);
    opts.onProgress?.({ stage: 'encode', done: n, total: n, cacheHits: hitPositions });
    return { vectors, hits: hitPositions, misses: n - hitPositions, encoded: missTexts.length };
  });
}
