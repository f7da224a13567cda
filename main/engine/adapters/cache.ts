/**
 * ConceptCache (engine/tasks/ports.ts) over the store's concepts repository: (space, language, sha256(text)) →
 * float32 vector. A space holds one dimension; a pack whose dimension differs from the vectors already cached for its
 * space is refused with PACK_DIM_MISMATCH (before anything is read or written), never silently re-encoded or mixed.
 */
import { CodedError } from '../errors.js';
import type { ConceptsRepo } from '../../store/concepts.js';
import type { CacheEntry, ConceptCache } from '../tasks/ports.js';

export class CacheDimError extends CodedError {
  override name = 'CacheDimError';
  constructor(readonly space: string, readonly cachedDim: number, readonly packDim: number) {
    super(
      'PACK_DIM_MISMATCH',
      `The concept cache holds ${cachedDim}-dimensional concepts for the space "${space}", but the SONAR pack ` +
        `produces ${packDim}-dimensional ones. Use the pack these concepts were made with, give the new pack its own ` +
        `"space" in pack.json, or use another database (--db).`,
    );
  }
}

/** The dimension check a pack must pass before it uses the cache of its space. */
export function assertCacheDim(repo: Pick<ConceptsRepo, 'dimension'>, space: string, dim: number): void {
  const cached = repo.dimension(space);
  if (cached !== undefined && cached !== dim) throw new CacheDimError(space, cached, dim);
}

/** A cache bound to one encoder dimension (the SONAR pack's `dim`). */
export function storeConceptCache(repo: ConceptsRepo, dim: number): ConceptCache {
  return {
    get(space, lang, hashes) {
      assertCacheDim(repo, space, dim);
      return repo.getMany(space, lang, hashes);
    },
    put(space, lang, entries: CacheEntry[]) {
      assertCacheDim(repo, space, dim);
      try {
        repo.putMany(space, lang, entries);
      } catch (e) {
        if ((e as { code?: string }).code === 'CONCEPT_DIM_MISMATCH') {
          throw new CacheDimError(space, repo.dimension(space) ?? -1, dim);
        }
        throw e;
      }
    },
  };
}
