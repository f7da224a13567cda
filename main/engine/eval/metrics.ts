/**
 * Surface metrics of the Large Concept Model paper (Table 8; research/lcm.md §8), following the paper's
 * definitions rather than the reference repo's `ngram_score` (which mixes 1–4-grams):
 *
 * - OVL-3 (extractiveness): the fraction of the source's word 3-grams that appear in the output,
 *     |types3(source) ∩ types3(output)| / |types3(source)|            (n-gram types, i.e. distinct 3-grams).
 *   `denominator: 'output'` gives the other common reading (fraction of the output's 3-grams found in the source).
 * - REP-4 (repetition): the fraction of duplicated word 4-grams in the output,
 *     (#4-gram occurrences − #distinct 4-grams) / #4-gram occurrences  (0 when the output has no 4-gram).
 * - Word ratio (WR): output words / source words (LCFO, summary expansion); `wordRatio(output, reference)` gives
 *   the length relative to the reference instead.
 *
 * All values are fractions (the paper prints REP-4 values above 1, so its tables are likely in percent).
 * Words come from the rouge-score tokenizer (ASCII) or, when asked, the multilingual tokenizer, so Hindi or
 * Chinese text has words at all.
 */

import { tokenizeDefault, tokenizeMultilingual, type Tokenizer } from './tokenize.js';

export type TokenizerKind = 'rouge-score' | 'multilingual';

export interface MetricOptions {
  /** Which tokenizer counts words (default 'multilingual'); or a tokenizer function. */
  tokenizer?: TokenizerKind | Tokenizer;
  /** Porter-stem ASCII tokens longer than 3 characters (default false). */
  useStemmer?: boolean;
}

export function resolveTokenizer(options: MetricOptions = {}): Tokenizer {
  const t = options.tokenizer ?? 'multilingual';
  if (typeof t === 'function') return t;
  const stem = options.useStemmer ?? false;
  return t === 'rouge-score' ? (s) => tokenizeDefault(s, stem) : (s) => tokenizeMultilingual(s, { useStemmer: stem });
}

/** Word n-gram occurrences as joined keys. */
export function wordNgrams(tokens: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join('\u0001'));
  return out;
}

export interface OverlapOptions extends MetricOptions {
  n?: number; // default 3
  denominator?: 'source' | 'output'; // default 'source' (the paper's definition as transcribed in lcm.md)
}

/** OVL-n between a source document and an output; 0 when the denominator side has no n-gram. */
export function ovl(source: string, output: string, options: OverlapOptions = {}): number {
  const tok = resolveTokenizer(options);
  return ovlTokens(tok(source), tok(output), options.n ?? 3, options.denominator ?? 'source');
}

export function ovlTokens(
  source: readonly string[],
  output: readonly string[],
  n = 3,
  denominator: 'source' | 'output' = 'source',
): number {
  const s = new Set(wordNgrams(source, n));
  const o = new Set(wordNgrams(output, n));
  const [den, other] = denominator === 'source' ? [s, o] : [o, s];
  if (den.size === 0) return 0;
  let shared = 0;
  for (const g of den) if (other.has(g)) shared++;
  return shared / den.size;
}

/** OVL-3 as in the paper. */
export function ovl3(source: string, output: string, options: MetricOptions = {}): number {
  return ovl(source, output, { ...options, n: 3 });
}

/** REP-n: the fraction of the output's word n-gram occurrences that repeat an earlier one. */
export function rep(output: string, n = 4, options: MetricOptions = {}): number {
  return repTokens(resolveTokenizer(options)(output), n);
}

export function repTokens(tokens: readonly string[], n = 4): number {
  const grams = wordNgrams(tokens, n);
  if (grams.length === 0) return 0;
  return (grams.length - new Set(grams).size) / grams.length;
}

/** REP-4 as in the paper. */
export function rep4(output: string, options: MetricOptions = {}): number {
  return rep(output, 4, options);
}

export function countWords(text: string, options: MetricOptions = {}): number {
  return resolveTokenizer(options)(text).length;
}

/** Output words / base words (base = the source document for WR; a reference to compare lengths). 0 if base is empty. */
export function wordRatio(output: string, base: string, options: MetricOptions = {}): number {
  const tok = resolveTokenizer(options);
  const b = tok(base).length;
  return b === 0 ? 0 : tok(output).length / b;
}
