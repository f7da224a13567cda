/**
 * Input language detection: franc (trigram profiles of 400+ languages) restricted to the languages SONAR knows, with
 * the script of the SONAR code chosen from the Unicode script of the text itself. Short text is not guessed at: a
 * wrong language tag is worse than none, because the caller can then ask or fall back to a default.
 */
import { francAll } from 'franc-all';
import { data as trigramData } from 'franc-all/data.js';
import { expressions } from 'franc-all/expressions.js';
import { SONAR_LANGUAGES, resolveSonarCode, toSonarCode } from './languages.js';
import { paragraphs } from './segmenter.js';
import { scriptsOf } from './scripts.js';

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

/** Detect the language of a text (document-level). */
export function detectLanguage(text: string, options: DetectOptions = {}): Detection {
  if (options.override) {
    const lang = toSonarCode(options.override);
    return { lang, confidence: 1, candidates: [{ lang, score: 1 }] };
  }
  const clean = stripNoise(text);
  const scripts = scriptsOf(clean);
  const letters = scripts.reduce((n, s) => n + (isWideScript(s.script) ? 2 : 1) * s.count, 0);
  if (letters < (options.minLetters ?? 10)) return { lang: null, confidence: 0, candidates: [] };
  const dominant = scripts[0]!.script;
  const ranked = francAll(clean, { only: ONLY, minLength: 1 });
  // franc's profiles for one script sometimes hold a language mostly written in another (Bosnian among the Cyrillic
  // ones): candidates written in the text's own script go first.
  const inScript: LanguageCandidate[] = [];
  const otherScript: LanguageCandidate[] = [];
  for (const [code, score] of ranked) {
    const lang = pickScript(code, dominant);
    if (!lang || inScript.some((c) => c.lang === lang) || otherScript.some((c) => c.lang === lang)) continue;
    (scriptMatches(lang, dominant) ? inScript : otherScript).push({ lang, score: round(score) });
  }
  const candidates = [...inScript, ...otherScript].slice(0, options.maxCandidates ?? 5);
  if (candidates.length === 0) return { lang: null, confidence: 0, candidates: [] };
  const margin = 1 - (candidates[1]?.score ?? 0);
  // Heuristic: a clear margin over the runner-up on enough letters is a confident answer.
  const confidence = round(Math.min(1, 0.4 + margin * 6) * Math.min(1, letters / 60));
  return { lang: candidates[0]!.lang, confidence, candidates };
}

export interface ParagraphDetection extends Detection {
  start: number;
  end: number;
  /** true when the paragraph was too short or unclear and took the document's language */
  inherited: boolean;
}

/**
 * Per-paragraph detection for mixed documents. Paragraphs too short or too unclear to tell take the document's
 * language; an override applies to every paragraph.
 */
export function detectParagraphs(text: string, options: DetectOptions = {}): { document: Detection; paragraphs: ParagraphDetection[] } {
  const document = detectLanguage(text, options);
  const out: ParagraphDetection[] = paragraphs(text).map(({ start, end }) => {
    if (options.override) return { ...document, start, end, inherited: false };
    const d = detectLanguage(text.slice(start, end), options);
    if (d.lang === null || (d.confidence < 0.3 && document.lang !== null && d.lang !== document.lang)) {
      return { ...document, start, end, inherited: true };
    }
    return { ...d, start, end, inherited: false };
  });
  return { document, paragraphs: out };
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
