/**
 * Sentences of a document, as the segmenter produced them: index, paragraph, character offsets into the document's
 * text (UTF-16 code units, end exclusive), text and language. `replace` swaps a document's whole segmentation in one
 * transaction (re-segmenting with other settings never leaves a mix).
 */
import { NotFoundError, StoreError } from './errors.js';
import { guard, writeTransaction, type StoreContext } from './context.js';

export interface SentenceRecord {
  idx: number;
  paragraph: number;
  start: number;
  end: number;
  text: string;
  language: string | null;
}

export type NewSentence = Omit<SentenceRecord, 'idx' | 'language'> & { idx?: number; language?: string | null };

export interface SentencesRepo {
  /** Replace all sentences of a document (idx defaults to the position in the array). */
  replace(documentId: number, sentences: readonly NewSentence[]): void;
  list(documentId: number): SentenceRecord[];
  count(documentId: number): number;
  clear(documentId: number): number;
}

interface Row {
  idx: number;
  paragraph: number;
  start_offset: number;
  end_offset: number;
  text: string;
  language: string | null;
}

export function sentencesRepo(ctx: StoreContext): SentencesRepo {
  const { db, path } = ctx;
  const stmts = {
    docExists: db.prepare('SELECT 1 FROM documents WHERE id = ?').pluck(),
    clear: db.prepare('DELETE FROM sentences WHERE document_id = ?'),
    insert: db.prepare(`INSERT INTO sentences (document_id, idx, paragraph, start_offset, end_offset, text, language)
      VALUES (?, ?, ?, ?, ?, ?, ?)`),
    list: db.prepare(`SELECT idx, paragraph, start_offset, end_offset, text, language FROM sentences
      WHERE document_id = ? ORDER BY idx`),
    count: db.prepare('SELECT count(*) FROM sentences WHERE document_id = ?').pluck(),
  };
  return {
    replace(documentId, sentences) {
      sentences.forEach((s, i) => {
        const ok = Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.end >= s.start &&
          Number.isInteger(s.paragraph) && typeof s.text === 'string';
        if (!ok) throw new StoreError('INVALID_ARGUMENT', `Sentence ${i} has invalid offsets, paragraph or text`, path);
      });
      writeTransaction(ctx, () => {
        if (!stmts.docExists.get(documentId)) throw new NotFoundError('document', documentId, path);
        stmts.clear.run(documentId);
        sentences.forEach((s, i) =>
          stmts.insert.run(documentId, s.idx ?? i, s.paragraph, s.start, s.end, s.text, s.language ?? null));
      });
    },
    list(documentId) {
      return guard(ctx, () =>
        (stmts.list.all(documentId) as Row[]).map((r) => ({
          idx: r.idx,
          paragraph: r.paragraph,
          start: r.start_offset,
          end: r.end_offset,
          text: r.text,
          language: r.language,
        })));
    },
    count(documentId) {
      return guard(ctx, () => stmts.count.get(documentId) as number);
    },
    clear(documentId) {
      return writeTransaction(ctx, () => stmts.clear.run(documentId).changes);
    },
  };
}
