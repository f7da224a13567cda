/**
 * Rules that correct ICU's sentence boundaries (UAX #29) where it is weak: abbreviations, initials, numbers,
 * list numbering, and terminators it does not know (the Greek question mark ";").
 *
 * The rules never change the text: they build a *masked* copy of the same length, in which punctuation that ends no
 * sentence is replaced by a neutral symbol, and run ICU on that copy. Offsets therefore map one to one onto the
 * original text.
 */
import { abbreviationsFor, BEFORE_NUMBER, SENTENCE_STARTERS } from './abbreviations.js';
import { thaiBoundaries } from './thai.js';

/** Stands in for punctuation that must not end a sentence (a math symbol: no sentence-break class in UAX #29). */
export const MASK = '\u222F';

const COUNTRY_INITIALISMS = new Set(['u.s', 'u.s.a', 'e.u', 'u.k', 'u.n']);
/** Languages whose writers abbreviate titles to one letter of a caseless script ("د." doctor). */
const CASELESS_INITIALS = new Set(['ar', 'fa', 'ur', 'he', 'ps']);
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
  /**
   * Single line breaks: `true` reads them as spaces (PDF-like hard-wrapped text), `false` as sentence ends, 'auto'
   * joins a line to the next when that one clearly continues a sentence (starts in lowercase after a line of prose).
   */
  joinLines?: boolean | 'auto';
}

/** Return a copy of `text`, same length, with non-terminating punctuation masked. */
export function maskText(text: string, opts: MaskOptions): string {
  const chars = text.split(''); // UTF-16 code units, so indices match the original
  const { prepositive, general } = abbreviationsFor(opts.lang);
  const ordinals = ORDINAL_PERIOD_LANGS.has(opts.lang);

  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n' && opts.joinLines) {
      if (joinable(text, i, opts.joinLines)) chars[i] = ' ';
      continue;
    }
    if (ch !== '.') continue;
    // Part of an ellipsis or a run of periods: leave to ICU (it breaks before a capital, not before lowercase).
    if (text[i + 1] === '.' || text[i - 1] === '.') continue;

    const next = text[i + 1] ?? '';
    const after = nextWord(text, i + 1);
    let word = wordBefore(text, i);
    // "l'Ing." (Italian elision) and "Tuesday.Hr." (glued sentences): the abbreviation is the last part
    word = word.replace(/^\p{L}{1,3}['’](?=\p{L})/u, '');
    if (word.includes('.') && !abbreviationsFor(opts.lang).general.has(word.toLowerCase()) && !/^(?:\p{L}{1,3}\.)+\p{L}{1,4}$/u.test(word)) {
      word = word.slice(word.lastIndexOf('.') + 1);
    }
    const lower = word.toLowerCase();

    // Numbers: 3.14, 1.000.000, 12.5.2020 - no space after the period.
    if (DIGIT.test(text[i - 1] ?? '') && DIGIT.test(next)) { chars[i] = MASK; continue; }
    // Ordinal dates: "am 3. Oktober", "den 5. maj".
    if (ordinals && /^(\d{1,4}|[IVXLC]{1,6})$/.test(word) && SPACE.test(next) && (MONTHS.test(after) || /^\p{Ll}/u.test(after) || /^\d{4}\b/.test(after))) {
      chars[i] = MASK; continue;
    }
    if (!word || !LETTER.test(word[0]!)) continue;
    // Inside an e-mail address, a URL or a file path: no sentence ends before the token does.
    if (inUrlOrEmail(text, i)) { if (next && !/\s/u.test(next)) chars[i] = MASK; continue; }
    // Text ends here, or no space follows (file names, domains): not an abbreviation question.
    if (!after) continue;
    // Mask inner periods of multi-period abbreviations ("U.S", "e.g", "т.е") as well.
    const multi = word.includes('.') && (general.has(lower) || /^(?:\p{L}{1,3}\.)+\p{L}{1,4}$/u.test(word));
    const nextRaw = firstNonSpace(text, i + 1);
    const nextIsUpper = UPPER.test(after[0]!) && !/[(“]/u.test(nextRaw);
    const nextIsDigit = DIGIT.test(after[0]!);
    let keep = false; // true: this period is not a sentence end

    if (prepositive.has(lower) && (SPACE.test(next) || next === ':' || next === '\n' && opts.joinLines)) keep = true;
    else if (BEFORE_NUMBER.includes(lower) && (nextIsDigit || after[0] === '(')) keep = true;
    else if (word.length === 1 && /\p{Ll}/u.test(word) && /^\p{L}\.(\s|$)/u.test(after)) keep = true; // "z. B.", "u. Ä."
    else if (multi || general.has(lower)) {
      // "... in the U.S. The rest" ends; "U.S. Army", "e.g. Paris" do not.
      // Country initialisms end a sentence before a capital in other languages ("Jeg bor i E.U. Hvad ...").
      const country = COUNTRY_INITIALISMS.has(lower) && opts.lang !== 'en';
      keep = !nextIsUpper || (!startsSentence(after, opts.lang) && (multi || isInitialism(word)) && !country);
    } else if (word.length === 1 && UPPER.test(word)) {
      // Initials: "Jonas E. Smith", "J. R. R. Tolkien".
      keep = nextIsUpper && (!startsSentence(after, opts.lang) || atSentenceStart(text, i - 1)) || !nextIsUpper;
    } else if (word.length === 1 && !/\p{Lu}|\p{Ll}/u.test(word)) {
      // a single letter of a caseless script (Arabic "د." for doctor) is an abbreviation where that is the custom;
      // not Pashto's "و" ("was"), nor Sindhi's sentence-final particles ("ت.", "ن.")
      keep = CASELESS_INITIALS.has(opts.lang) && word !== 'و';
    } else if (word.length === 1) {
      // "z. B.", "d. h.", "u. a.": a single letter followed by another single-letter abbreviation
      keep = !nextIsUpper || /^\p{L}\.(\s|$)/u.test(after);
    }
    if (keep) {
      chars[i] = MASK;
      if (multi) for (let j = i - word.length; j < i; j++) if (text[j] === '.') chars[j] = MASK;
    }
  }
  for (const item of listItems(text)) if (item.masked) maskRange(chars, item.pos, item.pos + item.length, /\./u);
  maskOtherPunctuation(text, chars, opts.lang);
  maskOpeningAfterTerminator(text, chars);
  maskSpacedClosers(text, chars);
  maskUrlPunctuation(text, chars);
  return chars.join('');
}

/**
 * "述べた。「増税は…": UAX #29 counts the opening bracket 「 as closing punctuation (class Close), so ICU glues it to
 * the sentence before. Masked, it is a plain character and ICU breaks before it, after 。.
 */
function maskOpeningAfterTerminator(text: string, chars: string[]): void {
  for (const m of text.matchAll(/[。！？!?．][」』）)]*[ \u3000]*([「『（【〔〈《])/gu)) chars[m.index! + m[0].length - 1] = MASK;
}

/** Stands in for a space that must not separate a terminator from its closing quote (a format character). */
const JOINER = '\u2060';

/**
 * French typography spaces the closing guillemet: "Il y a un requin ! », explique Chad." UAX #29 only lets closing
 * punctuation follow the terminator directly, so ICU breaks before "»". The space is masked with a word joiner.
 * Korean glues the quotative particle to a closed quotation ('...것이다.”라고 말했다'): no sentence ends there.
 */
function maskSpacedClosers(text: string, chars: string[]): void {
  for (const m of text.matchAll(/[.!?…]([ \u00A0\u202F]{1,2})([»”])(?![\p{L}\p{N}])/gu)) {
    // a closer only where the quotation was opened with the other sign and no word is glued to it: Swedish and
    // Finnish open with ”, Slovenian and Danish with » ("»Danes ni ...")
    const before = text.slice(Math.max(0, m.index! - 600), m.index!);
    const close = m[2]!;
    if (before.lastIndexOf(close === '»' ? '«' : '“') <= before.lastIndexOf(close)) continue;
    for (let j = m.index! + 1; j < m.index! + 1 + m[1]!.length; j++) chars[j] = JOINER;
  }
  for (const m of text.matchAll(/[.!?]["'”’」』]+(?=\p{Script=Hangul})/gu)) chars[m.index!] = MASK;
}

/** "?" and "!" inside a URL ("search?q=1", "example.com/?Page=2") end no sentence. */
function maskUrlPunctuation(text: string, chars: string[]): void {
  for (const m of text.matchAll(/[?!](?=[\p{L}\p{N}_=&%#/-])/gu)) if (inUrlOrEmail(text, m.index!)) chars[m.index!] = MASK;
}

const maskRange = (chars: string[], from: number, to: number, what: RegExp) => {
  for (let j = from; j < to; j++) if (what.test(chars[j]!)) chars[j] = MASK;
};

/** Masks for "!", "?", ellipses, bracketed omissions and titles, which ICU would otherwise break after. */
function maskOtherPunctuation(text: string, chars: string[], lang: string): void {
  const TERM = /[.!?！？。]/u;
  // "[...]" and "(...)" mark omissions inside a quotation.
  for (const m of text.matchAll(/[[(]\s*(?:\.\s*){3,}[\])]|[[(]…[\])]/gu)) maskRange(chars, m.index!, m.index! + m[0].length, TERM);
  // Titles in 《》 and 〈〉 (Chinese) and 「」 『』 (Japanese) quotations that continue the sentence.
  for (const m of text.matchAll(/《[^》]{0,80}》|〈[^〉]{0,80}〉/gu)) maskRange(chars, m.index!, m.index! + m[0].length, TERM);
  for (const m of text.matchAll(/「[^」]{0,200}」(?=[^\s。！？」])|『[^』]{0,200}』(?=[^\s。！？』])/gu)) {
    maskRange(chars, m.index!, m.index! + m[0].length, TERM);
  }
  // Footnote marks glued to the end ("martyr.[1]"): ICU would break inside them; extraBoundaries puts the end after.
  for (const m of text.matchAll(/[.!?](?=(?:\[\d{1,3}\])+)/gu)) chars[m.index!] = MASK;
  // "!Kung", "Y!J": an exclamation mark glued to letters on its right is part of a name.
  for (const m of text.matchAll(/!(?=\p{L})/gu)) chars[m.index!] = MASK;
  // "Yahoo! in ...", "'Where?' he asked", "'Well!' thought Alice": before a lowercase word the sentence goes on.
  // Without a closing quote that is an English habit (brand names); elsewhere "кім? не?" are two questions.
  for (const m of text.matchAll(/[!?][!?]*["'”’»)\]]*(?=\s+["'“‘«(]?\p{Ll})/gu)) {
    if (lang === 'el' || lang === 'hy') continue;
    if (lang !== 'en' && !/["'”’»)\]]$/u.test(m[0])) continue;
    maskRange(chars, m.index!, m.index! + m[0].length, /[!?]/u);
  }
  // Spaced ellipsis ". . ." inside a sentence; a fourth period before it is the real sentence end.
  for (const m of text.matchAll(/(?<=\s|^)\.(?: \.){2}(?=\s+\S)/gu)) maskRange(chars, m.index!, m.index! + m[0].length, /\./u);
  for (const m of text.matchAll(/\p{L}\.(?= \.(?: \.){2})/gu)) chars[m.index! + 1] = '.';
  // An ellipsis glued to the next word continues the sentence ("անձրևել...Այդպես", "mean...see").
  for (const m of text.matchAll(/(?:\.{3,}|…)(?=[\p{L}\p{N}])/gu)) maskRange(chars, m.index!, m.index! + m[0].length, /[.…]/u);
}

function startsSentence(after: string, lang: string): boolean {
  const w = /^[\p{L}]+/u.exec(after)?.[0] ?? '';
  return SENTENCE_STARTERS.has(w) && lang !== '';
}

/*
 * Every helper below looks at a bounded neighbourhood of the position it is asked about (or scans a stretch that no
 * other call scans again): maskText calls them once per period, so anything that copied or scanned "the text before"
 * or "the text after" made segmentation quadratic in paragraph length (issue 11: 20k sentences in one paragraph took
 * 15 s).
 */

/** The first non-whitespace character at or after `from` ('' at the end). The whitespace run scanned here ends at
 *  the next non-space character, so no character is scanned twice by consecutive periods. */
function firstNonSpace(text: string, from: number): string {
  let p = from;
  while (p < text.length && /\s/u.test(text[p]!)) p++;
  return text[p] ?? '';
}

/** Is position `pos` the start of a sentence (text start or after a terminator)? Used for "Q. What...?" labels. */
function atSentenceStart(text: string, pos: number): boolean {
  let p = pos - 1;
  while (p >= 0 && /\s/u.test(text[p]!)) p--;
  if (p < 0) return true;
  // the last one or two characters before the blanks decide: a terminator, optionally followed by a closing quote
  return /[.!?。！？:]["'”’)]?$/u.test(text.slice(Math.max(0, p - 1), p + 1));
}

/** The last token inUrlOrEmail classified: a token with many periods ("a.b.c....") is scanned only once. */
let lastToken: { text: string; start: number; end: number; url: boolean } | null = null;

/** Is the period at `i` inside a token that looks like an e-mail address, a URL or a path? */
function inUrlOrEmail(text: string, i: number): boolean {
  if (lastToken && lastToken.text === text && i >= lastToken.start && i < lastToken.end) return lastToken.url;
  let s = i;
  while (s > 0 && !/\s/u.test(text[s - 1]!)) s--;
  let e = i;
  while (e < text.length && !/\s/u.test(text[e]!)) e++;
  const token = text.slice(s, e);
  const url = /@\S+\.|:\/\/|^www\.|^\(?https?:|^\(?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}\/|\.(?:php|aspx?|html?|jsp)\?/iu.test(token);
  lastToken = { text, start: s, end: e, url };
  return url;
}

/** Longest word wordBefore returns: abbreviations are short, and a bound keeps a long run of "a.a.a.a" linear. */
const MAX_WORD = 64;

/** The run of letters (and inner periods, apostrophes, hyphens) that ends just before position `end`. */
function wordBefore(text: string, end: number): string {
  let s = end;
  while (s > 0 && end - s < MAX_WORD && /[\p{L}\p{M}\p{Nd}\p{Cf}.'’°º-]/u.test(text[s - 1]!)) s--;
  // a leading period belongs to the previous token ("etc..")
  while (text[s] === '.' && s < end) s++;
  // directional marks around the period (Arabic "د\u202A.\u202C") are not part of the word
  return text.slice(s, end).replace(/\p{Cf}/gu, '');
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
function joinable(text: string, i: number, mode: true | 'auto'): boolean {
  if (text[i + 1] === '\n' || text[i - 1] === '\n') return false;
  const rest = text.slice(i + 1, i + 12).trimStart();
  if (/^([-*•·◦‣▪–]\s|\d{1,3}[.)]\s|[a-z][.)]\s|[ivx]{1,4}[.)]\s)/iu.test(rest)) return false;
  if (mode === true) return true;
  const lineStart = text.lastIndexOf('\n', i - 1) + 1;
  const line = text.slice(lineStart, i);
  const prev = line.trimEnd().slice(-1);
  if (/[.!?。！？:;]/u.test(prev)) return false;
  // CJK text wraps anywhere: join when both sides are ideographs or kana
  // (a line that ends in a space was ended on purpose: wrapped CJK lines have none)
  if (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(prev) && /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(rest)) return !/\s$/u.test(line);
  if (!/^\p{Ll}/u.test(rest)) return false;
  return /\s$/u.test(line) || line.trim().split(/\s+/u).length >= 3;
}

/** Punctuation that ends a sentence in one language but not in general (before whitespace). */
const LANG_TERMINATORS: Record<string, RegExp> = {
  el: /[;\u037E](?=\s+\S)/gu, // the Greek question mark is a semicolon
  hy: /[:։](?=\s+\S)/gu, // Armenian full stop, often typed as a colon
  // Tibetan and Dzongkha: the shad "།" closes a sentence (and a clause: a clause's shad follows a connective, see below)
  bo: /(?<!(?:^|[་\s])(?:དང|ཅིང|ཞིང|ཤིང|སྟེ|ཏེ|དེ|ནས|ན|ཀྱང|ཡང|འམ|གམ|ངམ)་?)[།༎]+(?=\s+\S)/gu,
  dz: /(?<!(?:^|[་\s])(?:དང|ཅིང|ཞིང|ཤིང|སྟེ|ཏེ|དེ|ནས|ན|ཀྱང|ཡང|འམ|གམ|ངམ)་?)[།༎]+(?=\s+\S)/gu,
};

/**
 * Arabic-script languages: a colon ends a short label at a paragraph's start ("سؤال وجواب: ماذا حدث"), as the
 * pragmatic_segmenter suites split; in running text it introduces speech or an explanation and ends nothing
 * ("وقال: «..."; NTREX-128 news: splitting every colon cost Persian 9 and Arabic, with the Arabic comma, 36 points).
 */
const LABEL_COLON_LANGS = new Set(['ar', 'fa', 'ur', 'ps', 'ckb', 'sd', 'ug']);
const LABEL_COLON = /^[^\s.!?؟:«"“]+(?:\s+[^\s.!?؟:«"“]+){0,2}:(?=\s+[^\s«"“'‘(])/u;

/** Languages whose suites end a sentence at a period even before a lowercase word (ICU never does). */
const LOWERCASE_STARTS = new Set(['el']);

/**
 * Extra boundaries ICU misses, as positions (exclusive ends) within `text`: language-specific terminators, a period
 * before a lowercase word or a number that is no abbreviation, sentences glued without a space ("world.Today"), the
 * fullwidth period, and inline numbered lists ("1. first 2. second").
 */
export function extraBoundaries(text: string, masked: string, lang: string): number[] {
  const out: number[] = [];
  const terminators = LANG_TERMINATORS[lang];
  if (terminators) for (const m of masked.matchAll(terminators)) out.push(m.index! + m[0].length);
  // Dzongkha news often leaves out the shad: a sentence-final particle before a space ends the sentence
  if (lang === 'dz') for (const m of masked.matchAll(/(?:མས|ནུག|འདུག|ཨིན་པས|སོང་|ཡི)[༌་]?(?=\s+\S)/gu)) out.push(m.index! + m[0].length);
  // Amharic and Tigrinya typists often write the full stop "።" as two wordspaces "፡፡" (NTREX Amharic: most lines)
  for (const m of masked.matchAll(/(?:፡፡|።)["'”’»)]*(?=\s|$|\p{Script=Ethiopic})/gu)) out.push(m.index! + m[0].length);
  // Armenian sentences glued without a space ("…է։Այս …")
  if (lang === 'hy') for (const m of masked.matchAll(/\p{Ll}[։:]["'”’»)]*(?=\p{Lu}\p{Ll})/gu)) out.push(m.index! + m[0].length);
  if (LABEL_COLON_LANGS.has(lang)) {
    const m = LABEL_COLON.exec(masked);
    if (m) out.push(m[0].length);
  }
  // ICU (UAX #29 rule SB8) never breaks before a lowercase word; with abbreviations masked, a period there is an end.
  const afterPeriod = LOWERCASE_STARTS.has(lang) ? /[^.\s\d]\.(?=\s+(?:\p{Ll}|\d|\.\.\.|…))/gu : /[^.\s\d]\.(?=\s+(?:\d|\.\.\.|…))/gu;
  for (const m of masked.matchAll(afterPeriod)) out.push(m.index! + m[0].length);
  // Footnote marks after the end: "martyr.[1] The", "consultation.11 12 Take", "(type 2).10 This".
  for (const m of masked.matchAll(/[\p{L})][.\u222F]((?:\[\d{1,3}\])+|\d{1,3}(?: \d{1,3})*)(?=\s+\p{Lu})/gu)) {
    out.push(m.index! + m[0].length);
  }
  for (const m of masked.matchAll(/[\p{Ll}\d][.?!．](?=\p{Lu}\p{Ll})|(?<!\p{Nd})．(?=[^\s\p{Nd}])/gu)) {
    const pos = m.index! + m[0].length;
    if (!inUrlOrEmail(text, pos - 1)) out.push(pos);
  }
  out.push(...inlineListBoundaries(text));
  if (lang === 'th') out.push(...thaiBoundaries(text, out));
  return out;
}

interface ListItem {
  pos: number;
  length: number;
  /** the marker's period must not end a sentence */
  masked: boolean;
  /** a new sentence starts at `pos` */
  boundary: boolean;
}

/**
 * List markers: "1.) a 2.) b", "a) x b) y", "• 9. x • 10. y" on one line, or "1. x" at a line start. Consecutive
 * numbering is what tells an inline list from "... at 5. Then".
 */
function listItems(text: string): ListItem[] {
  const found: { pos: number; length: number; key: number; lineStart: boolean }[] = [];
  const re = /(?<=^|\s)([•⁃\-*]\s?|⁃|\()?(\d{1,2}|[a-z])(\.\)|\)|\.)(?=\s+[^\p{Ll}\s])/gu;
  for (const m of text.matchAll(re)) {
    const v = m[2]!;
    if (m[1] === '(' && m[3] !== ')') continue;
    const key = /\d/.test(v) ? Number(v) : v.charCodeAt(0) - 96;
    found.push({ pos: m.index!, length: m[0].length, key, lineStart: atLineStart(text, m.index!) || !!m[1] });
  }
  const items: ListItem[] = [];
  for (let i = 0; i < found.length; i++) {
    const f = found[i]!;
    const prev = found[i - 1];
    const next = found[i + 1];
    const inSequence = (prev && f.key === prev.key + 1) || (next && next.key === f.key + 1);
    if (!inSequence && !f.lineStart) continue;
    items.push({ pos: f.pos, length: f.length, masked: true, boundary: !!(prev && f.key === prev.key + 1) });
  }
  return items;
}

function inlineListBoundaries(text: string): number[] {
  return listItems(text).filter((i) => i.boundary).map((i) => i.pos);
}
