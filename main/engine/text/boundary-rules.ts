/**
 * Rules that correct ICU's sentence boundaries (UAX #29) where it is weak: abbreviations, initials, numbers,
 * list numbering, and terminators it does not know (the Greek question mark ";").
 *
 * The rules never change the text: they build a *masked* copy of the same length, in which punctuation that ends no
 * sentence is replaced by a neutral symbol, and run ICU on that copy. Offsets therefore map one to one onto the
 * original text.
 */
import { abbreviationsFor, BEFORE_NUMBER, SENTENCE_STARTERS } from './abbreviations.js';

/** Stands in for punctuation that must not end a sentence (a math symbol: no sentence-break class in UAX #29). */
export const MASK = '\u222F';

const LETTER = /[\p{L}\p{M}]/u;
const UPPER = /\p{Lu}/u;
const DIGIT = /\p{Nd}/u;
const SPACE = /[ \t\u00A0\u2009\u202F]/u;
const OPEN_QUOTE = /["'“‘«„‚(\[]/u;

/** Month names after which "3." is an ordinal date, not a sentence end (German, Danish, ... write "3. Oktober"). */
const MONTHS = /^(jan|feb|mär|mar|apr|mai|maj|may|jun|jul|aug|sep|okt|oct|nov|dez|dec)/iu;
/** Languages that write ordinals as "3." (dates, centuries, "2. Bundesliga"). */
const ORDINAL_PERIOD_LANGS = new Set(['de', 'da', 'no', 'nb', 'nn', 'fi', 'is', 'et', 'hu', 'cs', 'sk', 'sl', 'hr',
  'sr', 'bs', 'pl', 'lv', 'lt', 'tr', 'fo']);

export interface MaskOptions {
  /** ISO 639-1 (or 639-3 when no 639-1 exists) language code used to pick abbreviation lists. */
  lang: string;
  /** Treat single line breaks as spaces (PDF-like hard-wrapped text). */
  joinLines?: boolean;
}

/** Return a copy of `text`, same length, with non-terminating punctuation masked. */
export function maskText(text: string, opts: MaskOptions): string {
  const chars = text.split(''); // UTF-16 code units, so indices match the original
  const { prepositive, general } = abbreviationsFor(opts.lang);
  const ordinals = ORDINAL_PERIOD_LANGS.has(opts.lang);

  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n' && opts.joinLines) {
      if (joinable(text, i)) chars[i] = ' ';
      continue;
    }
    if (ch !== '.') continue;
    // Part of an ellipsis or a run of periods: leave to ICU (it breaks before a capital, not before lowercase).
    if (text[i + 1] === '.' || text[i - 1] === '.') continue;

    const next = text[i + 1] ?? '';
    const after = nextWord(text, i + 1);
    const word = wordBefore(text, i);
    const lower = word.toLowerCase();

    // Numbers: 3.14, 1.000.000, 12.5.2020 - no space after the period.
    if (DIGIT.test(text[i - 1] ?? '') && DIGIT.test(next)) { chars[i] = MASK; continue; }
    // Numbered list item at the start of a line: "1. Buy milk" (the line break already separates items).
    if (/^\d{1,2}$/.test(word) && atLineStart(text, i - word.length) && SPACE.test(next)) { chars[i] = MASK; continue; }
    // Ordinal dates: "am 3. Oktober", "den 5. maj".
    if (ordinals && /^\d{1,4}$/.test(word) && SPACE.test(next) && (MONTHS.test(after) || /^\p{Ll}/u.test(after) || /^\d{4}\b/.test(after))) {
      chars[i] = MASK; continue;
    }
    if (!word || !LETTER.test(word[0]!)) continue;
    // Text ends here, or no space follows (file names, domains): not an abbreviation question.
    if (!after) continue;
    // Mask inner periods of multi-period abbreviations ("U.S", "e.g", "т.е") as well.
    const multi = word.includes('.');
    const nextIsUpper = UPPER.test(after[0]!);
    const nextIsDigit = DIGIT.test(after[0]!);
    let keep = false; // true: this period is not a sentence end

    if (prepositive.has(lower) && (SPACE.test(next) || next === ':' || next === '\n' && opts.joinLines)) keep = true;
    else if (BEFORE_NUMBER.includes(lower) && (nextIsDigit || after[0] === '(')) keep = true;
    else if (multi || general.has(lower)) {
      // "... in the U.S. The rest" ends; "U.S. Army", "e.g. Paris" do not.
      keep = !nextIsUpper || (!SENTENCE_STARTERS.has(after.split(/[\s,]/u)[0]!) && (multi || isInitialism(word)));
    } else if (word.length === 1 && UPPER.test(word)) {
      // Initials: "Jonas E. Smith", "J. R. R. Tolkien".
      keep = nextIsUpper && !SENTENCE_STARTERS.has(after.split(/[\s,]/u)[0]!) || !nextIsUpper;
    } else if (word.length === 1) {
      keep = !nextIsUpper;
    }
    if (keep) {
      chars[i] = MASK;
      if (multi) for (let j = i - word.length; j < i; j++) if (text[j] === '.') chars[j] = MASK;
    }
  }
  return chars.join('');
}

/** The run of letters (and inner periods, apostrophes, hyphens) that ends just before position `end`. */
function wordBefore(text: string, end: number): string {
  let s = end;
  while (s > 0 && /[\p{L}\p{M}\p{Nd}.'’-]/u.test(text[s - 1]!)) s--;
  // a leading period belongs to the previous token ("etc..")
  while (text[s] === '.' && s < end) s++;
  return text.slice(s, end);
}

/** The next word after `from`, skipping spaces, closing quotes and opening quotes. */
function nextWord(text: string, from: number): string {
  let s = from;
  while (s < text.length && /[\s"'”’»)\]]/u.test(text[s]!)) {
    if (text[s] === '\n' && text[s + 1] === '\n') return '';
    s++;
  }
  while (s < text.length && OPEN_QUOTE.test(text[s]!)) s++;
  return text.slice(s, s + 40);
}

function atLineStart(text: string, pos: number): boolean {
  let p = pos - 1;
  while (p >= 0 && SPACE.test(text[p]!)) p--;
  return p < 0 || text[p] === '\n' || text[p] === '\r';
}

/** Abbreviations written in capitals (USA, UK-style initialisms) keep the sentence going before a capital too. */
function isInitialism(word: string): boolean {
  return word.length >= 2 && word === word.toUpperCase() && /^\p{Lu}+$/u.test(word);
}

/** May the single line break at `i` be read as a space? Not before list items or after a finished sentence's line. */
function joinable(text: string, i: number): boolean {
  if (text[i + 1] === '\n' || text[i - 1] === '\n') return false;
  const rest = text.slice(i + 1, i + 12);
  if (/^\s*([-*•·◦‣▪–]\s|\d{1,3}[.)]\s|[a-z][.)]\s|[ivx]{1,4}[.)]\s)/iu.test(rest)) return false;
  return true;
}

/**
 * Extra boundaries ICU misses, as positions (exclusive ends) within `text`:
 * the Greek question mark ";", and sentences glued without a space ("world.I dag").
 */
export function extraBoundaries(text: string, masked: string, lang: string): number[] {
  const out: number[] = [];
  if (lang === 'el') for (const m of text.matchAll(/[;\u037E](?=\s+\S)/gu)) out.push(m.index! + 1);
  for (const m of masked.matchAll(/\p{Ll}{2}[.?!](?=\p{Lu}\p{Ll})/gu)) {
    const pos = m.index! + 3;
    // not inside a URL, e-mail address or file path
    const tokenStart = Math.max(masked.lastIndexOf(' ', pos), masked.lastIndexOf('\n', pos));
    if (/[@/:]|www/u.test(masked.slice(tokenStart + 1, pos))) continue;
    out.push(pos);
  }
  return out;
}
