/**
 * Failure modes give typed, actionable errors and never half-written data: a database locked by another process,
 * a read-only database, a file that is not a database, a damaged database.
 */
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import {
  DatabaseCorruptError,
  DatabaseLockedError,
  DatabaseReadOnlyError,
  StoreError,
  conceptHash,
  openStore,
} from '../../../main/store/index.js';
import { ROOT, cleanup, tempDb, tempDir } from './helpers.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill();
  cleanup();
});

/**
 * Start a second process that opens `path`, runs `sql` and then holds its lock until its stdin closes.
 * Resolves once the lock is held.
 */
async function holdLock(path: string, sql: string, releaseAfterMs = 0): Promise<{ release: () => Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec(process.argv[2]);
    process.stdout.write('locked\\n');
    const done = () => { try { db.exec('ROLLBACK'); } catch {} db.close(); process.exit(0); };
    process.stdin.on('data', () => {});
    process.stdin.on('end', done);
    if (Number(process.argv[3]) > 0) setTimeout(done, Number(process.argv[3]));
  `;
  const child = spawn(process.execPath, ['-e', script, path, sql, String(releaseAfterMs)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
  });
  return {
    async release() {
      child.stdin!.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('locked database', () => {
  it('a write while another process holds a write transaction fails with DB_LOCKED and writes nothing', async () => {
    const path = tempDb();
    openStore(path).close();
    const lock = await holdLock(path, `BEGIN IMMEDIATE; INSERT INTO settings (key, value, updated_at) VALUES ('other', '1', 0);`);
    const store = openStore(path, { busyTimeoutMs: 150 });
    try {
      // Reads still work in WAL mode while another process writes.
      expect(store.documents.count()).toBe(0);
      const entries = Array.from({ length: 20 }, (_, i) => [conceptHash(`s${i}`), new Float32Array(8).fill(i)] as const);
      const err = catchErr(() => store.concepts.putMany('space', 'eng_Latn', entries));
      expect(err).toBeInstanceOf(DatabaseLockedError);
      expect(err).toMatchObject({ code: 'DB_LOCKED', path });
      expect((err as Error).message).toMatch(/locked by another process.*Close other Concept Studio windows/);
      expect(catchErr(() => store.documents.insert({ title: 't', text: 'x', type: 'txt' }))).toMatchObject({ code: 'DB_LOCKED' });
      expect(catchErr(() => store.settings.set('k', 1))).toMatchObject({ code: 'DB_LOCKED' });
    } finally {
      await lock.release();
    }
    try {
      // Nothing half-written: the failed batch left no rows, the other process's rolled-back write is gone too,
      // and the store is usable again.
      expect(store.concepts.count()).toBe(0);
      expect(store.concepts.dimension('space')).toBeUndefined();
      expect(store.settings.all()).toEqual({});
      store.settings.set('k', 2);
      expect(store.settings.get('k')).toBe(2);
    } finally {
      store.close();
    }
  });

  it('opening a database another process holds in exclusive locking mode fails with DB_LOCKED', async () => {
    const path = tempDb();
    openStore(path).close();
    const lock = await holdLock(path, `PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; INSERT INTO settings (key, value, updated_at) VALUES ('x', '1', 0);`);
    try {
      const err = catchErr(() => openStore(path, { busyTimeoutMs: 150 }));
      expect(err).toBeInstanceOf(DatabaseLockedError);
      expect((err as StoreError).code).toBe('DB_LOCKED');
    } finally {
      await lock.release();
    }
    const store = openStore(path);
    expect(store.settings.all()).toEqual({});
    store.close();
  });

  it('waits for a short lock within the busy timeout instead of failing', async () => {
    const path = tempDb();
    openStore(path).close();
    const lock = await holdLock(path, 'BEGIN IMMEDIATE;', 300);
    const store = openStore(path, { busyTimeoutMs: 20_000 });
    try {
      // Synchronous call: it blocks this thread while SQLite retries; the child releases its lock after 300 ms.
      store.settings.set('k', 'v');
      expect(store.settings.get('k')).toBe('v');
    } finally {
      await lock.release();
      store.close();
    }
  });
});

describe('read-only database', () => {
  it('a store opened read-only reads, and refuses writes with DB_READONLY', () => {
    const path = tempDb();
    const w = openStore(path);
    w.documents.insert({ title: 't', text: 'Some text.', type: 'txt' });
    w.close();
    const r = openStore(path, { readonly: true });
    try {
      expect(r.documents.count()).toBe(1);
      const err = catchErr(() => r.documents.insert({ title: 'u', text: 'Other text.', type: 'txt' }));
      expect(err).toBeInstanceOf(DatabaseReadOnlyError);
      expect((err as Error).message).toMatch(/cannot be written.*permissions/);
    } finally {
      r.close();
    }
    expect(catchErr(() => openStore(tempDb('absent.db'), { readonly: true }))).toMatchObject({ code: 'DB_CANT_OPEN' });
  });

  it('a read-only opening of an un-migrated database says so instead of failing later', () => {
    const path = tempDb();
    new Database(path).close(); // empty file, schema version 0
    expect(catchErr(() => openStore(path, { readonly: true }))).toMatchObject({ code: 'DB_READONLY' });
  });

  it.skipIf(process.getuid?.() === 0)('a file without write permission gives DB_READONLY', () => {
    const path = tempDb();
    openStore(path).close();
    chmodSync(path, 0o444);
    const err = catchErr(() => {
      const s = openStore(path);
      try {
        s.settings.set('k', 1);
      } finally {
        s.close();
      }
    });
    expect(err).toMatchObject({ code: 'DB_READONLY' });
  });

  it('a path that is a folder gives DB_CANT_OPEN', () => {
    expect(catchErr(() => openStore(tempDir()))).toMatchObject({ code: 'DB_CANT_OPEN' });
  });
});

describe('corrupt database', () => {
  it('a file that is not SQLite gives DB_CORRUPT and is left untouched', () => {
    const path = tempDb('notes.db');
    const content = Buffer.from('These are my notes, not a database.\n'.repeat(200));
    writeFileSync(path, content);
    const err = catchErr(() => openStore(path));
    expect(err).toBeInstanceOf(DatabaseCorruptError);
    expect((err as Error).message).toMatch(/not a valid Concept Studio database.*left unchanged/);
    expect(readFileSync(path).equals(content)).toBe(true);
    expect(existsSync(path + '-wal')).toBe(false);
  });

  it('an SQLite file of another program gives DB_CORRUPT and is left untouched', () => {
    const path = tempDb('other.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE documents (x TEXT); INSERT INTO documents VALUES (1)');
    db.close();
    const before = readFileSync(path);
    expect(catchErr(() => openStore(path))).toMatchObject({ code: 'DB_CORRUPT' });
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('a damaged database gives DB_CORRUPT (on open with verify, or on the first query touching the damage)', () => {
    const path = tempDb();
    const s = openStore(path);
    for (let i = 0; i < 300; i++) s.documents.insert({ title: `d${i}`, text: `Document number ${i}. `.repeat(50), type: 'txt' });
    s.checkpoint();
    s.close();
    const buf = readFileSync(path);
    const pageSize = buf.readUInt16BE(16);
    // Overwrite everything after the first two pages with garbage (the schema page stays readable).
    for (let i = pageSize * 2; i < buf.length; i++) buf[i] = (i * 131) & 0xff;
    writeFileSync(path, buf);
    expect(catchErr(() => openStore(path, { verify: true }))).toMatchObject({ code: 'DB_CORRUPT' });
    const store = openStore(path);
    try {
      const err = catchErr(() => {
        store.documents.list();
        for (let i = 1; i <= 300; i++) store.documents.get(i);
      });
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('DB_CORRUPT');
      expect(store.check().ok).toBe(false);
    } finally {
      store.close();
    }
  });
});
