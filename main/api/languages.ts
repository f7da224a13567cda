/**
 * Language helpers for the API layer, over engine/text: the SONAR language table as the API shows it, code
 * validation with suggestions, BCP-47 / ISO 639 → SONAR mapping and input-language detection.
 */
import { ApiError, type LanguageInfo } from './contract.js';
import { isSonarCode as isCode, resolveSonarCode, SONAR_LANGUAGES, suggestLanguages } from '../engine/text/languages.js';
import { detectLanguage as detect } from '../engine/text/detect.js';

export type LanguageRow = Omit<LanguageInfo, 'trained'>;

let table: LanguageRow[] | null = null;

/** The 202 SONAR languages, in the official order. */
export function languageTable(): LanguageRow[] {
  table ??= SONAR_LANGUAGES.map((l) => ({ code: l.code, english: l.english, native: l.autonym, script: l.script, direction: l.direction }));
  return table;
}

export function isSonarCode(code: string): boolean {
  return typeof code === 'string' && isCode(code);
}

/** A SONAR code for a BCP-47 tag, ISO 639-1/-3 code or SONAR code, or null. */
export function toSonarCode(tag: string): string | null {
  return resolveSonarCode(tag);
}

/** The message for an unknown language code, with suggestions where some are close. */
export function unknownLanguageMessage(code: string, what = 'language'): string {
  const mapped = resolveSonarCode(code);
  const sugg = mapped ? [mapped] : suggestLanguages(code, 3);
  const names = sugg.map((c) => `${c} (${SONAR_LANGUAGES.find((l) => l.code === c)?.english ?? c})`);
  return (
    `Unknown ${what} code "${code}". Languages are SONAR codes such as eng_Latn, fra_Latn, zho_Hans` +
    (names.length ? `; did you mean ${names.join(' or ')}?` : '.') +
    ' `concept languages` lists them all.'
  );
}

/** The language of a text: a SONAR code with a confidence in [0, 1], or null when it cannot be told. */
export function detectLanguage(text: string): { lang: string; confidence: number } | null {
  const d = detect(text);
  return d.lang ? { lang: d.lang, confidence: Math.round(d.confidence * 1000) / 1000 } : null;
}

/** `code` when it is a SONAR code, else UNKNOWN_LANGUAGE with suggestions (`what`: which language was asked for). */
export function requireLang(code: unknown, what: string): string {
  if (typeof code !== 'string' || !isSonarCode(code)) throw new ApiError('UNKNOWN_LANGUAGE', unknownLanguageMessage(String(code), what));
  return code;
}
