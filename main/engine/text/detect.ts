/**
 * Input language detection: franc (trigram profiles of 400+ languages) restricted to the languages SONAR knows, with
 * the script of the SONAR code chosen from the Unicode script of the text itself; groups of confusable languages
 * decided by a discriminator trained for the group, with priors by usage; a confidence that is a calibrated
 * probability (detect-model.ts, fitted and measured on NTREX-128: scripts/detect-ntrex.mts). Short text is not
 * guessed at: a wrong language tag is worse than none, because the caller can then ask or fall back to a default.
 */
import { francAll } from 'franc-all';
import { data as trigramData } from 'franc-all/data.js';
import { expressions } from 'franc-all/expressions.js';
import { SONAR_LANGUAGES, resolveSonarCode, toSonarCode } from './languages.js';
import { paragraphs } from './segmenter.js';
import { scriptsOf } from './scripts.js';
import { calibrated, discriminate, groupMargin, groupOf } from './detect-model.js';

export interface LanguageCandidate {
  lang: string;
  /** franc's relative score: 1 for the best, lower for the others */
  score: number;
}

export interface Detection {
  /** SONAR code, or null when the text is too short or undetermined */
  lang: string | null;
  /** 0..1: how far the best candidate stands out, scaled down for short text; 1 for an explicit override */
  confidence: number;
  candidates: LanguageCandidate[];
  /** what the confidence was computed from (detect-model.ts calibrated) */
  evidence?: { margin: number; letters: number; within: number };
}

export interface DetectOptions {
  /** An explicit language (`--from`): always wins, is only validated and normalised. */
  override?: string | null;
  /** Fewer letters than this give lang null (default 10; CJK characters count double). */
  minLetters?: number;
  /** How many candidates to return (default 5). */
  maxCandidates?: number;
}

/** franc codes whose SONAR language goes by another ISO 639-3 code. */
const FRANC_ALIASES: Readonly<Record<string, string>> = {
  ekk: 'est', gug: 'grn', pbu: 'pbt', quz: 'quy', cmn: 'zho', zlm: 'zsm', azj: 'azj', uzn: 'uzn', swh: 'swh',
};

/** ISO 639-3 code (as franc returns it) -> SONAR codes of that language, one per script. */
const SONAR_BY_FRANC = buildFrancMap();
const ONLY = [...SONAR_BY_FRANC.keys()];
/** SONAR codes franc can answer at all */
const FRANC_KNOWS = new Set([...SONAR_BY_FRANC.values()].flat());

function buildFrancMap(): Map<string, string[]> {
  const francCodes = new Set<string>(Object.keys(expressions));
  for (const scriptGroup of Object.values(trigramData)) for (const code of Object.keys(scriptGroup)) francCodes.add(code);
  const out = new Map<string, string[]>();
  for (const code of francCodes) {
    const iso3 = FRANC_ALIASES[code] ?? code;
    const first = resolveSonarCode(iso3);
    if (!first) continue;
    const base = first.slice(0, 3);
    out.set(code, SONAR_LANGUAGES.filter((l) => l.iso3 === base).map((l) => l.code));
  }
  return out;
}

const SAMPLE_CHARS = 100_000;

/** franc's answer before any decision: its ranked ISO 639-3 codes with relative scores, and what the text is. */
export interface FrancRaw {
  /** letters (CJK characters count double) */
  letters: number;
  /** the script most letters are written in */
  dominant: string;
  ranked: [string, number][];
}

/** franc over the cleaned text; null when the text has fewer letters than `minLetters`. */
export function francRaw(text: string, minLetters = 10): FrancRaw | null {
  // the first 100k characters hold franc's top trigrams and every script that matters; reading a 4 MB file in full
  // took 14 s (mostly counting scripts), the sample well under a second
  const clean = stripNoise(text.length > SAMPLE_CHARS ? text.slice(0, SAMPLE_CHARS) : text);
  const scripts = scriptsOf(clean);
  const letters = scripts.reduce((n, s) => n + (isWideScript(s.script) ? 2 : 1) * s.count, 0);
  if (letters < minLetters) return null;
  return { letters, dominant: scripts[0]!.script, ranked: francAll(clean, { only: ONLY, minLength: 1 }) };
}

/** Detect the language of a text (document-level). */
export function detectLanguage(text: string, options: DetectOptions = {}): Detection {
  if (options.override) {
    const lang = toSonarCode(options.override);
    return { lang, confidence: 1, candidates: [{ lang, score: 1 }] };
  }
  const raw = francRaw(text, options.minLetters ?? 10);
  if (!raw) return { lang: null, confidence: 0, candidates: [] };
  return decide(raw, text, options);
}

/**
 * The decision from franc's ranking: SONAR codes in the text's script first; within a group of confusable languages
 * (Persian/Dari, Amharic/Tigrinya, Indonesian/Malay, …) a discriminator trained for that group, with priors by
 * usage, chooses; the confidence is a calibrated probability of being right (detect-model.ts).
 */
export function decide(raw: FrancRaw, text: string, options: Pick<DetectOptions, 'maxCandidates'> & { groups?: boolean } = {}): Detection {
  const { letters, dominant } = raw;
  // franc's profiles for one script sometimes hold a language mostly written in another (Bosnian among the Cyrillic
  // ones): candidates written in the text's own script go first.
  const inScript: LanguageCandidate[] = [];
  const otherScript: LanguageCandidate[] = [];
  for (const [code, score] of raw.ranked) {
    const lang = pickScript(code, dominant);
    if (!lang || inScript.some((c) => c.lang === lang) || otherScript.some((c) => c.lang === lang)) continue;
    (scriptMatches(lang, dominant) ? inScript : otherScript).push({ lang, score: round(score) });
  }
  const all = [...inScript, ...otherScript];
  if (all.length === 0) return { lang: null, confidence: 0, candidates: [] };
  let best = all[0]!.lang;
  let within = 1; // the discriminator's posterior for the chosen member of a group (1: no group involved)
  const group = options.groups === false ? null : groupOf(best);
  if (group) {
    // the group decides when a rival member is close behind in franc's ranking
    const top = all[0]!.score;
    // (a member franc has no profile for — Bashkir, Sindhi, Cantonese — can only be found this way)
    const rivals = group.langs.filter((l) => {
      if (l === best) return false;
      const c = all.find((x) => x.lang === l);
      return !c ? !FRANC_KNOWS.has(l) : top - c.score <= groupMargin();
    });
    if (rivals.length) {
      const r = discriminate(group, text);
      best = r.lang;
      within = r.posterior;
    }
  }
  // the chosen language first, then franc's order
  const ordered = [all.find((c) => c.lang === best)!, ...all.filter((c) => c.lang !== best)];
  const candidates = ordered.slice(0, options.maxCandidates ?? 5);
  // how far the chosen group stands out from everything outside it
  const grp = groupOf(best);
  const chosenScore = Math.max(...all.filter((c) => c.lang === best || grp?.langs.includes(c.lang)).map((c) => c.score));
  const outside = all.find((c) => c.lang !== best && !grp?.langs.includes(c.lang));
  const margin = chosenScore - (outside?.score ?? 0);
  const evidence = { margin, letters, within };
  return { lang: best, confidence: round(calibrated(evidence)), candidates, evidence };
}

export interface ParagraphDetection extends Detection {
  start: number;
  end: number;
  /** true when the paragraph was too short or unclear and took the document's language */
  inherited: boolean;
}

/**
 * Confidence a paragraph needs to take another language than its document's. In the document's own script the bar is
 * high: of 800 NTREX-128 English lines of >= 40 characters, 2.1% are detected as another language with confidence
 * >= 0.6 (the headline "LeBron to make Lakers debut Sunday in San Diego" as French, 0.68) and 0.1% at >= 0.85, while
 * French and German lines still reach 0.85 in 90% of cases. A wrong switch costs more than a missed one: translated
 * into the wrong tag's language, the paragraph comes back untranslated as "verbatim". Another script is evidence in
 * itself.
 */
export const SWITCH_CONFIDENCE = { sameScript: 0.85, otherScript: 0.6 } as const;

/**
 * Whether a paragraph detected as `d` takes its own language rather than the document's: a clear detection of a
 * language outside the document language's confusable group (the whole document is more evidence than one paragraph).
 */
export function switchesLanguage(d: Pick<Detection, 'lang' | 'confidence'>, docLang: string | null): boolean {
  if (d.lang === null || docLang === null) return d.lang !== null;
  if (d.lang === docLang || sameGroup(d.lang, docLang)) return false;
  const script = (code: string) => code.slice(code.indexOf('_') + 1);
  return d.confidence >= (script(d.lang) === script(docLang) ? SWITCH_CONFIDENCE.sameScript : SWITCH_CONFIDENCE.otherScript);
}

/**
 * Per-paragraph detection for mixed documents. Paragraphs too short or too unclear to tell take the document's
 * language; so does a paragraph detected as a confusable sibling of the document's language (Dari in a Persian
 * document). The rule is the import's (switchesLanguage), so that `concept detect` shows the tags a run will use.
 * An override applies to every paragraph.
 */
export function detectParagraphs(text: string, options: DetectOptions = {}): { document: Detection; paragraphs: ParagraphDetection[] } {
  const document = detectLanguage(text, options);
  const out: ParagraphDetection[] = paragraphs(text).map(({ start, end }) => {
    if (options.override) return { ...document, start, end, inherited: false };
    const d = detectLanguage(text.slice(start, end), options);
    if (d.lang === null || (d.lang !== document.lang && !switchesLanguage(d, document.lang))) {
      return { ...document, start, end, inherited: true };
    }
    return { ...d, start, end, inherited: false };
  });
  return { document, paragraphs: out };
}

/** Two languages the detector keeps in one confusable group (detect-model.ts). */
export function sameGroup(a: string, b: string): boolean {
  const g = groupOf(a);
  return a === b || (g !== null && g.langs.includes(b));
}

/** The SONAR code for a franc answer, in the script the text is written in when the language has several. */
function pickScript(francCode: string, dominant: string): string | null {
  const codes = SONAR_BY_FRANC.get(francCode);
  if (!codes || codes.length === 0) return null;
  const want = dominant === 'Jpan' ? 'Jpan' : dominant;
  return codes.find((c) => c.endsWith(`_${want}`)) ?? codes[0]!;
}

function scriptMatches(lang: string, dominant: string): boolean {
  const script = lang.slice(4);
  if (dominant === 'Jpan') return script === 'Jpan';
  if (dominant === 'Hans' || dominant === 'Hant') return script === 'Hans' || script === 'Hant';
  return script === dominant;
}

/** URLs, e-mail addresses, numbers and markup say nothing about the language. */
function stripNoise(text: string): string {
  return text
    .replace(/https?:\/\/\S+|www\.\S+|\S+@\S+\.\S+/gu, ' ')
    .replace(/<[^>]{1,200}>/gu, ' ')
    .replace(/[\p{N}_#*=|~^`]+/gu, ' ');
}

function isWideScript(script: string): boolean {
  return ['Hans', 'Hant', 'Jpan', 'Hang'].includes(script);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
