/**
 * The store on real SQLite files: WAL + foreign keys, migrations, documents (duplicates, soft delete/undo/purge),
 * sentences, runs and settings.
 */
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LATEST_VERSION, MIGRATIONS, StoreError, openStore, type Migration } from '../../../main/store/index.js';
import { cleanup, tempDb, tempDir } from './helpers.js';

afterAll(cleanup);

const TEXT = 'All human beings are born free and equal in dignity and rights. They are endowed with reason.';

describe('opening', () => {
  it('creates the file (and its folder) in WAL mode with foreign keys on and a busy timeout', () => {
    const path = join(tempDir(), 'nested', 'deeper', 'studio.db');
    const store = openStore(path, { busyTimeoutMs: 1234 });
    try {
      expect(existsSync(path)).toBe(true);
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(store.db.pragma('busy_timeout', { simple: true })).toBe(1234);
      expect(store.schemaVersion()).toBe(LATEST_VERSION);
      expect(store.check()).toEqual({ ok: true, problems: [] });
    } finally {
      store.close();
    }
  });

  it('records every migration in schema_version and user_version, and re-opening applies nothing twice', () => {
    const path = tempDb();
    openStore(path).close();
    openStore(path).close();
    const db = new Database(path, { readonly: true });
    try {
      const rows = db.prepare('SELECT version, name FROM schema_version ORDER BY version').all() as { version: number }[];
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name`).pluck().all();
      expect(tables).toEqual(expect.arrayContaining(['documents', 'sentences', 'concepts', 'concept_spaces', 'runs', 'settings', 'schema_version']));
    } finally {
      db.close();
    }
  });

  it('applies a new migration on top of existing data, in order', () => {
    const path = tempDb();
    const s1 = openStore(path);
    s1.documents.insert({ title: 't', text: TEXT, type: 'txt' });
    s1.close();
    const extra: Migration[] = [
      ...MIGRATIONS,
      { version: LATEST_VERSION + 1, name: 'add notes', up: (db) => db.exec('ALTER TABLE documents ADD COLUMN notes TEXT') },
    ];
    const s2 = openStore(path, { migrations: extra });
    try {
      expect(s2.schemaVersion()).toBe(LATEST_VERSION + 1);
      expect(s2.documents.count()).toBe(1);
      const cols = s2.db.prepare(`SELECT name FROM pragma_table_info('documents')`).pluck().all();
      expect(cols).toContain('notes');
    } finally {
      s2.close();
    }
  });

  it('a failing migration is rolled back as a whole: the file stays at the previous version', () => {
    const path = tempDb();
    openStore(path).close();
    const bad: Migration[] = [
      ...MIGRATIONS,
      {
        version: LATEST_VERSION + 1,
        name: 'half-done',
        up: (db) => {
          db.exec('CREATE TABLE half (x INTEGER)');
          db.exec('THIS IS NOT SQL');
        },
      },
    ];
    let err: unknown;
    try {
      openStore(path, { migrations: bad });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('DB_MIGRATION_FAILED');
    const s = openStore(path);
    try {
      expect(s.schemaVersion()).toBe(LATEST_VERSION);
      expect(s.db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name = 'half'`).pluck().get()).toBe(0);
    } finally {
      s.close();
    }
  });

  it('refuses a database written by a newer version', () => {
    const path = tempDb();
    openStore(path).close();
    const db = new Database(path);
    db.pragma('journal_mode = DELETE');
    db.pragma(`user_version = ${LATEST_VERSION + 5}`);
    db.close();
    expect(() => openStore(path)).toThrow(expect.objectContaining({ code: 'DB_SCHEMA_TOO_NEW' }));
    // Refused before anything was written: the journal mode was not switched back to WAL.
    const check = new Database(path, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    check.close();
  });
});

describe('documents', () => {
  it('inserts, gets and lists; the same content twice returns the existing document with duplicate: true', () => {
    const store = openStore(tempDb());
    try {
      const a = store.documents.insert({ title: 'UDHR', text: TEXT, type: 'txt', source: '/tmp/udhr.txt', language: 'eng_Latn', languageConfidence: 0.97 });
      expect(a.duplicate).toBe(false);
      expect(a.document).toMatchObject({ title: 'UDHR', type: 'txt', source: '/tmp/udhr.txt', language: 'eng_Latn', languageConfidence: 0.97, deletedAt: null });
      expect(a.document.sha256).toMatch(/^[0-9a-f]{64}$/);
      const b = store.documents.insert({ title: 'another name', text: TEXT, type: 'md', source: '/elsewhere.md' });
      expect(b.duplicate).toBe(true);
      expect(b.document.id).toBe(a.document.id);
      expect(b.document.title).toBe('UDHR');
      expect(store.documents.count()).toBe(1);
      const c = store.documents.insert({ title: 'other', text: TEXT + ' More.', type: 'txt' });
      expect(c.duplicate).toBe(false);
      const list = store.documents.list();
      expect(list.map((d) => d.id)).toEqual([c.document.id, a.document.id].sort((x, y) => y - x));
      expect(list.find((d) => d.id === a.document.id)!.textLength).toBe(TEXT.length);
      expect('text' in list[0]!).toBe(false);
      expect(store.documents.findByText(TEXT)!.id).toBe(a.document.id);
      store.documents.rename(a.document.id, 'Renamed');
      store.documents.setLanguage(a.document.id, 'fra_Latn', 0.5);
      expect(store.documents.get(a.document.id)).toMatchObject({ title: 'Renamed', language: 'fra_Latn', languageConfidence: 0.5 });
      expect(() => store.documents.rename(9999, 'x')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
      expect(() => store.documents.insert({ title: 'e', text: '', type: 'txt' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    } finally {
      store.close();
    }
  });

  it('soft delete hides a document, undo restores it, purge removes it with its sentences and runs', () => {
    const store = openStore(tempDb());
    try {
      const { document: d } = store.documents.insert({ title: 'd', text: TEXT, type: 'txt' });
      store.sentences.replace(d.id, [
        { paragraph: 0, start: 0, end: 63, text: TEXT.slice(0, 63) },
        { paragraph: 0, start: 64, end: TEXT.length, text: TEXT.slice(64) },
      ]);
      store.runs.create({ documentId: d.id, task: 'summarize', status: 'done', output: { sentences: [0] } });

      expect(store.documents.softDelete(d.id)).toBe(true);
      expect(store.documents.softDelete(d.id)).toBe(false);
      expect(store.documents.get(d.id)).toBeUndefined();
      expect(store.documents.get(d.id, { includeDeleted: true })!.deletedAt).toBeTypeOf('number');
      expect(store.documents.list()).toHaveLength(0);
      expect(store.documents.list({ onlyDeleted: true }).map((x) => x.id)).toEqual([d.id]);
      expect(store.sentences.count(d.id)).toBe(2); // soft delete keeps everything for undo

      expect(store.documents.restore(d.id)).toBe(true);
      expect(store.documents.restore(d.id)).toBe(false);
      expect(store.documents.get(d.id)!.deletedAt).toBeNull();

      // Importing the content of a deleted document brings it back.
      store.documents.softDelete(d.id);
      const again = store.documents.insert({ title: 'd2', text: TEXT, type: 'txt' });
      expect(again).toMatchObject({ duplicate: true, restored: true });
      expect(again.document.deletedAt).toBeNull();

      store.documents.softDelete(d.id);
      expect(store.documents.purgeDeleted({ olderThan: 0 })).toBe(0); // deleted after the cut-off: kept
      expect(store.documents.purgeDeleted()).toBe(1);
      expect(store.documents.get(d.id, { includeDeleted: true })).toBeUndefined();
      expect(store.sentences.count(d.id)).toBe(0);
      expect(store.runs.list({ documentId: d.id })).toHaveLength(0);
    } finally {
      store.close();
    }
  });
});

describe('sentences', () => {
  it('replace swaps the whole segmentation; offsets, paragraphs and languages round-trip', () => {
    const store = openStore(tempDb());
    try {
      const { document: d } = store.documents.insert({ title: 'd', text: TEXT, type: 'txt' });
      store.sentences.replace(d.id, [{ paragraph: 0, start: 0, end: TEXT.length, text: TEXT }]);
      const s = [
        { paragraph: 0, start: 0, end: 63, text: TEXT.slice(0, 63), language: 'eng_Latn' },
        { paragraph: 1, start: 64, end: TEXT.length, text: TEXT.slice(64) },
      ];
      store.sentences.replace(d.id, s);
      expect(store.sentences.list(d.id)).toEqual([
        { idx: 0, ...s[0] },
        { idx: 1, ...s[1], language: null },
      ]);
      expect(() => store.sentences.replace(424242, s)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
      expect(() => store.sentences.replace(d.id, [{ paragraph: 0, start: 5, end: 2, text: 'x' }]))
        .toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      // A failing replace leaves the previous sentences (duplicate idx violates the primary key mid-way).
      expect(() => store.sentences.replace(d.id, [
        { idx: 0, paragraph: 0, start: 0, end: 1, text: 'A' },
        { idx: 0, paragraph: 0, start: 1, end: 2, text: 'B' },
      ])).toThrow(StoreError);
      expect(store.sentences.count(d.id)).toBe(2);
      expect(store.sentences.list(d.id)[1]!.text).toBe(s[1]!.text);
    } finally {
      store.close();
    }
  });
});

describe('runs', () => {
  it('create → finish, JSON fields, parent runs, listing by document and task', () => {
    const store = openStore(tempDb());
    try {
      const { document: d } = store.documents.insert({ title: 'd', text: TEXT, type: 'txt' });
      const r = store.runs.create({
        documentId: d.id,
        task: 'summarize',
        parameters: { to: 'deu_Latn', ratio: 0.3 },
        packVersions: { sonar: 'mini-1.0' },
      });
      expect(r).toMatchObject({ status: 'running', output: null, finishedAt: null, parentRunId: null });
      const done = store.runs.finish(r.id, { status: 'done', output: { text: 'Alle Menschen…' }, timings: { encode: 12.5, decode: 40 } });
      expect(done).toMatchObject({
        status: 'done',
        parameters: { to: 'deu_Latn', ratio: 0.3 },
        output: { text: 'Alle Menschen…' },
        timings: { encode: 12.5, decode: 40 },
        packVersions: { sonar: 'mini-1.0' },
      });
      expect(done.finishedAt).toBeTypeOf('number');
      const child = store.runs.create({ documentId: d.id, task: 'summarize', parentRunId: r.id, parameters: { to: 'fra_Latn' } });
      const failed = store.runs.finish(child.id, { status: 'failed', error: { code: 'PACK_MISSING', message: 'no pack' } });
      expect(failed.error).toEqual({ code: 'PACK_MISSING', message: 'no pack' });
      store.runs.create({ task: 'translate', status: 'done', output: 'Bonjour' });
      expect(store.runs.children(r.id).map((x) => x.id)).toEqual([child.id]);
      expect(store.runs.list({ documentId: d.id })).toHaveLength(2);
      expect(store.runs.list({ task: 'translate' })).toHaveLength(1);
      expect(store.runs.list()).toHaveLength(3);
      expect(() => store.runs.finish(9999, { status: 'done' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
      expect(() => store.runs.create({ task: 'x', documentId: 9999 })).toThrow(StoreError); // foreign key
      expect(store.runs.delete(r.id)).toBe(true);
      expect(store.runs.get(child.id)!.parentRunId).toBeNull();
    } finally {
      store.close();
    }
  });
});

describe('settings', () => {
  it('stores JSON values by key and survives re-opening', () => {
    const path = tempDb();
    const s = openStore(path);
    s.settings.set('ui.theme', 'dark');
    s.settings.set('engine', { threads: 4, providers: ['cpu'] });
    s.settings.set('ui.theme', 'light');
    s.close();
    const t = openStore(path);
    try {
      expect(t.settings.get('ui.theme')).toBe('light');
      expect(t.settings.get('engine')).toEqual({ threads: 4, providers: ['cpu'] });
      expect(t.settings.get('missing')).toBeUndefined();
      expect(t.settings.get('missing', 7)).toBe(7);
      expect(t.settings.all()).toEqual({ engine: { threads: 4, providers: ['cpu'] }, 'ui.theme': 'light' });
      expect(t.settings.delete('ui.theme')).toBe(true);
      expect(t.settings.get('ui.theme')).toBeUndefined();
    } finally {
      t.close();
    }
  });

  it('store.transaction groups repository calls: all or nothing', () => {
    const store = openStore(tempDb());
    try {
      expect(() => store.transaction(() => {
        store.settings.set('a', 1);
        store.documents.insert({ title: 'x', text: 'some text', type: 'txt' });
        throw new Error('abort');
      })).toThrow('abort');
      expect(store.settings.get('a')).toBeUndefined();
      expect(store.documents.count()).toBe(0);
    } finally {
      store.close();
    }
  });
});

describe('lifecycle', () => {
  it('works in memory, and using a closed store gives DB_CLOSED', () => {
    const mem = openStore(':memory:');
    mem.documents.insert({ title: 'm', text: 'In memory.', type: 'paste' });
    expect(mem.documents.count()).toBe(1);
    mem.close();
    mem.close(); // idempotent
    expect(() => mem.documents.count()).toThrow(expect.objectContaining({ code: 'DB_CLOSED' }));
  });

  it('accepts an importer result as a new document', () => {
    const store = openStore(tempDb());
    try {
      const imported = { title: 'Report', type: 'pdf', text: 'Text of the report.', warnings: [], source: '/tmp/report.pdf', bytes: 1234 };
      const { document } = store.documents.insert(imported);
      expect(document).toMatchObject({ title: 'Report', type: 'pdf', source: '/tmp/report.pdf' });
    } finally {
      store.close();
    }
  });
});
