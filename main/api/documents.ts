/**
 * Documents: import (decode, detect, segment and store — in a worker thread for large inputs: import-thread.ts,
 * import-document.ts), list, view, delete, restore. A stored document is never rewritten by a later import of the same
 * text (source-language.ts).
 */
import type { DocumentSummary, DocumentView, ImportRequest, ImportResult, LangCode } from './contract.js';
import { apiError } from './errors.js';
import { guarded, iso, requireLang, type ServiceContext } from './context.js';
import type { DocumentRecord } from '../store/documents.js';
import { DEFAULT_MAX_TEXT_BYTES } from '../engine/import/index.js';
import { Importer } from './import-thread.js';

type DocumentRow = Pick<DocumentRecord, 'id' | 'title' | 'type' | 'language' | 'languageConfidence' | 'createdAt'>;

/** Look a document up by id (NOT_FOUND in the user's words). */
export function getDocument(ctx: ServiceContext, id: number, includeDeleted = false): DocumentRecord {
  if (!Number.isInteger(id)) throw apiError('INVALID_REQUEST', `A document id is a whole number, not ${JSON.stringify(id)}.`);
  const d = ctx.store.documents.get(id, { includeDeleted });
  if (!d) throw apiError('NOT_FOUND', `There is no document ${id}. \`listDocuments\` shows the documents there are.`);
  return d;
}

function summary(ctx: ServiceContext, d: DocumentRow, chars: number): DocumentSummary {
  return {
    id: d.id,
    title: d.title,
    type: d.type,
    language: d.language,
    languageConfidence: d.languageConfidence ?? 0,
    chars,
    sentenceCount: ctx.store.sentences.count(d.id),
    createdAt: iso(d.createdAt),
  };
}

/** The bytes of an import request, and whether they were pasted text (vs a file's bytes). */
function requestBytes(req: ImportRequest): { buf: Buffer; pasted: boolean } {
  if (typeof req.text === 'string') return { buf: Buffer.from(req.text, 'utf8'), pasted: true };
  if (typeof req.bytesBase64 === 'string') return { buf: Buffer.from(req.bytesBase64, 'base64'), pasted: false };
  throw apiError('INVALID_REQUEST', 'importDocument needs text or bytesBase64.');
}

export function documentsApi(ctx: ServiceContext) {
  const store = ctx.store;
  const importer = new Importer(store, ctx.opts.inlineImportMaxBytes);
  const maxTextBytes = ctx.opts.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES;
  return {
    importer,

    listDocuments: (query?: { search?: string } | null) => guarded(() => {
      const search = query?.search?.trim().toLowerCase();
      let rows = store.documents.list();
      if (search) {
        const ids = new Set(
          (store.db.prepare(`SELECT id FROM documents WHERE deleted_at IS NULL AND (instr(lower(title), ?) > 0 OR instr(lower(text), ?) > 0)`)
            .pluck().all(search, search) as number[]),
        );
        rows = rows.filter((r) => ids.has(r.id));
      }
      return rows.map((r) => summary(ctx, r, r.textLength));
    }),

    importDocument: (req: ImportRequest & { language?: LangCode | null }) => guarded(async () => {
      if (!req || typeof req !== 'object' || typeof req.name !== 'string') {
        throw apiError('INVALID_REQUEST', 'importDocument needs {name, text} or {name, bytesBase64}.');
      }
      const explicitLang = req.language ?? null;
      if (explicitLang !== null) requireLang(explicitLang, 'source language');
      const { buf, pasted } = requestBytes(req);
      const name = req.name || 'Pasted text';
      // decoding, detection, segmentation and the write: off this thread for large inputs (import-thread.ts)
      const res = await importer.run({ bytes: buf, name, pasted, language: explicitLang, maxTextBytes });
      const doc = getDocument(ctx, res.documentId);
      return { document: summary(ctx, doc, doc.text.length), duplicate: res.duplicate, warnings: res.warnings } satisfies ImportResult;
    }),

    getDocument: (id: number) => guarded((): DocumentView => {
      const d = getDocument(ctx, id);
      const sentences = store.sentences.list(id);
      return { ...summary(ctx, d, d.text.length), text: d.text, sentences };
    }),

    deleteDocument: (id: number) => guarded(() => {
      getDocument(ctx, id);
      store.documents.softDelete(id);
    }),

    restoreDocument: (id: number) => guarded(() => {
      const d = getDocument(ctx, id, true);
      if (d.deletedAt === null) return;
      store.documents.restore(id);
    }),
  };
}
