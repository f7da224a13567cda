/**
 * Typed errors for the SQLite store. Every error names the database file it is about and says what to do next; the
 * `code` is machine-readable (the API's ErrorEvent codes). Raw better-sqlite3 / SQLite errors never leave the store:
 * `translateSqliteError` maps them to one of these classes.
 */
import { CodedError } from '../engine/errors.js';
export type StoreErrorCode =
  | 'DB_LOCKED' // another process/connection holds a lock longer than the busy timeout
  | 'DB_READONLY' // the file (or its folder) cannot be written, or the store was opened read-only
  | 'DB_CORRUPT' // not an SQLite database, or a damaged one
  | 'DB_CANT_OPEN' // the path cannot be opened at all (a folder, a missing folder we could not create, ...)
  | 'DB_FULL' // disk full / quota
  | 'DB_SCHEMA_TOO_NEW' // the file was written by a newer Concept Studio
  | 'DB_MIGRATION_FAILED' // a migration failed (rolled back; the file is unchanged)
  | 'DB_CLOSED' // the store was used after close()
  | 'CONCEPT_DIM_MISMATCH' // vectors of another dimension than the space already holds
  | 'NOT_FOUND' // a row that was asked for does not exist
  | 'INVALID_ARGUMENT' // bad input to a repository function
  | 'DB_ERROR'; // any other SQLite error

export class StoreError extends CodedError<StoreErrorCode> {
  override name = 'StoreError';
  constructor(
    code: StoreErrorCode,
    message: string,
    readonly path?: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(code, hint ? `${message}. ${hint}` : message, options);
  }
}

export class DatabaseLockedError extends StoreError {
  override name = 'DatabaseLockedError';
  constructor(path: string, options?: { cause?: unknown }) {
    super(
      'DB_LOCKED',
      `The database ${path} is locked by another process`,
      path,
      'Close other Concept Studio windows or `concept` commands using this file (or pass another --db) and try again',
      options,
    );
  }
}

export class DatabaseReadOnlyError extends StoreError {
  override name = 'DatabaseReadOnlyError';
  constructor(path: string, detail?: string, options?: { cause?: unknown }) {
    super(
      'DB_READONLY',
      `The database ${path} cannot be written${detail ? ` (${detail})` : ''}`,
      path,
      'Check the permissions of the file and its folder (SQLite also writes -wal and -shm files next to it), or choose another database with --db',
      options,
    );
  }
}

export class DatabaseCorruptError extends StoreError {
  override name = 'DatabaseCorruptError';
  constructor(path: string, detail?: string, options?: { cause?: unknown }) {
    super(
      'DB_CORRUPT',
      `The file ${path} is not a valid Concept Studio database${detail ? ` (${detail})` : ''}`,
      path,
      'It was left unchanged. Move it aside (or restore a backup) and start again; a new database will be created',
      options,
    );
  }
}

export class DimensionMismatchError extends StoreError {
  override name = 'DimensionMismatchError';
  constructor(
    readonly space: string,
    readonly expected: number,
    readonly actual: number,
    path?: string,
  ) {
    super(
      'CONCEPT_DIM_MISMATCH',
      `Concept space "${space}" holds ${expected}-dimensional vectors, but ${actual}-dimensional vectors were given`,
      path,
      'The model pack does not match the cached concepts of this space: use the pack this space was built with, give the new pack its own space name, or clear the cache of this space',
    );
  }
}

export class NotFoundError extends StoreError {
  override name = 'NotFoundError';
  constructor(what: string, id: string | number, path?: string) {
    super('NOT_FOUND', `No ${what} with id ${id}`, path);
  }
}

const SQLITE_MESSAGES: Record<string, string> = {
  SQLITE_FULL: 'the disk is full',
  SQLITE_IOERR: 'an I/O error occurred',
  SQLITE_CANTOPEN: 'the file cannot be opened',
};

/** Map a raw better-sqlite3 error (SqliteError with `.code`) to a StoreError. StoreErrors pass through unchanged. */
export function translateSqliteError(err: unknown, path: string): Error {
  if (err instanceof StoreError) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : '';
  const msg = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new DatabaseLockedError(path, { cause: err });
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new DatabaseReadOnlyError(path, msg, { cause: err });
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new DatabaseCorruptError(path, msg, { cause: err });
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new StoreError('DB_CANT_OPEN', `The database ${path} cannot be opened: ${msg}`, path,
      'Check that the path is a file in an existing, writable folder', { cause: err });
  }
  if (code === 'SQLITE_FULL') {
    return new StoreError('DB_FULL', `The database ${path} cannot grow: ${SQLITE_MESSAGES.SQLITE_FULL}`, path,
      'Free some disk space and try again; nothing was written', { cause: err });
  }
  if (msg.includes('The database connection is not open')) {
    return new StoreError('DB_CLOSED', `The database ${path} was already closed`, path, undefined, { cause: err });
  }
  if (code.startsWith('SQLITE_')) {
    const what = SQLITE_MESSAGES[code.split('_').slice(0, 2).join('_')] ?? msg;
    return new StoreError('DB_ERROR', `SQLite error on ${path}: ${what} (${code})`, path, undefined, { cause: err });
  }
  return err instanceof Error ? err : new Error(msg);
}
