/**
 * Documents: import (any supported file or pasted text → text, sentences, a language per sentence), list, view,
 * soft delete and restore. The text is segmented once, at import; runs read the stored sentences.
 */
import { importBuffer, DEFAULT_MAX_TEXT_BYTES } from '../engine/import/index.js';
import { segment } from '../engine/text/segmenter.js';
import type { DocumentRecord } from '../store/documents.js';
import type { Store } from '../store/index.js';
import type { ConceptApi, DocumentSummary, DocumentView, ImportRequest, ImportResult, LangCode } from './contract.js';
import { apiError, toApiError } from './errors.js';
import { detectLanguage, requireLang } from './languages.js';
import type { ServiceOptions } from './options.js';

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function segmentText(text: string, lang?: LangCode | null) {
  const det = lang ? { lang, confidence: 1 } : detectLanguage(text);
  const language = det?.lang ?? null;
  const sents = segment(text, { lang: language ?? undefined });
  return {
    sentences: sents.map((s, idx) => ({ idx, paragraph: s.paragraph, start: s.start, end: s.end, text: s.text })),
    language,
    confidence: det?.confidence ?? 0,
  };
}

/** Sentence languages: per paragraph for mixed documents (confident, different from the document's). */
export function sentenceLanguages(text: string, sents: { paragraph: number; start: number; end: number }[], docLang: LangCode | null, explicit: boolean): (LangCode | null)[] {
  if (explicit || !docLang) return sents.map(() => docLang);
  const byPara = new Map<number, { start: number; end: number }>();
  for (const s of sents) {
    const p = byPara.get(s.paragraph);
    if (!p) byPara.set(s.paragraph, { start: s.start, end: s.end });
    else p.end = s.end;
  }
  const paraLang = new Map<number, LangCode>();
  if (byPara.size > 1) {
    for (const [p, span] of byPara) {
      const chunk = text.slice(span.start, span.end);
      if (chunk.length < 40) continue;
      const d = detectLanguage(chunk);
      if (d && d.lang !== docLang && d.confidence >= 0.6) paraLang.set(p, d.lang);
    }
  }
  return sents.map((s) => paraLang.get(s.paragraph) ?? docLang);
}

export type DocumentLookup = ReturnType<typeof documentLookup>;

/** A stored document by id (NOT_FOUND otherwise), and its summary as the API shows it. */
export function documentLookup(store: Store) {
  const getDoc = (id: number, includeDeleted = false): DocumentRecord => {
    if (!Number.isInteger(id)) throw apiError('INVALID_REQUEST', `A document id is a whole number, not ${JSON.stringify(id)}.`);
    const d = store.documents.get(id, { includeDeleted });
    if (!d) throw apiError('NOT_FOUND', `There is no document ${id}. \`listDocuments\` shows the documents there are.`);
    return d;
  };
  const summary = (d: { id: number; title: string; type: string; language: string | null; languageConfidence: number | null; createdAt: number }, chars: number): DocumentSummary => ({
    id: d.id,
    title: d.title,
    type: d.type,
    language: d.language,
    languageConfidence: d.languageConfidence ?? 0,
    chars,
    sentenceCount: store.sentences.count(d.id),
    createdAt: iso(d.createdAt),
  });
  return { getDoc, summary };
}

export function documentsApi(
  store: Store,
  opts: ServiceOptions,
): Pick<ConceptApi, 'listDocuments' | 'importDocument' | 'getDocument' | 'deleteDocument' | 'restoreDocument'> {
  const maxTextBytes = opts.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES;
  const { getDoc, summary } = documentLookup(store);
  return {
    async listDocuments(query) {
      try {
        const search = query?.search?.trim().toLowerCase();
        let rows = store.documents.list();
        if (search) {
          const ids = new Set(
            (store.db.prepare(`SELECT id FROM documents WHERE deleted_at IS NULL AND (instr(lower(title), ?) > 0 OR instr(lower(text), ?) > 0)`)
              .pluck().all(search, search) as number[]),
          );
          rows = rows.filter((r) => ids.has(r.id));
        }
        return rows.map((r) => summary(r, r.textLength));
      } catch (e) {
        throw toApiError(e);
      }
    },

    async importDocument(req: ImportRequest & { language?: LangCode | null }) {
      try {
        if (!req || typeof req !== 'object' || typeof req.name !== 'string') {
          throw apiError('INVALID_REQUEST', 'importDocument needs {name, text} or {name, bytesBase64}.');
        }
        const explicitLang = req.language ?? null;
        if (explicitLang !== null) requireLang(explicitLang, 'source language');
        let buf: Buffer;
        let pasted = false;
        if (typeof req.text === 'string') {
          buf = Buffer.from(req.text, 'utf8');
          pasted = true;
        } else if (typeof req.bytesBase64 === 'string') {
          buf = Buffer.from(req.bytesBase64, 'base64');
        } else {
          throw apiError('INVALID_REQUEST', 'importDocument needs text or bytesBase64.');
        }
        const name = req.name || 'Pasted text';
        const imported = await importBuffer(buf, name, { maxTextBytes, ...(pasted && !/\.(md|markdown|html?|txt)$/i.test(name) ? { type: 'txt' as const } : {}) });
        const text = imported.text;
        const seg = segmentText(text, explicitLang);
        if (seg.sentences.length === 0) throw apiError('IMPORT_EMPTY', `${name} contains no sentences.`);
        const langs = sentenceLanguages(text, seg.sentences, seg.language, explicitLang !== null);
        const warnings = [...imported.warnings];
        if (!seg.language) warnings.push('The language could not be detected; English is assumed. Pick the language to correct it.');
        else if (!explicitLang && seg.confidence < 0.5) warnings.push(`The language was detected as ${seg.language} with low confidence (${seg.confidence}).`);
        const res = store.transaction(() => {
          const ins = store.documents.insert({
            title: imported.title,
            text,
            type: pasted && !/\.(md|markdown|html?)$/i.test(name) ? 'paste' : imported.type,
            source: pasted ? null : name,
            language: seg.language,
            languageConfidence: seg.confidence,
          });
          const rows = seg.sentences.map((s, i) => ({ ...s, language: langs[i] }));
          if (!ins.duplicate) {
            store.sentences.replace(ins.document.id, rows);
          } else if (explicitLang && ins.document.language !== explicitLang) {
            // an explicit language always wins: re-segment the stored document with it
            store.documents.setLanguage(ins.document.id, explicitLang, 1);
            store.sentences.replace(ins.document.id, rows);
            ins.document.language = explicitLang;
            ins.document.languageConfidence = 1;
          }
          return ins;
        });
        if (res.duplicate) warnings.push(`The same text was imported before as "${res.document.title}" (document ${res.document.id}).`);
        return { document: summary(res.document, res.document.text.length), duplicate: res.duplicate, warnings } satisfies ImportResult;
      } catch (e) {
        throw toApiError(e);
      }
    },

    async getDocument(id): Promise<DocumentView> {
      try {
        const d = getDoc(id);
        const sentences = store.sentences.list(id);
        return { ...summary(d, d.text.length), text: d.text, sentences };
      } catch (e) {
        throw toApiError(e);
      }
    },

    async deleteDocument(id) {
      try {
        getDoc(id);
        store.documents.softDelete(id);
      } catch (e) {
        throw toApiError(e);
      }
    },

    async restoreDocument(id) {
      try {
        const d = getDoc(id, true);
        if (d.deletedAt === null) return;
        store.documents.restore(id);
      } catch (e) {
        throw toApiError(e);
      }
    },
  };
}
