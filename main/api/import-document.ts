/**
 * One import from bytes to stored rows: prepare (engine/import/prepare.ts: decode, detect, segment, per-paragraph
 * languages), then the document and its sentences in one write transaction. It runs on whichever thread holds the
 * store connection it is given: the service's own for small inputs, the import thread's (api/import-thread.ts) for
 * large ones, so that neither the CPU work nor the write of tens of thousands of sentence rows holds the thread that
 * answers the API (issue 11, defect 1).
 */
import { ApiError } from './contract.js';
import { duplicateLanguageWarning } from './source-language.js';
import { prepareDocument } from '../engine/import/prepare.js';
import type { Store } from '../store/index.js';

export interface ImportInput {
  bytes: Uint8Array;
  name: string;
  /** pasted text (not a file): stored as type 'paste' unless its name says markdown or HTML */
  pasted: boolean;
  /** the language the user gave (wins over detection), or null */
  language: string | null;
  maxTextBytes: number;
}

export interface StoredImport {
  documentId: number;
  duplicate: boolean;
  warnings: string[];
}

export async function importAndStore(store: Store, inp: ImportInput): Promise<StoredImport> {
  const { name, pasted, language: explicitLang } = inp;
  const seg = await prepareDocument(inp.bytes, name, {
    maxTextBytes: inp.maxTextBytes, language: explicitLang,
    ...(pasted && !/\.(md|markdown|html?|txt)$/i.test(name) ? { type: 'txt' as const } : {}),
  });
  const { imported, langs } = seg;
  if (seg.sentences.length === 0) throw new ApiError('IMPORT_EMPTY', `${name} contains no sentences.`);
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
    // a stored document is never rewritten by a later import (source-language.ts)
    if (!ins.duplicate) store.sentences.replace(ins.document.id, seg.sentences.map((s, i) => ({ ...s, language: langs[i] })));
    return ins;
  });
  if (res.duplicate) {
    const langWarning = duplicateLanguageWarning(res.document, explicitLang);
    if (langWarning) warnings.push(langWarning);
    warnings.push(`The same text was imported before as "${res.document.title}" (document ${res.document.id}).`);
  }
  return { documentId: res.document.id, duplicate: res.duplicate, warnings };
}
