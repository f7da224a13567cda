/**
 * Sentence segmentation: paragraphs, then sentences (ICU's `Intl.Segmenter` corrected by per-language rules), then
 * splitting of the rare sentence longer than the encoder's token budget. Every sentence carries offsets into the
 * original text, so the UI can highlight it and the store can keep it: `text.slice(start, end) === sentence.text`.
 */
import { capSpan, splitLong, trimSpan, type Span } from './capping.js';
import { extraBoundaries, maskText } from './boundary-rules.js';
import { resolveSonarCode, toBcp47 } from './languages.js';

export interface SegmentOptions {
  /** Document language: a BCP-47 tag ('en', 'fr-CA'), an ISO 639-3 code or a SONAR code ('fra_Latn'). */
  lang?: string;
  /**
   * Token budget of a sentence (default DEFAULT_MAX_TOKENS): a longer one is split at its best inner breaks
   * (capping.ts). Counted with `countTokens` (default: estimateTokens, an upper estimate that needs no tokenizer).
   */
  maxTokens?: number;
  countTokens?: (s: string) => number;
  /** Optional hard limit in characters on top of the token budget (none by default). */
  maxChars?: number;
  /**
   * Single line breaks inside a paragraph: `true` reads them as spaces (hard-wrapped text such as PDF extractions),
   * `false` as sentence ends, 'auto' (default) joins a line onto the previous one when it clearly continues a sentence.
   */
  joinLines?: boolean | 'auto';
}

export interface Sentence {
  text: string;
  start: number;
  end: number;
  /** Index of the paragraph (blank-line separated block) the sentence belongs to. */
  paragraph: number;
}

/**
 * SONAR's encoder reads at most 514 positions (fairseq2 cuts `x[:514]`): the language tag, 512 pieces and the end
 * token. Only a sentence over this budget must be split; the bundled mini pack's own, smaller `max_source_tokens`
 * truncates at encoding time instead (splitting there would cut a third of ordinary Greek news sentences).
 */
export const DEFAULT_MAX_TOKENS = 512;

/** Split `text` into sentences with offsets. */
export function segment(text: string, options: SegmentOptions = {}): Sentence[] {
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (!(maxTokens >= 1)) throw new RangeError(`maxTokens must be a positive number, got ${maxTokens}`);
  const maxChars = options.maxChars;
  if (maxChars !== undefined && !(maxChars >= 1)) throw new RangeError(`maxChars must be a positive number, got ${maxChars}`);
  const lang = ruleLanguage(options.lang);
  const segmenter = new Intl.Segmenter(intlLocale(options.lang), { granularity: 'sentence' });
  const budget = { maxTokens, ...(options.countTokens ? { countTokens: options.countTokens } : {}) };
  const out: Sentence[] = [];
  paragraphs(text).forEach((para, paragraph) => {
    const { spans, masked } = sentenceSpans(text, para, lang, segmenter, options.joinLines ?? 'auto');
    const m = { text: masked, offset: para.start };
    for (const span of spans) {
      const capped = maxChars === undefined ? [span] : capSpan(text, span.start, span.end, maxChars, m);
      for (const piece of capped) {
        for (const p of splitLong(text, piece.start, piece.end, budget, m)) {
          out.push({ text: text.slice(p.start, p.end), start: p.start, end: p.end, paragraph });
        }
      }
    }
  });
  return out;
}

/** Paragraphs: blocks separated by blank lines (whitespace-only lines count as blank). */
export function paragraphs(text: string): Span[] {
  const out: Span[] = [];
  const sep = /\n[ \t\u00A0]*(?:\r?\n[ \t\u00A0]*)+/gu;
  let start = 0;
  for (const m of text.replace(/\r/g, '\n').matchAll(sep)) {
    const s = trimSpan(text, start, m.index!);
    if (s) out.push(s);
    start = m.index! + m[0].length;
  }
  const last = trimSpan(text, start, text.length);
  if (last) out.push(last);
  return out;
}

/** Sentence spans inside one paragraph, and the paragraph's masked copy (see boundary-rules.ts). */
function sentenceSpans(text: string, para: Span, lang: string, segmenter: Intl.Segmenter, joinLines: boolean | 'auto'): { spans: Span[]; masked: string } {
  const raw = text.slice(para.start, para.end);
  const masked = maskText(raw, { lang, joinLines });
  const cuts = new Set<number>(icuBoundaries(masked, segmenter));
  for (const b of extraBoundaries(raw, masked, lang)) cuts.add(b);
  cuts.add(raw.length);
  const ends = [...cuts].filter((c) => c > 0).map((c) => beforeMarks(raw, c)).sort((a, b) => a - b);
  const out: Span[] = [];
  let start = 0;
  for (const end of ends) {
    const s = trimSpan(text, para.start + start, para.start + end);
    if (s) out.push(s);
    start = end;
  }
  return { spans: mergeFragments(text, out), masked };
}

/**
 * A cut just after a space and combining marks moves before the marks: UAX #29 attaches a mark to the character before
 * it, even a space, and Myanmar text in the Zawgyi encoding starts words with a vowel sign ("။ ေ…"), which ICU would
 * leave on the sentence before.
 */
function beforeMarks(raw: string, cut: number): number {
  let c = cut;
  while (c > 0 && c > cut - 4 && /\p{M}/u.test(raw[c - 1]!)) c--;
  return c < cut && c > 0 && /\s/u.test(raw[c - 1]!) ? c : cut;
}

/** ICU is run on windows of this many characters at most, each starting at a boundary found in the one before. */
const WINDOW = 16_384;
/** Boundaries this close to a window's cut end are found again by the next window (ICU may look ahead to decide). */
const MARGIN = 1_024;

/**
 * ICU's sentence boundaries in `masked`. V8's Intl.Segmenter becomes O(length) per boundary on long strings (measured:
 * ~1 ms per sentence at 145k characters, against microseconds at 100k), so one long paragraph segmented in one call
 * is quadratic (issue 11: 20k sentences took 15 s). Windows restart at a boundary, where ICU's rules begin afresh;
 * only boundaries at least MARGIN before a window's cut end are kept, so a window's cut never moves a boundary.
 */
export function icuBoundaries(masked: string, segmenter: Intl.Segmenter, window = WINDOW, margin = MARGIN): number[] {
  const out: number[] = [];
  let base = 0;
  let width = window;
  while (base < masked.length) {
    const end = Math.min(masked.length, base + width);
    const chunk = masked.slice(base, end);
    const last = end === masked.length;
    let next = 0;
    for (const seg of segmenter.segment(chunk)) {
      if (!last && seg.index > chunk.length - margin) break;
      out.push(base + seg.index);
      next = seg.index;
    }
    if (last) break;
    // One sentence longer than the window: widen it (doubling keeps the total work linear) and look again.
    if (next === 0) { width *= 2; out.pop(); continue; }
    out.pop(); // the window's last kept boundary is the next window's first
    base += next;
    width = window;
  }
  return out;
}

/**
 * ICU sometimes leaves a fragment that is no sentence: a lone closing quote or bracket, or punctuation only.
 * Glue such fragments to the sentence before.
 */
function mergeFragments(text: string, spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const s of spans) {
    const t = text.slice(s.start, s.end);
    const prev = out[out.length - 1];
    if (prev && !/[\p{L}\p{N}]/u.test(t) && !text.slice(prev.end, s.start).includes('\n')) prev.end = s.end;
    else out.push({ ...s });
  }
  return out;
}

/** Two- or three-letter code used to pick rules ('en' for 'en-GB', 'eng', 'eng_Latn', 'th' for 'tha_Thai'). */
function ruleLanguage(tag: string | undefined): string {
  if (!tag) return 'en';
  const base = tag.split(/[-_]/)[0]!.toLowerCase();
  if (ISO3_TO_1[base]) return ISO3_TO_1[base];
  const code = base.length === 3 ? resolveSonarCode(tag) : null;
  return code ? toBcp47(code).split('-')[0]!.toLowerCase() : base;
}

/** A locale Intl accepts: the BCP-47 tag of the SONAR language ('zh-Hant' for 'zho_Hant'), else the rule language. */
function intlLocale(tag: string | undefined): string {
  const code = tag ? resolveSonarCode(tag) : null;
  try {
    return Intl.Segmenter.supportedLocalesOf([code ? toBcp47(code) : ruleLanguage(tag)])[0] ?? 'und';
  } catch {
    return 'und';
  }
}

/** ISO 639-3 codes (as in SONAR codes) of the languages the boundary rules know, mapped to ISO 639-1. */
const ISO3_TO_1: Record<string, string> = {
  eng: 'en', deu: 'de', fra: 'fr', spa: 'es', ita: 'it', por: 'pt', nld: 'nl', dan: 'da', swe: 'sv', nob: 'no',
  nno: 'no', fin: 'fi', pol: 'pl', ces: 'cs', slk: 'sk', rus: 'ru', ukr: 'uk', bul: 'bg', kaz: 'kk', ell: 'el',
  hye: 'hy', tur: 'tr', ind: 'id', jpn: 'ja', zho: 'zh', arb: 'ar', pes: 'fa', urd: 'ur', hin: 'hi', mar: 'mr',
  amh: 'am', mya: 'my',
};
