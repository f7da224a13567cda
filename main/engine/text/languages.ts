/**
 * SONAR's 202 languages: codes in token-id order, names, script and direction, and the mapping from the tags people and
 * libraries use (BCP-47, ISO 639-1, ISO 639-3) onto SONAR codes. The alias choices match
 * tools/concept_tools/languages.py, which the mini models were trained with: 'ar' is Modern Standard Arabic (arb),
 * 'fa' Western Persian (pes), 'ms' Standard Malay (zsm), 'zh' Simplified Chinese, and so on.
 */
import { CodedError } from '../errors.js';
import { SONAR_LANGUAGE_ROWS } from './language-data.js';

export type Direction = 'ltr' | 'rtl';

export interface SonarLanguage {
  /** NLLB/SONAR code, e.g. 'fra_Latn' */
  code: string;
  /** ISO 639-3 part of the code */
  iso3: string;
  /** ISO 15924 script from the code suffix, e.g. 'Latn' */
  script: string;
  english: string;
  /** the language's name in itself */
  autonym: string;
  direction: Direction;
  /** BCP-47 tag for Intl APIs (Segmenter, DisplayNames, Collator) */
  bcp47: string;
  /** position in the list: the language token id is sp_size + index + 1 */
  index: number;
}

/** Scripts written right to left. */
const RTL_SCRIPTS = new Set(['Arab', 'Hebr', 'Thaa', 'Syrc', 'Nkoo', 'Adlm']);

/** ISO 639-1 -> the ISO 639-3 part of the SONAR code (as in tools/concept_tools/languages.py). */
const ISO1: Readonly<Record<string, string>> = {
  af: 'afr', am: 'amh', ar: 'arb', az: 'azj', be: 'bel', bg: 'bul', bn: 'ben', bs: 'bos', ca: 'cat', cs: 'ces',
  cy: 'cym', da: 'dan', de: 'deu', el: 'ell', en: 'eng', eo: 'epo', es: 'spa', et: 'est', eu: 'eus', fa: 'pes',
  fi: 'fin', fj: 'fij', fo: 'fao', fr: 'fra', ga: 'gle', gd: 'gla', gl: 'glg', gn: 'grn', gu: 'guj', ha: 'hau',
  he: 'heb', hi: 'hin', hr: 'hrv', hu: 'hun', hy: 'hye', id: 'ind', ig: 'ibo', is: 'isl', it: 'ita', ja: 'jpn',
  jv: 'jav', ka: 'kat', kk: 'kaz', km: 'khm', kn: 'kan', ko: 'kor', ky: 'kir', lt: 'lit', lv: 'lvs', mi: 'mri',
  mk: 'mkd', ml: 'mal', mn: 'khk', mr: 'mar', ms: 'zsm', mt: 'mlt', my: 'mya', nb: 'nob', ne: 'npi', nl: 'nld',
  nn: 'nno', no: 'nob', om: 'gaz', pa: 'pan', pl: 'pol', ps: 'pbt', pt: 'por', qu: 'quy', rn: 'run', ro: 'ron',
  ru: 'rus', si: 'sin', sk: 'slk', sl: 'slv', sm: 'smo', so: 'som', sq: 'als', sr: 'srp', sv: 'swe', sw: 'swh',
  ta: 'tam', te: 'tel', tg: 'tgk', th: 'tha', ti: 'tir', tk: 'tuk', tl: 'tgl', tr: 'tur', tt: 'tat', ug: 'uig',
  uk: 'ukr', ur: 'urd', uz: 'uzn', vi: 'vie', xh: 'xho', yi: 'ydd', yo: 'yor', zh: 'zho', zu: 'zul', lo: 'lao',
  ln: 'lin', lb: 'ltz', oc: 'oci', sa: 'san', sd: 'snd', sn: 'sna', st: 'sot', tn: 'tsn', ts: 'tso', wo: 'wol',
  rw: 'kin', mg: 'plt', ny: 'nya', or: 'ory', as: 'asm', ku: 'kmr', br: 'bre',
  // beyond the Python table: 639-1 codes of further SONAR languages
  ak: 'aka', ay: 'ayr', ba: 'bak', bm: 'bam', bo: 'bod', dz: 'dzo', ee: 'ewe', ff: 'fuv', ht: 'hat', ki: 'kik',
  kg: 'kon', kr: 'knc', ks: 'kas', li: 'lim', lg: 'lug', sc: 'srd', sg: 'sag', ss: 'ssw', tw: 'twi',
  kab: 'kab', fil: 'tgl', ckb: 'ckb', ast: 'ast',
};

/** ISO 639-3 individual/macro codes whose SONAR code uses another 639-3 code (as in the Python table). */
const ALIASES: Readonly<Record<string, string>> = {
  ara: 'arb', cmn: 'zho', fas: 'pes', per: 'pes', msa: 'zsm', may: 'zsm', zlm: 'zsm', uzb: 'uzn', aze: 'azj',
  swa: 'swh', lav: 'lvs', kur: 'kmr', mon: 'khk', orm: 'gaz', nor: 'nob', sqi: 'als', alb: 'als', pus: 'pbt',
  yid: 'ydd', que: 'quy', fil: 'tgl', nep: 'npi', mlg: 'plt', ori: 'ory', chi: 'zho', ger: 'deu', fre: 'fra',
  dut: 'nld', gre: 'ell', arm: 'hye', geo: 'kat', ice: 'isl', mac: 'mkd', rum: 'ron', slo: 'slk', wel: 'cym',
  cze: 'ces', bur: 'mya', baq: 'eus', tib: 'bod', est: 'est', grn: 'grn', kon: 'kon', aym: 'ayr', ful: 'fuv',
  kau: 'knc', hbs: 'hrv', yue: 'yue', zsm: 'zsm', lvs: 'lvs',
};

export const SONAR_LANGUAGES: readonly SonarLanguage[] = buildTable();
export const SONAR_CODES: readonly string[] = SONAR_LANGUAGES.map((l) => l.code);

const BY_CODE = new Map(SONAR_LANGUAGES.map((l) => [l.code, l]));
const BY_CODE_LOWER = new Map(SONAR_LANGUAGES.map((l) => [l.code.toLowerCase(), l]));
/** first-listed script per ISO 639-3 language, with the Python table's overrides */
const DEFAULT_SCRIPT = new Map<string, string>();
for (const l of SONAR_LANGUAGES) if (!DEFAULT_SCRIPT.has(l.iso3)) DEFAULT_SCRIPT.set(l.iso3, l.script);
DEFAULT_SCRIPT.set('zho', 'Hans');
DEFAULT_SCRIPT.set('arb', 'Arab');

export class UnknownLanguageError extends CodedError {
  readonly tag: string;
  readonly suggestions: string[];
  constructor(tag: string, suggestions: string[]) {
    const hint = suggestions.length ? ` Did you mean ${suggestions.join(', ')}?` : '';
    super('UNKNOWN_LANGUAGE', `Unknown language "${tag}": not one of SONAR's 202 languages (codes like eng_Latn, fra_Latn, zho_Hans; ` +
      `BCP-47 tags like fr, zh-TW, sr-Cyrl are accepted too).${hint}`);
    this.name = 'UnknownLanguageError';
    this.tag = tag;
    this.suggestions = suggestions;
  }
}

/** Is `code` exactly a SONAR code? */
export function isSonarCode(code: string): boolean {
  return BY_CODE.has(code);
}

/** The table row of a SONAR code (or any tag `toSonarCode` accepts). Throws UnknownLanguageError. */
export function getLanguage(tag: string): SonarLanguage {
  return BY_CODE.get(toSonarCode(tag))!;
}

/**
 * Map 'fr', 'fra', 'fr-FR', 'zh-Hant', 'zh-TW', 'sr-Cyrl', 'eng_Latn' ... to a SONAR code, or null when none fits.
 */
export function resolveSonarCode(tag: string): string | null {
  const t = tag.trim();
  if (BY_CODE.has(t)) return t;
  const exact = BY_CODE_LOWER.get(t.toLowerCase());
  if (exact) return exact.code;
  const parts = t.split(/[-_]/u).filter(Boolean);
  if (parts.length === 0) return null;
  const lang = parts[0]!.toLowerCase();
  let script: string | undefined;
  let region: string | undefined;
  for (const p of parts.slice(1)) {
    if (/^[a-z]{4}$/iu.test(p)) script ??= p[0]!.toUpperCase() + p.slice(1).toLowerCase();
    else if (/^([a-z]{2}|\d{3})$/iu.test(p)) region ??= p.toUpperCase();
  }
  let iso3 = ISO1[lang] ?? lang;
  iso3 = ALIASES[iso3] ?? iso3;
  // Traditional characters are the norm in Taiwan, Hong Kong and Macau.
  if (iso3 === 'zho' && !script && region && ['TW', 'HK', 'MO'].includes(region)) script = 'Hant';
  // Dari ('fa-AF') is its own SONAR language.
  if (iso3 === 'pes' && region === 'AF') iso3 = 'prs';
  script ??= DEFAULT_SCRIPT.get(iso3);
  const code = `${iso3}_${script}`;
  return BY_CODE.has(code) ? code : null;
}

/** Like resolveSonarCode, but throws UnknownLanguageError with close suggestions. */
export function toSonarCode(tag: string): string {
  const code = resolveSonarCode(tag);
  if (code) return code;
  throw new UnknownLanguageError(tag, suggestLanguages(tag));
}

/** BCP-47 tag for Intl APIs: 'fra_Latn' -> 'fr', 'zho_Hant' -> 'zh-Hant', 'srp_Cyrl' -> 'sr-Cyrl'. */
export function toBcp47(sonarCode: string): string {
  return getLanguage(sonarCode).bcp47;
}

/** Up to `limit` SONAR codes close to an unknown tag (by code, 639-1 alias or English name). */
export function suggestLanguages(tag: string, limit = 3): string[] {
  const q = tag.trim().toLowerCase();
  if (!q) return [];
  const head = q.split(/[-_\s]/u)[0]!;
  const scored = SONAR_LANGUAGES.map((l) => {
    const name = l.english.toLowerCase();
    let score = Math.min(editDistance(head, l.iso3), editDistance(q, l.code.toLowerCase()) + 0.5);
    if (name.startsWith(q) || name.split(/[\s()-]+/u).includes(q)) score = Math.min(score, 0);
    else if (q.length >= 4 && name.includes(q)) score = Math.min(score, 0.5);
    else score = Math.min(score, editDistance(q, name.split(' ')[0]!) * 0.8);
    return { code: l.code, score };
  });
  const max = q.length <= 3 ? 1 : 2;
  return scored.filter((s) => s.score <= max).sort((a, b) => a.score - b.score).slice(0, limit).map((s) => s.code);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function buildTable(): SonarLanguage[] {
  const iso1Of = new Map<string, string>();
  for (const [k, v] of Object.entries(ISO1)) if (k.length === 2 && !iso1Of.has(v)) iso1Of.set(v, k);
  iso1Of.set('nob', 'nb');
  const scriptsPerLang = new Map<string, number>();
  for (const [code] of SONAR_LANGUAGE_ROWS) scriptsPerLang.set(code.slice(0, 3), (scriptsPerLang.get(code.slice(0, 3)) ?? 0) + 1);
  return SONAR_LANGUAGE_ROWS.map(([code, english, autonym], index) => {
    const [iso3, script] = code.split('_') as [string, string];
    const base = iso3 === 'prs' ? 'fa' : iso1Of.get(iso3) ?? iso3;
    // name the script where the language is written in several, or where Intl would otherwise assume another one
    const needsScript = scriptsPerLang.get(iso3)! > 1 || iso3 === 'srp' || iso3 === 'prs';
    const bcp47 = iso3 === 'prs' ? 'fa-AF' : needsScript ? `${base}-${script}` : base;
    return { code, iso3, script, english, autonym, direction: RTL_SCRIPTS.has(script) ? 'rtl' : 'ltr', bcp47, index };
  });
}
