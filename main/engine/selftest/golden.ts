/**
 * Golden vectors: embeddings that the official SONAR (fairseq2, `text_sonar_basic_encoder`) computed for a few
 * sentences, so that the self-test can compare a converted pack with the original and not only with properties any
 * faithful SONAR has. None are shipped yet (they need the official weights); anyone who has them can add a file
 * (README, "Pack self-test"):
 *
 *   {
 *     "format": 1,
 *     "space": "sonar-v1",                     // the pack.json `space` the vectors belong to
 *     "source": "fairseq2 SONAR text_sonar_basic_encoder, sonar 0.2.1, fp32 CPU, 2026-…",
 *     "vectors": [ { "lang": "eng_Latn", "text": "The train leaves at seven in the morning.", "embedding": [1024 numbers] }, … ]
 *   }
 *
 * Looked up in the pack folder (`selftest-golden.json`, for one pack) and then in this folder (`golden/<space>.json`,
 * committed for every pack of that space).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GOLDEN_DIR = fileURLToPath(new URL('./golden/', import.meta.url));
export const PACK_GOLDEN_FILE = 'selftest-golden.json';

export interface GoldenVector {
  lang: string;
  text: string;
  vector: Float32Array;
}

export interface GoldenSet {
  path: string;
  source: string;
  vectors: GoldenVector[];
}

export class GoldenError extends Error {
  override name = 'GoldenError';
  readonly code = 'PACK_GOLDEN_INVALID';
}

/** Parse and check a golden file against the pack's space and dimension; errors name the file and the entry. */
export function parseGolden(path: string, raw: string, space: string, dim: number): GoldenSet {
  let j: { format?: unknown; space?: unknown; source?: unknown; vectors?: unknown };
  try {
    j = JSON.parse(raw);
  } catch (e) {
    throw new GoldenError(`${path}: not JSON (${(e as Error).message})`);
  }
  if (j.format !== 1) throw new GoldenError(`${path}: "format" must be 1`);
  if (j.space !== space) throw new GoldenError(`${path}: golden vectors of the space "${String(j.space)}", the pack encodes into "${space}"`);
  if (!Array.isArray(j.vectors) || j.vectors.length === 0) throw new GoldenError(`${path}: "vectors" must be a non-empty list`);
  const vectors = j.vectors.map((v: { lang?: unknown; text?: unknown; embedding?: unknown }, i: number) => {
    if (typeof v?.lang !== 'string' || typeof v.text !== 'string' || !v.text) throw new GoldenError(`${path}: vectors[${i}] needs "lang" and "text"`);
    if (!Array.isArray(v.embedding) || v.embedding.length !== dim || !v.embedding.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new GoldenError(`${path}: vectors[${i}].embedding must be ${dim} finite numbers`);
    }
    return { lang: v.lang, text: v.text, vector: Float32Array.from(v.embedding as number[]) };
  });
  return { path, source: typeof j.source === 'string' ? j.source : '', vectors };
}

/** The golden set for a pack: its own file, else the committed one of its space; null when there is none. */
export function findGolden(packDir: string, space: string, dim: number, dir = GOLDEN_DIR): GoldenSet | null {
  for (const p of [join(packDir, PACK_GOLDEN_FILE), join(dir, `${space.replace(/[^\w.-]+/g, '_')}.json`)]) {
    if (existsSync(p)) return parseGolden(p, readFileSync(p, 'utf8'), space, dim);
  }
  return null;
}
