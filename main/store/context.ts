/** Shared plumbing for the repositories: the connection, its path (for error messages) and error translation. */
import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { translateSqliteError } from './errors.js';

export interface StoreContext {
  readonly db: Database;
  readonly path: string;
}

/** Run `fn`, turning raw SQLite errors into typed StoreErrors. */
export function guard<T>(ctx: StoreContext, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw translateSqliteError(err, ctx.path);
  }
}

/**
 * Run `fn` in a write transaction taken up front (BEGIN IMMEDIATE), so a concurrent writer is detected before any
 * work is done; all or nothing. Inside another transaction it becomes a savepoint.
 */
export function writeTransaction<T>(ctx: StoreContext, fn: () => T): T {
  return guard(ctx, () => ctx.db.transaction(fn).immediate());
}

/** Lower-case hex sha256 of a string's UTF-8 bytes. */
export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

export function toJson(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

export function fromJson<T = unknown>(text: string | null | undefined): T | null {
  return text == null ? null : (JSON.parse(text) as T);
}
