/**
 * Documents: imported or pasted texts. The sha256 of the text is UNIQUE, so importing the same content twice returns
 * the document already stored (`duplicate: true`). Deleting is soft (undoable with `restore`); `purge` removes rows
 * for good, together with their sentences and runs (ON DELETE CASCADE).
 */
import { NotFoundError, StoreError } from './errors.js';
import { guard, sha256Hex, writeTransaction, type StoreContext } from './context.js';

export interface DocumentRecord {
  id: number;
  title: string;
  source: string | null;
  type: string;
  text: string;
  language: string | null;
  languageConfidence: number | null;
  sha256: string;
  createdAt: number;
  deletedAt: number | null;
}

/** A document without its text (for lists). */
export type DocumentSummary = Omit<DocumentRecord, 'text'> & { textLength: number };

export interface NewDocument {
  title: string;
  text: string;
  type: string;
  source?: string | null;
  language?: string | null;
  languageConfidence?: number | null;
}

export interface InsertDocumentResult {
  document: DocumentRecord;
  /** true when a document with the same content already existed: nothing new was written. */
  duplicate: boolean;
  /** true when that existing document had been (soft-)deleted and was restored by this import. */
  restored: boolean;
}

export interface ListDocumentsOptions {
  includeDeleted?: boolean;
  /** only soft-deleted documents (the "trash") */
  onlyDeleted?: boolean;
  limit?: number;
  offset?: number;
}

export interface DocumentsRepo {
  /** Insert, or return the existing document with the same text (sha256). */
  insert(doc: NewDocument): InsertDocumentResult;
  get(id: number, opts?: { includeDeleted?: boolean }): DocumentRecord | undefined;
  /** Like get, but throws NOT_FOUND. */
  require(id: number, opts?: { includeDeleted?: boolean }): DocumentRecord;
  findByHash(sha256: string): DocumentRecord | undefined;
  findByText(text: string): DocumentRecord | undefined;
  list(opts?: ListDocumentsOptions): DocumentSummary[];
  count(opts?: { includeDeleted?: boolean }): number;
  rename(id: number, title: string): void;
  setLanguage(id: number, language: string | null, confidence: number | null): void;
  /** Soft delete. Returns false if there was no such live document. */
  softDelete(id: number): boolean;
  /** Undo a soft delete. Returns false if there was no such deleted document. */
  restore(id: number): boolean;
  /** Hard delete of one document (deleted or not), with its sentences and runs. */
  purge(id: number): boolean;
  /** Hard delete of the soft-deleted documents (deleted before `olderThan` ms since epoch, if given). Returns count. */
  purgeDeleted(opts?: { olderThan?: number }): number;
}

interface Row {
  id: number;
  title: string;
  source: string | null;
  type: string;
  text: string;
  language: string | null;
  language_confidence: number | null;
  sha256: string;
  created_at: number;
  deleted_at: number | null;
  text_length?: number;
}

function toRecord(r: Row): DocumentRecord {
  return {
    id: r.id,
    title: r.title,
    source: r.source,
    type: r.type,
    text: r.text,
    language: r.language,
    languageConfidence: r.language_confidence,
    sha256: r.sha256,
    createdAt: r.created_at,
    deletedAt: r.deleted_at,
  };
}

function toSummary(r: Row): DocumentSummary {
  const { text: _text, ...rest } = toRecord({ ...r, text: '' });
  return { ...rest, textLength: r.text_length ?? 0 };
}

function check(cond: unknown, message: string, path: string): asserts cond {
  if (!cond) throw new StoreError('INVALID_ARGUMENT', message, path);
}

function statements(db: StoreContext['db']) {
  const listSql = (where: string) =>
    db.prepare(`SELECT id, title, source, type, language, language_confidence, sha256, created_at, deleted_at,
      length(text) AS text_length FROM documents ${where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`);
  return {
    insert: db.prepare(`INSERT INTO documents (title, source, type, text, language, language_confidence, sha256, created_at)
      VALUES (@title, @source, @type, @text, @language, @languageConfidence, @sha256, @createdAt)`),
    get: db.prepare('SELECT * FROM documents WHERE id = ?'),
    byHash: db.prepare('SELECT * FROM documents WHERE sha256 = ?'),
    undelete: db.prepare('UPDATE documents SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL'),
    softDelete: db.prepare('UPDATE documents SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL'),
    rename: db.prepare('UPDATE documents SET title = ? WHERE id = ?'),
    setLanguage: db.prepare('UPDATE documents SET language = ?, language_confidence = ? WHERE id = ?'),
    purge: db.prepare('DELETE FROM documents WHERE id = ?'),
    purgeDeleted: db.prepare('DELETE FROM documents WHERE deleted_at IS NOT NULL AND deleted_at < ?'),
    countLive: db.prepare('SELECT count(*) FROM documents WHERE deleted_at IS NULL').pluck(),
    countAll: db.prepare('SELECT count(*) FROM documents').pluck(),
    lists: { live: listSql('WHERE deleted_at IS NULL'), all: listSql(''), deleted: listSql('WHERE deleted_at IS NOT NULL') },
  };
}

/** Insert a document, or return the stored one with the same text (restoring it when it was deleted). */
function insertDocument(ctx: StoreContext, stmts: ReturnType<typeof statements>, doc: Parameters<DocumentsRepo['insert']>[0]) {
  const { path } = ctx;
  check(typeof doc.text === 'string' && doc.text.length > 0, 'A document needs a non-empty text', path);
  check(typeof doc.title === 'string', 'A document needs a title', path);
  check(typeof doc.type === 'string' && doc.type.length > 0, 'A document needs a type', path);
  const sha256 = sha256Hex(doc.text);
  return writeTransaction(ctx, () => {
    const existing = stmts.byHash.get(sha256) as Row | undefined;
    if (existing) {
      const restored = existing.deleted_at != null;
      if (restored) stmts.undelete.run(existing.id);
      return { document: toRecord({ ...existing, deleted_at: null }), duplicate: true, restored };
    }
    const info = stmts.insert.run({
      title: doc.title,
      source: doc.source ?? null,
      type: doc.type,
      text: doc.text,
      language: doc.language ?? null,
      languageConfidence: doc.languageConfidence ?? null,
      sha256,
      createdAt: Date.now(),
    });
    const document = toRecord(stmts.get.get(Number(info.lastInsertRowid)) as Row);
    return { document, duplicate: false, restored: false };
  });
}

export function documentsRepo(ctx: StoreContext): DocumentsRepo {
  const { db, path } = ctx;
  const stmts = statements(db);
  const lists = stmts.lists;

  const get = (id: number, opts: { includeDeleted?: boolean } = {}) =>
    guard(ctx, () => {
      const row = stmts.get.get(id) as Row | undefined;
      if (!row || (row.deleted_at != null && !opts.includeDeleted)) return undefined;
      return toRecord(row);
    });

  return {
    insert: (doc) => insertDocument(ctx, stmts, doc),
    get,
    require(id, opts) {
      const d = get(id, opts);
      if (!d) throw new NotFoundError('document', id, path);
      return d;
    },
    findByHash(sha256) {
      return guard(ctx, () => {
        const row = stmts.byHash.get(sha256) as Row | undefined;
        return row ? toRecord(row) : undefined;
      });
    },
    findByText(text) {
      return this.findByHash(sha256Hex(text));
    },
    list(opts = {}) {
      const stmt = opts.onlyDeleted ? lists.deleted : opts.includeDeleted ? lists.all : lists.live;
      return guard(ctx, () => (stmt.all(opts.limit ?? -1, opts.offset ?? 0) as Row[]).map(toSummary));
    },
    count(opts = {}) {
      return guard(ctx, () => (opts.includeDeleted ? stmts.countAll : stmts.countLive).get() as number);
    },
    rename(id, title) {
      const info = writeTransaction(ctx, () => stmts.rename.run(title, id));
      if (info.changes === 0) throw new NotFoundError('document', id, path);
    },
    setLanguage(id, language, confidence) {
      const info = writeTransaction(ctx, () => stmts.setLanguage.run(language, confidence, id));
      if (info.changes === 0) throw new NotFoundError('document', id, path);
    },
    softDelete(id) {
      return writeTransaction(ctx, () => stmts.softDelete.run(Date.now(), id).changes > 0);
    },
    restore(id) {
      return writeTransaction(ctx, () => stmts.undelete.run(id).changes > 0);
    },
    purge(id) {
      return writeTransaction(ctx, () => stmts.purge.run(id).changes > 0);
    },
    purgeDeleted(opts = {}) {
      return writeTransaction(ctx, () => stmts.purgeDeleted.run(opts.olderThan ?? Number.MAX_SAFE_INTEGER).changes);
    },
  };
}
