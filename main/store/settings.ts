/** Settings: key → JSON value. */
import { StoreError } from './errors.js';
import { fromJson, guard, toJson, writeTransaction, type StoreContext } from './context.js';

export interface SettingsRepo {
  get<T = unknown>(key: string): T | undefined;
  get<T = unknown>(key: string, fallback: T): T;
  set(key: string, value: unknown): void;
  delete(key: string): boolean;
  all(): Record<string, unknown>;
}

export function settingsRepo(ctx: StoreContext): SettingsRepo {
  const { db, path } = ctx;
  const stmts = {
    get: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
    set: db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
    delete: db.prepare('DELETE FROM settings WHERE key = ?'),
    all: db.prepare('SELECT key, value FROM settings ORDER BY key'),
  };
  return {
    get<T>(key: string, fallback?: T): T | undefined {
      const raw = guard(ctx, () => stmts.get.get(key) as string | undefined);
      return raw === undefined ? fallback : (fromJson<T>(raw) as T);
    },
    set(key, value) {
      if (!key) throw new StoreError('INVALID_ARGUMENT', 'A setting needs a key', path);
      if (value === undefined) throw new StoreError('INVALID_ARGUMENT', `Setting ${key}: use delete() to remove a value`, path);
      const json = toJson(value);
      writeTransaction(ctx, () => stmts.set.run(key, json, Date.now()));
    },
    delete(key) {
      return writeTransaction(ctx, () => stmts.delete.run(key).changes > 0);
    },
    all() {
      return guard(ctx, () => Object.fromEntries(
        (stmts.all.all() as { key: string; value: string }[]).map((r) => [r.key, fromJson(r.value)])));
    },
  };
}
