/**
 * Language helpers for the API layer: the SONAR language table (code, names, script, direction), code validation
 * with suggestions for unknown codes, BCP-47 / ISO 639 → SONAR mapping and input-language detection.
 */
import { readFileSync } from 'node:fs';
import { francAll } from 'franc-all';
import type { LanguageInfo } from './contract.js';

export type LanguageRow = Omit<LanguageInfo, 'trained'>;

const RTL_SCRIPTS = new Set(['Arab', 'Hebr', 'Thaa', 'Syrc', 'Nkoo', 'Adlm']);
const SCRIPT_NAMES: Record<string, string> = {
  Latn: 'Latin', Arab: 'Arabic', Cyrl: 'Cyrillic', Deva: 'Devanagari', Beng: 'Bengali', Tibt: 'Tibetan', Tfng: 'Tifinagh',
  Mymr: 'Myanmar', Hebr: 'Hebrew', Hant: 'Han (Traditional)', Hans: 'Han (Simplified)', Ethi: 'Ethiopic', Thai: 'Thai',
  Telu: 'Telugu', Taml: 'Tamil', Sinh: 'Sinhala', Orya: 'Odia', Mlym: 'Malayalam', Laoo: 'Lao', Knda: 'Kannada',
  Khmr: 'Khmer', Jpan: 'Japanese', Hang: 'Hangul', Guru: 'Gurmukhi', Gujr: 'Gujarati', Grek: 'Greek', Geor: 'Georgian',
  Armn: 'Armenian',
};

/** ISO 639-1 → ISO 639-3 (macro-language codes mapped to the SONAR variety). */
const ISO1_TO_3: Record<string, string> = {
  af: 'afr', am: 'amh', ar: 'arb', as: 'asm', az: 'azj', ba: 'bak', be: 'bel', bg: 'bul', bn: 'ben', bo: 'bod', bs: 'bos',
  ca: 'cat', cs: 'ces', cy: 'cym', da: 'dan', de: 'deu', dz: 'dzo', el: 'ell', en: 'eng', eo: 'epo', es: 'spa', et: 'est',
  eu: 'eus', fa: 'pes', fi: 'fin', fj: 'fij', fo: 'fao', fr: 'fra', ga: 'gle', gd: 'gla', gl: 'glg', gn: 'grn', gu: 'guj',
  ha: 'hau', he: 'heb', hi: 'hin', hr: 'hrv', ht: 'hat', hu: 'hun', hy: 'hye', id: 'ind', ig: 'ibo', is: 'isl', it: 'ita',
  ja: 'jpn', jv: 'jav', ka: 'kat', kk: 'kaz', km: 'khm', kn: 'kan', ko: 'kor', ks: 'kas', ku: 'kmr', ky: 'kir', lb: 'ltz',
  lg: 'lug', li: 'lim', ln: 'lin', lo: 'lao', lt: 'lit', lv: 'lvs', mg: 'plt', mi: 'mri', mk: 'mkd', ml: 'mal', mn: 'khk',
  mr: 'mar', ms: 'zsm', mt: 'mlt', my: 'mya', nb: 'nob', ne: 'npi', nl: 'nld', nn: 'nno', no: 'nob', ny: 'nya', oc: 'oci',
  om: 'gaz', or: 'ory', pa: 'pan', pl: 'pol', ps: 'pbt', pt: 'por', qu: 'quy', rn: 'run', ro: 'ron', ru: 'rus', rw: 'kin',
  sa: 'san', sc: 'srd', sd: 'snd', sg: 'sag', si: 'sin', sk: 'slk', sl: 'slv', sm: 'smo', sn: 'sna', so: 'som', sq: 'als',
  sr: 'srp', ss: 'ssw', st: 'sot', su: 'sun', sv: 'swe', sw: 'swh', ta: 'tam', te: 'tel', tg: 'tgk', th: 'tha', ti: 'tir',
  tk: 'tuk', tl: 'tgl', tn: 'tsn', tr: 'tur', ts: 'tso', tt: 'tat', tw: 'twi', ug: 'uig', uk: 'ukr', ur: 'urd', uz: 'uzn',
  vi: 'vie', wo: 'wol', xh: 'xho', yi: 'ydd', yo: 'yor', zh: 'zho', zu: 'zul', ee: 'ewe', ak: 'aka', bm: 'bam', ki: 'kik',
  kg: 'kon', lu: 'lua', ee_: 'ewe',
};
/** ISO 639-3 codes (as franc gives them) that SONAR writes with another code. */
const ISO3_ALIASES: Record<string, string> = {
  cmn: 'zho', arb: 'arb', pes: 'pes', fas: 'pes', per: 'pes', zlm: 'zsm', msa: 'zsm', ekk: 'est', lav: 'lvs', uzb: 'uzn',
  azj: 'azj', aze: 'azj', nor: 'nob', swa: 'swh', ara: 'arb', prs: 'prs', sqi: 'als', alb: 'als', khk: 'khk',
  mon: 'khk', mlg: 'plt', orm: 'gaz', pus: 'pbt', kur: 'kmr', yid: 'ydd', nep: 'npi', hbs: 'hrv', zho: 'zho', chi: 'zho',
  hat: 'hat', quz: 'quy', que: 'quy', est: 'est',
};
const DEFAULT_SCRIPT: Record<string, string> = { zho: 'Hans', kas: 'Arab', knc: 'Latn', taq: 'Latn', bjn: 'Latn', ace: 'Latn', min: 'Latn' };

let table: LanguageRow[] | null = null;

function displayName(code3: string, script: string, inLocale: string): string | undefined {
  const iso1 = Object.keys(ISO1_TO_3).find((k) => ISO1_TO_3[k] === code3);
  const tag = `${iso1 ?? code3}-${script}`;
  try {
    const n = new Intl.DisplayNames([inLocale], { type: 'language', fallback: 'none' }).of(iso1 ?? code3);
    return n && n !== tag ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The 202 SONAR languages, in the official order (models/sonar-languages.tsv). */
export function languageTable(): LanguageRow[] {
  if (table) return table;
  const tsv = readFileSync(new URL('../../models/sonar-languages.tsv', import.meta.url), 'utf8');
  table = tsv.split('\n').filter((l) => l.trim()).map((line) => {
    const [code, english = code] = line.split('\t');
    const [lang3, script] = code.split('_');
    const iso1 = Object.keys(ISO1_TO_3).find((k) => ISO1_TO_3[k] === lang3);
    const native = displayName(lang3, script, iso1 ?? lang3) ?? english;
    return {
      code,
      english: english.trim(),
      native,
      script: SCRIPT_NAMES[script] ?? script,
      direction: RTL_SCRIPTS.has(script) ? 'rtl' : 'ltr',
    } satisfies LanguageRow;
  });
  return table;
}

export function isSonarCode(code: string): boolean {
  return languageTable().some((l) => l.code === code);
}

/** A SONAR code for a BCP-47 tag, ISO 639-1/-3 code or SONAR code (case-insensitive), or null. */
export function toSonarCode(tag: string): string | null {
  const t = tag.trim();
  if (!t) return null;
  const codes = languageTable().map((l) => l.code);
  const exact = codes.find((c) => c.toLowerCase() === t.toLowerCase().replace('-', '_'));
  if (exact) return exact;
  const parts = t.split(/[-_]/);
  const base = parts[0].toLowerCase();
  let lang3 = base.length === 2 ? ISO1_TO_3[base] : ISO3_ALIASES[base] ?? base;
  if (!lang3) return null;
  const candidates = codes.filter((c) => c.startsWith(`${lang3}_`));
  if (candidates.length === 0) return null;
  if (candidates.length === 1) return candidates[0];
  const sub = parts.slice(1).map((p) => p.toLowerCase());
  const scriptSub = sub.find((p) => p.length === 4);
  if (scriptSub) {
    const m = candidates.find((c) => c.toLowerCase().endsWith(`_${scriptSub}`));
    if (m) return m;
  }
  if (lang3 === 'zho' && sub.some((p) => ['tw', 'hk', 'mo'].includes(p))) return 'zho_Hant';
  const def = DEFAULT_SCRIPT[lang3];
  return candidates.find((c) => c.endsWith(`_${def}`)) ?? candidates[0];
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** The closest SONAR code for a mistyped or non-SONAR code (mapping first, then names, then edit distance). */
export function suggestLanguage(code: string): string | null {
  const mapped = toSonarCode(code);
  if (mapped) return mapped;
  const low = code.trim().toLowerCase();
  if (!low) return null;
  const rows = languageTable();
  const byName = rows.find((r) => r.english.toLowerCase() === low || r.native.toLowerCase() === low)
    ?? rows.find((r) => r.english.toLowerCase().startsWith(low) && low.length >= 3);
  if (byName) return byName.code;
  let best: string | null = null;
  let bestD = Infinity;
  for (const r of rows) {
    const dd = editDistance(low, r.code.toLowerCase());
    if (dd < bestD) {
      bestD = dd;
      best = r.code;
    }
  }
  return bestD <= 3 ? best : null;
}

/** The message for an unknown language code, with a suggestion where one is close. */
export function unknownLanguageMessage(code: string, what = 'language'): string {
  const s = suggestLanguage(code);
  const row = s ? languageTable().find((r) => r.code === s) : undefined;
  return (
    `Unknown ${what} code "${code}". Languages are SONAR codes such as eng_Latn, fra_Latn, zho_Hans` +
    (row ? `; did you mean ${row.code} (${row.english})?` : '.') +
    ' `concept languages` lists them all.'
  );
}

const SCRIPT_RE: [RegExp, string][] = [
  [/[\u3040-\u30ff]/u, 'jpn_Jpan'],
  [/[\uac00-\ud7af]/u, 'kor_Hang'],
];

/** The language of a text: a SONAR code with a confidence in [0, 1], or null when it cannot be told. */
export function detectLanguage(text: string): { lang: string; confidence: number } | null {
  const sample = text.slice(0, 20000);
  for (const [re, code] of SCRIPT_RE) {
    const n = (sample.match(new RegExp(re.source, 'gu')) ?? []).length;
    if (n > 10 || (n > 0 && n / sample.length > 0.1)) return { lang: code, confidence: 0.9 };
  }
  const han = (sample.match(/\p{Script=Han}/gu) ?? []).length;
  const letters = (sample.match(/\p{L}/gu) ?? []).length;
  if (letters > 0 && han / letters > 0.3) {
    const trad = (sample.match(/[們這個來說會從對時實體國學]/gu) ?? []).length;
    const simp = (sample.match(/[们这个来说会从对时实体国学]/gu) ?? []).length;
    return { lang: trad > simp ? 'zho_Hant' : 'zho_Hans', confidence: 0.9 };
  }
  const ranked = francAll(sample, { minLength: 3 });
  const top = ranked.find(([c]) => c !== 'und' && toSonarCode(c));
  if (!top) return null;
  const code = toSonarCode(top[0])!;
  const second = ranked.find(([c]) => c !== top[0] && c !== 'und');
  // franc scores are relative (top = 1): the gap to the runner-up, and the length of the sample, give the confidence
  const gap = second ? 1 - second[1] : 1;
  const lenFactor = Math.min(1, letters / 200);
  const confidence = Math.max(0.05, Math.min(0.99, (0.4 + 0.6 * Math.min(1, gap * 10)) * (0.5 + 0.5 * lenFactor)));
  return { lang: code, confidence: Math.round(confidence * 1000) / 1000 };
}
