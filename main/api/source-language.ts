/**
 * The language a run reads its source in. Importing a text that is already stored, with another language given
 * (`concept summarize a.txt --from deu_Latn`), used to re-segment and relabel the stored document for every user of
 * the database (issue 11). Now the stored document is never changed by a later import: the import warns, and the
 * language applies to the run that asked for it (RunRequest.sourceLang), recorded with the run's parameters.
 */
import type { LangCode } from './contract.js';

/** Each source sentence's language for a run: the override for all, else the stored per-sentence language. */
export function runLanguages(stored: (LangCode | null)[], docLang: LangCode, override?: LangCode | null): LangCode[] {
  return stored.map((l) => override ?? l ?? docLang);
}

/** The warning for an import of an already-stored text with another explicit language (null when they agree). */
export function duplicateLanguageWarning(doc: { id: number; title: string; language: string | null }, explicit: LangCode | null): string | null {
  if (!explicit || doc.language === explicit) return null;
  return `This text is stored already as document ${doc.id} ("${doc.title}") in ${doc.language ?? 'an undetected language'}; ` +
    `it stays so for everyone using this database. Runs that ask for ${explicit} read it in ${explicit} ` +
    '(sourceLang in the run request; the CLI passes --from).';
}
