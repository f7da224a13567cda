/**
 * Versioned schema migrations. Migrations are an ordered list; the database records the applied version both in
 * `PRAGMA user_version` (cheap to read) and in the `schema_version` table (which version, its name, when). Each
 * migration runs in its own IMMEDIATE transaction together with the version bump, so a failure leaves the file at the
 * previous version, never half-migrated. Never edit a released migration: append a new one.
 */
import type { Database } from 'better-sqlite3';
import { StoreError, translateSqliteError } from './errors.js';

export interface Migration {
  version: number;
  name: string;
  up: (db: Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema: documents, sentences, concepts, runs, settings',
    up(db) {
      db.exec(`
        CREATE TABLE documents (
          id                  INTEGER PRIMARY KEY,
          title               TEXT NOT NULL,
          source              TEXT,                -- file path or URL it was imported from; NULL for pasted text
          type                TEXT NOT NULL,       -- txt | md | html | pdf | docx | paste | ...
          text                TEXT NOT NULL,
          language            TEXT,                -- SONAR code, e.g. eng_Latn
          language_confidence REAL,
          sha256              TEXT NOT NULL UNIQUE, -- of the UTF-8 text: the same content is stored once
          created_at          INTEGER NOT NULL,    -- ms since epoch
          deleted_at          INTEGER              -- soft delete (undoable); purge removes the row
        ) STRICT;
        CREATE INDEX documents_deleted_at ON documents(deleted_at);

        CREATE TABLE sentences (
          document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
          idx          INTEGER NOT NULL,
          paragraph    INTEGER NOT NULL,
          start_offset INTEGER NOT NULL,
          end_offset   INTEGER NOT NULL,
          text         TEXT NOT NULL,
          language     TEXT,
          PRIMARY KEY (document_id, idx)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE concept_spaces (
          space      TEXT PRIMARY KEY,
          dim        INTEGER NOT NULL CHECK (dim > 0),
          dtype      TEXT NOT NULL DEFAULT 'float32',
          created_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE concepts (
          space      TEXT NOT NULL REFERENCES concept_spaces(space) ON DELETE CASCADE,
          language   TEXT NOT NULL,
          sha256     TEXT NOT NULL,               -- of the sentence text (UTF-8)
          dim        INTEGER NOT NULL,
          vector     BLOB NOT NULL,               -- little-endian float32 x dim
          created_at INTEGER NOT NULL,
          PRIMARY KEY (space, language, sha256),
          CHECK (length(vector) = 4 * dim)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE runs (
          id            INTEGER PRIMARY KEY,
          document_id   INTEGER REFERENCES documents(id) ON DELETE CASCADE,
          parent_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
          task          TEXT NOT NULL,
          status        TEXT NOT NULL CHECK (status IN ('pending','running','done','failed','cancelled')),
          parameters    TEXT NOT NULL DEFAULT '{}',   -- JSON
          output        TEXT,                         -- JSON
          timings       TEXT,                         -- JSON
          pack_versions TEXT NOT NULL DEFAULT '{}',   -- JSON
          error         TEXT,                         -- JSON {code, message}
          created_at    INTEGER NOT NULL,
          finished_at   INTEGER
        ) STRICT;
        CREATE INDEX runs_document ON runs(document_id, created_at);
        CREATE INDEX runs_parent ON runs(parent_run_id);

        CREATE TABLE settings (
          key        TEXT PRIMARY KEY,
          value      TEXT NOT NULL,                 -- JSON
          updated_at INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'concepts in a rowid table: a vector costs about its own size on disk',
    up(db) {
      // WITHOUT ROWID tables keep rows in the primary-key b-tree, whose cells may hold only ~1/20 of a page inline:
      // every 1 KB vector spilled to an overflow page of its own (447 MB of pages for 108 MB of vectors; a 4 KB SONAR
      // vector took two). A rowid table stores a row of up to ~4 KB inline, and the key moves to a unique index.
      // Columns as in version 1 (sha256 of the sentence text, little-endian float32 vector). No SQL comments: SQLite
      // keeps the statement text in the schema page, and a schema that outgrows page 1 is more fragile.
      // The rows wait in a TEMP table while the old definition is dropped: the main schema never holds both tables,
      // so its page does not split (the crash-safety tests rely on the schema staying on page 1).
      db.exec(`
        CREATE TEMP TABLE concepts_v1 AS SELECT space, language, sha256, dim, vector, created_at FROM concepts;
        DROP TABLE concepts;
        CREATE TABLE concepts (id INTEGER PRIMARY KEY,
          space TEXT NOT NULL REFERENCES concept_spaces(space) ON DELETE CASCADE, language TEXT NOT NULL,
          sha256 TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL, created_at INTEGER NOT NULL,
          CHECK (length(vector) = 4 * dim)) STRICT;
        CREATE UNIQUE INDEX concepts_key ON concepts(space, language, sha256);
        INSERT INTO concepts (space, language, sha256, dim, vector, created_at) SELECT * FROM temp.concepts_v1;
        DROP TABLE temp.concepts_v1;
      `);
    },
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function currentVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Bring the database to the latest schema version (or `target`). Returns the versions applied.
 * Throws DB_SCHEMA_TOO_NEW if the file is newer than this code knows, DB_MIGRATION_FAILED if a migration fails.
 */
export function migrate(db: Database, path: string, migrations: readonly Migration[] = MIGRATIONS): number[] {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version <= migrations[i - 1]!.version) throw new Error('migrations must be in increasing order');
  }
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  const applied: number[] = [];
  let version = currentVersion(db);
  if (version > latest) {
    throw new StoreError(
      'DB_SCHEMA_TOO_NEW',
      `The database ${path} has schema version ${version}, newer than this version of Concept Studio knows (${latest})`,
      path,
      'Update Concept Studio, or use another database file with --db',
    );
  }
  for (const m of migrations) {
    if (m.version <= version) continue;
    const step = db.transaction(() => {
      // Re-check inside the write lock: another process may have migrated meanwhile.
      if (currentVersion(db) >= m.version) return false;
      db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`);
      m.up(db);
      db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      db.pragma(`user_version = ${m.version | 0}`);
      return true;
    });
    try {
      if (step.immediate()) applied.push(m.version);
    } catch (err) {
      const translated = translateSqliteError(err, path);
      if (translated instanceof StoreError && translated.code !== 'DB_ERROR') throw translated;
      throw new StoreError(
        'DB_MIGRATION_FAILED',
        `Migrating the database ${path} to version ${m.version} (${m.name}) failed: ${(err as Error).message}`,
        path,
        'The file was left at its previous version; report this problem',
        { cause: err },
      );
    }
    version = m.version;
  }
  return applied;
}
