/**
 * Opening the one database file: WAL journal, foreign keys on, a busy timeout, migrations to the latest schema, and
 * the repositories bound to the connection. Every failure to open (locked, read-only, corrupt, another program's
 * SQLite file, newer schema) is a typed StoreError and the file is left as it was.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseCorruptError, DatabaseReadOnlyError, StoreError, translateSqliteError } from './errors.js';
import { guard, writeTransaction, type StoreContext } from './context.js';
import { LATEST_VERSION, MIGRATIONS, currentVersion, migrate, type Migration } from './migrations.js';
import { documentsRepo, type DocumentsRepo } from './documents.js';
import { sentencesRepo, type SentencesRepo } from './sentences.js';
import { conceptsRepo, type ConceptsRepo } from './concepts.js';
import { runsRepo, type RunsRepo } from './runs.js';
import { settingsRepo, type SettingsRepo } from './settings.js';

export interface OpenStoreOptions {
  /** How long a statement waits for another connection's lock before failing with DB_LOCKED (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Open without writing anything (no migration, no WAL switch); the file must exist and be up to date. */
  readonly?: boolean;
  /** Run PRAGMA quick_check after opening (cost grows with the file size); a damaged file gives DB_CORRUPT. */
  verify?: boolean;
  /** Migrations to apply (tests); default: all of MIGRATIONS. */
  migrations?: readonly Migration[];
}

export interface Store {
  readonly path: string;
  /** The raw connection, for code that needs more than the repositories. Prefer the repositories. */
  readonly db: Database.Database;
  readonly readonly: boolean;
  readonly documents: DocumentsRepo;
  readonly sentences: SentencesRepo;
  readonly concepts: ConceptsRepo;
  readonly runs: RunsRepo;
  readonly settings: SettingsRepo;
  /** Run several repository calls in one write transaction (all or nothing). */
  transaction<T>(fn: () => T): T;
  schemaVersion(): number;
  /** PRAGMA quick_check: ok, or the problems SQLite found. */
  check(): { ok: boolean; problems: string[] };
  /** Fold the -wal file back into the database file. */
  checkpoint(): void;
  close(): void;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

const SQLITE_HEADER = 'SQLite format 3\0';

/** Does the file start like an SQLite database? (An empty file is fine: SQLite initializes it.) */
function looksLikeSqlite(path: string): boolean {
  const st = statSync(path);
  if (!st.isFile()) return true; // let SQLite report what it is
  if (st.size === 0) return true;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return n === 16 && buf.toString('latin1') === SQLITE_HEADER;
  } finally {
    closeSync(fd);
  }
}

/** Before SQLite opens it: a read-only database must exist, an existing file must be SQLite, a new one gets its folder. */
function checkFile(path: string, readonly: boolean): void {
  if (path !== ':memory:') {
    const exists = existsSync(path);
    if (!exists && readonly) {
      throw new StoreError('DB_CANT_OPEN', `The database ${path} does not exist`, path,
        'Give the path of an existing database, or open it writable to create one');
    }
    if (exists && !looksLikeSqlite(path)) {
      // Checked before SQLite touches the file, so nothing is ever written into a foreign file.
      throw new DatabaseCorruptError(path, 'it does not start with the SQLite header');
    }
    if (!exists && !readonly) {
      try {
        mkdirSync(dirname(path), { recursive: true });
      } catch (err) {
        throw new DatabaseReadOnlyError(path, `cannot create its folder: ${(err as Error).message}`, { cause: err });
      }
    }
  }
}

/** Refuse another program's database, migrate (or refuse a read-only one that needs it), set the pragmas, verify. */
function prepareSchema(ctx: StoreContext, readonly: boolean, busyTimeoutMs: number, migrations: typeof MIGRATIONS, verify: boolean): void {
  const { db, path } = ctx;
  const version = guard(ctx, () => {
    // Reading the schema first surfaces NOTADB / corruption before any write.
    db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get();
    return currentVersion(db);
  });
  if (version === 0) {
    const foreign = guard(ctx, () =>
      db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all()) as string[];
    if (foreign.length > 0) {
      throw new DatabaseCorruptError(path, `it is an SQLite database of another program (tables: ${foreign.slice(0, 5).join(', ')})`);
    }
  }
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  if (version > latest && !readonly) migrate(db, path, migrations); // throws DB_SCHEMA_TOO_NEW before any write
  guard(ctx, () => {
    if (!readonly && path !== ':memory:') {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') {
        throw new StoreError('DB_ERROR', `The database ${path} could not be switched to WAL mode (${String(mode)})`, path);
      }
    }
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    if (!readonly) db.pragma('synchronous = NORMAL');
  });
  if (readonly) {
    if (version !== latest) {
      throw new StoreError(
        'DB_READONLY',
        `The database ${path} has schema version ${version} but ${latest} is needed, and it was opened read-only`,
        path,
        version > latest ? 'Update Concept Studio' : 'Open it once writable so it can be migrated',
      );
    }
  } else {
    migrate(db, path, migrations);
  }
  if (verify) {
    const problems = guard(ctx, () => db.pragma('quick_check', { simple: false }) as { quick_check: string }[])
      .map((r) => r.quick_check).filter((p) => p !== 'ok');
    if (problems.length) throw new DatabaseCorruptError(path, problems.slice(0, 3).join('; '));
  }
}

export function openStore(file: string, options: OpenStoreOptions = {}): Store {
  const path = file === ':memory:' ? file : resolve(file);
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const readonly = options.readonly ?? false;
  const migrations = options.migrations ?? MIGRATIONS;

  checkFile(path, readonly);

  let db: Database.Database;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
  } catch (err) {
    throw translateSqliteError(err, path);
  }
  const ctx: StoreContext = { db, path };
  try {
    prepareSchema(ctx, readonly, busyTimeoutMs, migrations, options.verify ?? false);
  } catch (err) {
    try {
      db.close();
    } catch {
      /* already failing */
    }
    throw translateSqliteError(err, path);
  }

  const store: Store = {
    path,
    db,
    readonly,
    documents: documentsRepo(ctx),
    sentences: sentencesRepo(ctx),
    concepts: conceptsRepo(ctx),
    runs: runsRepo(ctx),
    settings: settingsRepo(ctx),
    transaction: (fn) => writeTransaction(ctx, fn),
    schemaVersion: () => guard(ctx, () => currentVersion(db)),
    check() {
      const problems = guard(ctx, () => db.pragma('quick_check', { simple: false }) as { quick_check: string }[])
        .map((r) => r.quick_check).filter((p) => p !== 'ok');
      return { ok: problems.length === 0, problems };
    },
    checkpoint() {
      guard(ctx, () => db.pragma('wal_checkpoint(TRUNCATE)'));
    },
    close() {
      if (db.open) db.close();
    },
  };
  return store;
}

export { LATEST_VERSION };
