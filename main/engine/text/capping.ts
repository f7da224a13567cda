/**
 * Splitting of sentences too long for the encoder. SONAR embeds one sentence into one vector from at most its first
 * `max_source_tokens` pieces, so only a sentence over that budget must be split; everything else is left as the
 * segmenter found it (the old 250-character cap cut ordinary news sentences into lowercase fragments, issue 14).
 *
 * A sentence over budget is split into as few pieces as the budget allows (k = ⌈tokens / budget⌉), each cut at the
 * best break inside the stretch where it still leaves every side within budget: a missed sentence end first, then
 * clause punctuation (; : dashes), then commas, then spaces, and among those, a break before a word that does not
 * start in lowercase; ties go to the break nearest an even split. A break is only ever taken where whitespace follows
 * (or after the fullwidth punctuation of scripts written without spaces), so numbers ("5,000", "2.8bn") and URLs
 * ("?q=1") are never cut; a hard cut is the last resort for a run with no break at all.
 */

export interface Span {
  start: number;
  end: number;
}

/** Trim a span of `text` to its non-whitespace content (returns null if nothing is left). */
export function trimSpan(text: string, start: number, end: number): Span | null {
  while (start < end && /\s/u.test(text[start]!)) start++;
  while (end > start && /\s/u.test(text[end - 1]!)) end--;
  return end > start ? { start, end } : null;
}

export interface Budget {
  /** most tokens a piece may have */
  maxTokens: number;
  /**
   * Tokens of a stretch of text. Called on single words (runs without whitespace), whose counts are summed, and on
   * whole pieces to check them. Default: estimateTokens.
   */
  countTokens?: (s: string) => number;
  /** what one whitespace character costs (0 for tokens: SentencePiece folds it into the next piece; 1 for characters) */
  spaceCost?: number;
}

/**
 * A tokenizer-free upper estimate of SentencePiece tokens: one per non-space UTF-16 code unit. A piece of SONAR's
 * 256k-piece vocabulary spans at least one character (3–5 on average in alphabetic scripts, about one in Chinese and
 * Japanese), so the estimate errs on the safe side; only byte-fallback pieces of rare characters could exceed it.
 */
export function estimateTokens(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0 || (c > 0x1fff && /\s/u.test(s[i]!)))) n++;
  }
  return n;
}

/** Break classes, best first (see the module comment). */
const enum Cls { End = 0, Clause = 1, Comma = 2, Space = 3, Hard = 4 }

const TERMINATOR = /[.!?…。！？؟۔।॥።፧၊။។៕‼⁇⁈⁉]/u;
const CLAUSE = /[;:;—–]/u;
const COMMA = /[,،、，߸፣]/u;
/** Fullwidth punctuation after which a break needs no space (CJK). */
const UNSPACED_BREAK = /[。！？；：，、]/u;
const CLOSERS = /["'”’»)\]」』】〕〉》]/u;
const OPENERS = /["'“‘«„(\[「『【〔〈《¿¡]/u;

/** The segmenter's masked copy of a stretch of text (periods that end no sentence hidden), starting at `offset`. */
export interface Masked {
  text: string;
  offset: number;
}

/** Split the span [start,end) of `text` so that no piece exceeds the budget. */
export function splitLong(text: string, start: number, end: number, budget: Budget, masked: Masked = { text, offset: 0 }): Span[] {
  const span = trimSpan(text, start, end);
  if (!span) return [];
  const count = budget.countTokens ?? estimateTokens;
  if (span.end - span.start <= budget.maxTokens && budget.countTokens === undefined) return [span]; // the estimate ≤ length
  if (count(text.slice(span.start, span.end)) <= budget.maxTokens) return [span];
  const out: Span[] = [];
  const measure = { count, spaceCost: budget.spaceCost ?? 0 };
  splitInto(text, masked, span, budget.maxTokens, measure, out, 0);
  return out;
}

interface Measure {
  count: (s: string) => number;
  spaceCost: number;
}

/** Prefix token counts over the span, summed word by word: cum[i] = tokens of text[span.start, span.start + i). */
function prefixTokens(text: string, span: Span, { count, spaceCost }: Measure): Float64Array {
  const n = span.end - span.start;
  const cum = new Float64Array(n + 1);
  let i = 0;
  while (i < n) {
    const p = span.start + i;
    if (/\s/u.test(text[p]!)) { cum[i + 1] = cum[i]! + spaceCost; i++; continue; }
    let j = i;
    while (j < n && !/\s/u.test(text[span.start + j]!)) j++;
    const w = count(text.slice(p, span.start + j));
    // spread the word's tokens evenly over its characters, so a hard cut inside a long run knows where it stands
    for (let k = i; k < j; k++) cum[k + 1] = cum[i]! + (w * (k + 1 - i)) / (j - i);
    i = j;
  }
  return cum;
}

function splitInto(text: string, masked: Masked, span: Span, maxTokens: number, measure: Measure, out: Span[], depth: number): void {
  const cum = prefixTokens(text, span, measure);
  const n = span.end - span.start;
  const total = cum[n]!;
  if (total <= maxTokens || n <= 1 || depth > 64) { out.push(span); return; }
  const k = Math.ceil(total / maxTokens);
  const leftPieces = Math.floor(k / 2);
  // the cut must leave the left side within leftPieces budgets and the right within the rest
  const lo = Math.max(total - (k - leftPieces) * maxTokens, 0);
  const hi = Math.min(leftPieces * maxTokens, total);
  const target = (total * leftPieces) / k;
  const cut = bestCut(text, masked, span, cum, lo, hi, target);
  const left = trimSpan(text, span.start, cut);
  const right = trimSpan(text, cut, span.end);
  for (const s of [left, right]) {
    if (!s) continue;
    if (measure.count(text.slice(s.start, s.end)) <= maxTokens) out.push(s);
    else splitInto(text, masked, s, maxTokens, measure, out, depth + 1);
  }
}

/** The best break position (absolute offset of the next piece's start) with lo ≤ cum ≤ hi. */
function bestCut(text: string, masked: Masked, span: Span, cum: Float64Array, lo: number, hi: number, target: number): number {
  const n = span.end - span.start;
  let best = -1;
  let bestScore = Infinity;
  let bestDist = Infinity;
  for (let i = 1; i < n; i++) {
    const t = cum[i]!;
    if (t < lo) continue;
    if (t > hi) break;
    const cls = breakClass(text, masked, span.start + i);
    if (cls === Cls.Hard) continue;
    const score = cls * 2 + (lowercaseNext(text, span.start + i, span.end) ? 1 : 0);
    const dist = Math.abs(t - target);
    if (score < bestScore || (score === bestScore && dist < bestDist)) { best = span.start + i; bestScore = score; bestDist = dist; }
  }
  if (best >= 0) return skipSpace(text, best, span.end);
  return hardCut(text, span, cum, lo, hi, target);
}

/** Class of a break just before position `p` (the next piece would start at the first non-space at or after p). */
function breakClass(text: string, masked: Masked, p: number): Cls {
  const prev = text[p - 1]!;
  const here = text[p]!;
  if (/\s/u.test(prev)) return Cls.Hard; // only the first position of a whitespace run is considered
  if (!/\s/u.test(here)) {
    // no space: only after fullwidth punctuation (CJK), never inside a token
    if (!UNSPACED_BREAK.test(prev) && !(CLOSERS.test(prev) && UNSPACED_BREAK.test(text[p - 2] ?? ''))) return Cls.Hard;
  }
  let q = p - 1;
  while (q > 0 && CLOSERS.test(text[q]!) && q > p - 3) q--;
  const punct = masked.text[q - masked.offset] ?? text[q]!;
  if (TERMINATOR.test(punct)) return Cls.End;
  if (CLAUSE.test(punct)) return Cls.Clause;
  if (COMMA.test(punct)) return Cls.Comma;
  // a spaced dash: "word - word"
  if (/[-–—]/u.test(prev) && /\s/u.test(text[p - 2] ?? '')) return Cls.Clause;
  return /\s/u.test(here) ? Cls.Space : Cls.Hard;
}

function skipSpace(text: string, p: number, end: number): number {
  while (p < end && /\s/u.test(text[p]!)) p++;
  return p;
}

/** Does the piece starting at `p` begin with a lowercase letter (after spaces and opening quotes)? */
function lowercaseNext(text: string, p: number, end: number): boolean {
  let q = p;
  while (q < end && (/\s/u.test(text[q]!) || OPENERS.test(text[q]!))) q++;
  return /\p{Ll}/u.test(text[q] ?? '');
}

let wordSegmenter: Intl.Segmenter | undefined;
const HARD_WINDOW = 512;

/**
 * No break anywhere in range (a long run of Thai, Khmer or CJK without punctuation, a very long token): cut at a word
 * boundary from ICU's dictionary-based word segmentation if there is one, else between two code points.
 */
function hardCut(text: string, span: Span, cum: Float64Array, lo: number, hi: number, target: number): number {
  const n = span.end - span.start;
  let a = 1;
  while (a < n && cum[a]! < lo) a++;
  let b = a;
  while (b < n && cum[b + 1]! <= hi) b++;
  if (b < a) b = a;
  // ICU on a bounded window around the target only: its cost per boundary grows with the string's length
  let t = a;
  while (t < b && cum[t]! < target) t++;
  a = Math.max(a, t - HARD_WINDOW);
  b = Math.min(b, t + HARD_WINDOW);
  wordSegmenter ??= new Intl.Segmenter(undefined, { granularity: 'word' });
  let best = -1;
  let bestDist = Infinity;
  for (const seg of wordSegmenter.segment(text.slice(span.start + a, span.start + b + 1))) {
    const i = a + seg.index;
    if (seg.index === 0 || i <= 0 || i >= n) continue;
    // never inside a number ("5,000", "2.8", "1 000" does not arise: spaces are breaks of their own)
    if (/[\p{N},.]/u.test(text[span.start + i - 1]!) && /[\p{N},.]/u.test(text[span.start + i]!)) continue;
    if (/\p{L}/u.test(text[span.start + i - 1]!) && /\p{N}/u.test(text[span.start + i]!)) continue;
    const d = Math.abs(cum[i]! - target);
    if (d < bestDist) { best = i; bestDist = d; }
  }
  if (best < 0) {
    best = a;
    for (let i = a; i <= b; i++) if (Math.abs(cum[i]! - target) < Math.abs(cum[best]! - target)) best = i;
  }
  let p = span.start + best;
  if (/[\uDC00-\uDFFF]/u.test(text[p]!) && p - 1 > span.start) p--;
  return p;
}

/** Split a span so that no piece is longer than `maxChars` characters (the same breaks, counted in characters). */
export function capSpan(text: string, start: number, end: number, maxChars: number, masked?: Masked): Span[] {
  return splitLong(text, start, end, { maxTokens: maxChars, countTokens: (s) => s.length, spaceCost: 1 }, masked);
}
