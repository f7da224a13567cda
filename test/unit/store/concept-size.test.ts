/**
 * Issue 11, defect 6: the concept cache took ~4x its payload on disk (WITHOUT ROWID with 1 KB blobs: one overflow
 * page per vector). Measured here as database pages added per vector, for dim 256 (1 KB) and 1024 (4 KB, real SONAR).
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { conceptHash, MIGRATIONS, openStore } from '../../../main/store/index.js';
import { migrate } from '../../../main/store/migrations.js';
import { cleanup, tempDb } from './helpers.js';

afterAll(cleanup);

const N = 2_000;

function bytesPerVector(dim: number): number {
  const store = openStore(tempDb());
  try {
    const pages = () => (store.db.pragma('page_count', { simple: true }) as number) * (store.db.pragma('page_size', { simple: true }) as number);
    store.concepts.putMany('sonar', 'eng_Latn', [[conceptHash('warm-up'), new Float32Array(dim).fill(0.5)]]);
    const before = pages();
    const entries: [string, Float32Array][] = Array.from({ length: N }, (_, i) => [conceptHash(`Sentence ${i}.`), new Float32Array(dim).fill(i)]);
    for (let i = 0; i < N; i += 250) store.concepts.putMany('sonar', 'eng_Latn', entries.slice(i, i + 250));
    return (pages() - before) / N;
  } finally {
    store.close();
  }
}

describe('concept cache storage costs about its payload', () => {
  it.each([256, 1024])('dim %i: bytes on disk per vector within 1.5x of 4*dim', (dim) => {
    const b = bytesPerVector(dim);
    console.log(`dim ${dim}: ${b.toFixed(0)} bytes per cached vector (payload ${4 * dim}, x${(b / (4 * dim)).toFixed(2)})`);
    expect(b / (4 * dim)).toBeLessThan(1.5);
  });

  it('migration 2 keeps every cached vector of a version-1 database', () => {
    const path = tempDb();
    const db = new Database(path);
    migrate(db, path, MIGRATIONS.slice(0, 1));
    db.prepare('INSERT INTO concept_spaces (space, dim, created_at) VALUES (?, ?, ?)').run('sonar', 4, 1);
    const v = Buffer.from(new Float32Array([1, 2, 3, 4]).buffer);
    db.prepare('INSERT INTO concepts (space, language, sha256, dim, vector, created_at) VALUES (?, ?, ?, ?, ?, ?)').run('sonar', 'eng_Latn', conceptHash('a'), 4, v, 1);
    db.close();
    const store = openStore(path);
    try {
      expect([...store.concepts.getMany('sonar', 'eng_Latn', [conceptHash('a')]).values()].map((x) => [...x])).toEqual([[1, 2, 3, 4]]);
      expect(store.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'concepts'").pluck().get()).not.toMatch(/WITHOUT ROWID/);
    } finally {
      store.close();
    }
  });
});
