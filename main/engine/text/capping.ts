/**
 * Length capping for sentences, as the LCM data pipeline does it (`sentence_splitter_pipeline.py`): a sentence
 * longer than the cap is re-split at the best fallback separator that occurs in it, pieces are packed greedily back up
 * to the cap, and whatever is still too long tries the next separator; a hard cut guarantees the cap at the end.
 * SONAR embeds one sentence into one vector, and quality falls off sharply above ~250 characters.
 */

/** Fallback separators in priority order (ellipsis first, then line breaks, strong, weak punctuation, blanks). */
export const FALLBACK_SEPARATORS: readonly string[] = ['…', '...', '\n', '!', '?', ';', ':', '.', ',', '\t', ' '];

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

/**
 * Split the span [start,end) of `text` into spans of at most `maxChars` characters (after trimming).
 * Separators stay with the piece on their left, so every piece still ends in its own punctuation.
 */
export function capSpan(text: string, start: number, end: number, maxChars: number, sepIndex = 0): Span[] {
  const span = trimSpan(text, start, end);
  if (!span) return [];
  if (span.end - span.start <= maxChars) return [span];
  for (let i = sepIndex; i < FALLBACK_SEPARATORS.length; i++) {
    const sep = FALLBACK_SEPARATORS[i]!;
    const cuts = separatorCuts(text, span, sep);
    if (cuts.length === 0) continue;
    // Greedy packing: extend the current piece while it stays within the cap.
    const out: Span[] = [];
    let pieceStart = span.start;
    let lastCut = -1;
    for (const cut of [...cuts, span.end]) {
      if (cut - pieceStart > maxChars && lastCut > pieceStart) {
        out.push(...capSpan(text, pieceStart, lastCut, maxChars, i + 1));
        pieceStart = lastCut;
      }
      lastCut = cut;
    }
    out.push(...capSpan(text, pieceStart, span.end, maxChars, i + 1));
    return out;
  }
  // No separator at all (e.g. a long run of CJK without punctuation, or a URL): hard cut, avoiding a split
  // inside a surrogate pair.
  const out: Span[] = [];
  let s = span.start;
  while (s < span.end) {
    let e = Math.min(s + maxChars, span.end);
    if (e < span.end && /[\uDC00-\uDFFF]/.test(text[e]!)) e--;
    const t = trimSpan(text, s, e);
    if (t) out.push(t);
    s = e;
  }
  return out;
}

/** Positions just after each occurrence of `sep` inside the span (never at the span's very end). */
function separatorCuts(text: string, span: Span, sep: string): number[] {
  const cuts: number[] = [];
  // Search a copy of the span: indexOf on the whole text would run past the span to the end of the text whenever
  // `sep` is absent from it, once per long sentence, which is quadratic in the text's length.
  const sub = text.slice(span.start, span.end);
  const end = sub.length;
  let i = sub.indexOf(sep);
  while (i !== -1 && i + sep.length < end) {
    let cut = i + sep.length;
    // keep runs like "?!" or "...." together
    while (cut < end && sub[cut] === sep[sep.length - 1] && sep !== ' ' && sep !== '\n') cut++;
    if (cut > 0 && cut < end) cuts.push(span.start + cut);
    i = sub.indexOf(sep, cut);
  }
  return cuts;
}
