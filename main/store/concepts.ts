/**
 * The concept cache: (embedding space, language, sha256 of the sentence text) → float32 vector. Each space has one
 * dimension, recorded in `concept_spaces` when its first vector is stored; vectors of another dimension are refused
 * with CONCEPT_DIM_MISMATCH (a pack whose dimension differs from the cached one). Vectors are stored as
 * little-endian float32 BLOBs and read back bit-exact into fresh, aligned Float32Arrays.
 */
import { endianness } from 'node:os';
import { DimensionMismatchError, StoreError } from './errors.js';
import { guard, sha256Hex, writeTransaction, type StoreContext } from './context.js';

export type ConceptEntries =
  | ReadonlyMap<string, Float32Array>
  | Iterable<readonly [string, Float32Array]>
  | readonly { hash: string; vector: Float32Array }[];

export interface ConceptSpaceInfo {
  space: string;
  dim: number;
  count: number;
  createdAt: number;
}

export interface ConceptsRepo {
  /** Cached vectors for the given sentence hashes; hashes not cached are absent from the map. */
  getMany(space: string, language: string, hashes: readonly string[]): Map<string, Float32Array>;
  /** Store vectors in one transaction (all or nothing); existing keys are overwritten. Returns how many were written. */
  putMany(space: string, language: string, entries: ConceptEntries): number;
  get(space: string, language: string, hash: string): Float32Array | undefined;
  /** The dimension of a space, or undefined when it holds nothing yet. */
  dimension(space: string): number | undefined;
  /** Throw CONCEPT_DIM_MISMATCH if the space already holds vectors of another dimension. */
  assertDimension(space: string, dim: number): void;
  spaces(): ConceptSpaceInfo[];
  count(space?: string): number;
  /** Delete a whole space (its vectors and its recorded dimension). Returns the number of vectors deleted. */
  clearSpace(space: string): number;
}

/** The cache key of a sentence: lower-case hex sha256 of its UTF-8 text. */
export function conceptHash(text: string): string {
  return sha256Hex(text);
}

const LITTLE_ENDIAN = endianness() === 'LE';
const HASH_RE = /^[0-9a-f]{64}$/;

export function vectorToBlob(v: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  const out = Buffer.allocUnsafe(v.byteLength);
  for (let i = 0; i < v.length; i++) out.writeFloatLE(v[i]!, i * 4);
  return out;
}

export function blobToVector(buf: Uint8Array, dim: number): Float32Array {
  const out = new Float32Array(dim);
  if (LITTLE_ENDIAN) {
    // Copy into a fresh ArrayBuffer: a Buffer may be a misaligned slice of a shared pool.
    new Uint8Array(out.buffer).set(buf.subarray(0, dim * 4));
  } else {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let i = 0; i < dim; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

function normalizeEntries(entries: ConceptEntries): [string, Float32Array][] {
  if (Array.isArray(entries) && entries.length > 0 && !Array.isArray(entries[0])) {
    return (entries as readonly { hash: string; vector: Float32Array }[]).map((e) => [e.hash, e.vector]);
  }
  return [...(entries as Iterable<readonly [string, Float32Array]>)].map(([h, v]) => [h, v]);
}

interface Row {
  sha256: string;
  dim: number;
  vector: Buffer;
}

function statements(db: StoreContext['db']) {
  return {
    getMany: db.prepare(`SELECT sha256, dim, vector FROM concepts
      WHERE space = ? AND language = ? AND sha256 IN (SELECT value FROM json_each(?))`),
    get: db.prepare('SELECT sha256, dim, vector FROM concepts WHERE space = ? AND language = ? AND sha256 = ?'),
    dim: db.prepare('SELECT dim FROM concept_spaces WHERE space = ?').pluck(),
    addSpace: db.prepare('INSERT INTO concept_spaces (space, dim, created_at) VALUES (?, ?, ?)'),
    put: db.prepare(`INSERT INTO concepts (space, language, sha256, dim, vector, created_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (space, language, sha256) DO UPDATE SET dim = excluded.dim, vector = excluded.vector,
      created_at = excluded.created_at`),
    spaces: db.prepare(`SELECT s.space, s.dim, s.created_at AS createdAt,
      (SELECT count(*) FROM concepts c WHERE c.space = s.space) AS count FROM concept_spaces s ORDER BY s.space`),
    countAll: db.prepare('SELECT count(*) FROM concepts').pluck(),
    countSpace: db.prepare('SELECT count(*) FROM concepts WHERE space = ?').pluck(),
    clearConcepts: db.prepare('DELETE FROM concepts WHERE space = ?'),
    clearSpace: db.prepare('DELETE FROM concept_spaces WHERE space = ?'),
  };
}

/** Every entry a lower-case hex sha256 key and a finite Float32Array of one dimension (returned). */
function checkEntries(space: string, list: [string, Float32Array][], path: string): number {
  const invalid = (message: string) => new StoreError('INVALID_ARGUMENT', message, path);
  const dim = list[0]![1]?.length;
  for (const [hash, v] of list) {
    if (typeof hash !== 'string' || !HASH_RE.test(hash)) {
      throw invalid(`Concept key ${JSON.stringify(hash)} is not a lower-case hex sha256`);
    }
    if (!(v instanceof Float32Array) || v.length === 0) throw invalid(`Concept ${hash} is not a non-empty Float32Array`);
    if (v.length !== dim) throw new DimensionMismatchError(space, dim!, v.length, path);
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!)) throw invalid(`Concept ${hash} holds a non-finite value at index ${i}`);
    }
  }
  return dim!;
}

export function conceptsRepo(ctx: StoreContext): ConceptsRepo {
  const { db, path } = ctx;
  const stmts = statements(db);
  const invalid = (message: string) => new StoreError('INVALID_ARGUMENT', message, path);
  const dimension = (space: string) => guard(ctx, () => stmts.dim.get(space) as number | undefined);

  return {
    getMany(space, language, hashes) {
      const out = new Map<string, Float32Array>();
      if (hashes.length === 0) return out;
      return guard(ctx, () => {
        for (const row of stmts.getMany.iterate(space, language, JSON.stringify(hashes)) as Iterable<Row>) {
          out.set(row.sha256, blobToVector(row.vector, row.dim));
        }
        return out;
      });
    },
    get(space, language, hash) {
      return guard(ctx, () => {
        const row = stmts.get.get(space, language, hash) as Row | undefined;
        return row ? blobToVector(row.vector, row.dim) : undefined;
      });
    },
    putMany(space, language, entries) {
      if (!space) throw invalid('A concept space name is required');
      if (!language) throw invalid('A language is required to store concepts');
      const list = normalizeEntries(entries);
      if (list.length === 0) return 0;
      const dim = checkEntries(space, list, path);
      return writeTransaction(ctx, () => {
        const existing = stmts.dim.get(space) as number | undefined;
        if (existing === undefined) stmts.addSpace.run(space, dim, Date.now());
        else if (existing !== dim) throw new DimensionMismatchError(space, existing, dim!, path);
        const now = Date.now();
        for (const [hash, v] of list) stmts.put.run(space, language, hash, dim, vectorToBlob(v), now);
        return list.length;
      });
    },
    dimension,
    assertDimension(space, dim) {
      const existing = dimension(space);
      if (existing !== undefined && existing !== dim) throw new DimensionMismatchError(space, existing, dim, path);
    },
    spaces() {
      return guard(ctx, () => stmts.spaces.all() as ConceptSpaceInfo[]);
    },
    count(space) {
      return guard(ctx, () => (space === undefined ? stmts.countAll.get() : stmts.countSpace.get(space)) as number);
    },
    clearSpace(space) {
      return writeTransaction(ctx, () => {
        const n = stmts.clearConcepts.run(space).changes;
        stmts.clearSpace.run(space);
        return n;
      });
    },
  };
}
