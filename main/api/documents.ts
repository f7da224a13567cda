/**
 * Documents: import (decode, detect, segment — off this thread for large inputs), list, view, delete, restore.
 * A stored document is never rewritten by a later import of the same text (source-language.ts).
 */
import type { DocumentSummary, DocumentView, ImportRequest, ImportResult, LangCode } from './contract.js';
import { apiError } from './errors.js';
import { guarded, iso, requireLang, type ServiceContext } from './context.js';
import { duplicateLanguageWarning } from './source-language.js';
import type { DocumentRecord } from '../store/documents.js';
import { DEFAULT_MAX_TEXT_BYTES } from '../engine/import/index.js';
import { ImportPreparer } from '../engine/import/prepare-thread.js';

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
  const preparer = new ImportPreparer();
  const maxTextBytes = ctx.opts.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES;
  return {
    preparer,

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
      // decoding, detection and segmentation: off this thread for large inputs (engine/import/prepare-thread.ts)
      const seg = await preparer.prepare(buf, name, {
        maxTextBytes, language: explicitLang, ...(pasted && !/\.(md|markdown|html?|txt)$/i.test(name) ? { type: 'txt' as const } : {}),
      });
      const { imported, langs } = seg;
      if (seg.sentences.length === 0) throw apiError('IMPORT_EMPTY', `${name} contains no sentences.`);
      const warnings = [...imported.warnings];
      if (!seg.language) warnings.push('The language could not be detected; English is assumed. Pick the language to correct it.');
      else if (!explicitLang && seg.confidence < 0.5) warnings.push(`The language was detected as ${seg.language} with low confidence (${seg.confidence}).`);
      const res = store.transaction(() => {
        const ins = store.documents.insert({
          title: imported.title,
          text: imported.text,
          type: pasted && !/\.(md|markdown|html?)$/i.test(name) ? 'paste' : imported.type,
          source: pasted ? null : name,
          language: seg.language,
          languageConfidence: seg.confidence,
        });
        const rows = seg.sentences.map((s, i) => ({ ...s, language: langs[i] }));
        if (!ins.duplicate) store.sentences.replace(ins.document.id, rows);
        return ins;
      });
      const langWarning = res.duplicate ? duplicateLanguageWarning(res.document, explicitLang) : null;
      if (langWarning) warnings.push(langWarning);
      if (res.duplicate) warnings.push(`The same text was imported before as "${res.document.title}" (document ${res.document.id}).`);
      return { document: summary(ctx, res.document, res.document.text.length), duplicate: res.duplicate, warnings } satisfies ImportResult;
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
