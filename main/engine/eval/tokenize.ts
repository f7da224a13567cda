/**
 * Tokenizers for ROUGE and the n-gram metrics.
 *
 * `tokenizeDefault` is Google rouge-score's default tokenizer (rouge/tokenize.py): lowercase, every run of characters
 * outside ASCII [a-z0-9] becomes a space, split on whitespace, optionally Porter-stem (NLTK_EXTENSIONS mode) the
 * tokens longer than 3 characters, drop empty tokens. Non-ASCII letters vanish, so Hindi or Chinese score 0.
 *
 * `tokenizeMultilingual` follows csebuetnlp/xl-sum's multilingual_rouge_scoring idea: keep Unicode letters (L),
 * combining marks (M, needed by Indic, Thai, Myanmar, ... scripts) and numbers (N); everything else (punctuation,
 * symbols, control characters, whitespace) separates tokens; lowercase. Scripts written without spaces
 * (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar, Tibetan) are word-segmented with ICU's dictionary-based
 * `Intl.Segmenter` (word granularity, word-like segments only) by default — the counterpart of xl-sum's jieba /
 * MeCab / PyThaiNLP segmenters — or split into single characters with `noSpaceScripts: 'chars'`, which needs no
 * dictionary and is stable across ICU versions. Stemming (Porter) applies only to pure ASCII [a-z0-9] tokens
 * longer than 3 characters; other languages are left unstemmed.
 */

import { PorterStemmer } from './porter.js';

export type Tokenizer = (text: string) => string[];

let defaultStemmer: PorterStemmer | null = null;
/** The shared NLTK_EXTENSIONS-mode stemmer (rouge-score's `porter.PorterStemmer()`). */
export function nltkStemmer(): PorterStemmer {
  if (!defaultStemmer) defaultStemmer = new PorterStemmer('NLTK_EXTENSIONS');
  return defaultStemmer;
}

const NON_ALNUM = /[^a-z0-9]+/g;
const VALID = /^[a-z0-9]+$/;

/** rouge-score's `tokenize.tokenize(text, stemmer)`. */
export function tokenizeDefault(text: string, useStemmer = false): string[] {
  const lowered = text.toLowerCase().replace(NON_ALNUM, ' ');
  let tokens = lowered.split(/\s+/);
  if (useStemmer) {
    const stemmer = nltkStemmer();
    tokens = tokens.map((t) => (t.length > 3 ? stemmer.stem(t) : t));
  }
  return tokens.filter((t) => VALID.test(t));
}

export interface MultilingualOptions {
  /** Porter-stem ASCII tokens longer than 3 characters (default false). */
  useStemmer?: boolean;
  /** How to split scripts without spaces: ICU word segmentation (default) or single characters. */
  noSpaceScripts?: 'words' | 'chars';
  /** Locale hint for Intl.Segmenter (e.g. 'zh', 'ja', 'th'); default: ICU's root rules, which already use the
   *  CJK / Thai / Lao / Khmer / Myanmar dictionaries. */
  locale?: string;
}

const NON_WORD = /[^\p{L}\p{M}\p{N}]+/gu;
const NO_SPACE_SCRIPT =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]/u;
const ASCII_ALNUM = /^[a-z0-9]+$/;

const segmenters = new Map<string, Intl.Segmenter>();
function wordSegmenter(locale: string | undefined): Intl.Segmenter {
  const key = locale ?? '';
  let s = segmenters.get(key);
  if (!s) {
    s = new Intl.Segmenter(locale, { granularity: 'word' });
    segmenters.set(key, s);
  }
  return s;
}

/** Unicode-aware tokenizer (see the module comment). */
export function tokenizeMultilingual(text: string, options: MultilingualOptions = {}): string[] {
  const { useStemmer = false, noSpaceScripts = 'words', locale } = options;
  const cleaned = text.toLowerCase().replace(NON_WORD, ' ');
  const out: string[] = [];
  for (const raw of cleaned.split(/\s+/)) {
    if (!raw) continue;
    if (!NO_SPACE_SCRIPT.test(raw)) {
      out.push(raw);
      continue;
    }
    if (noSpaceScripts === 'chars') {
      // Characters of no-space scripts become single tokens (a base letter keeps its combining marks);
      // runs of other characters inside the same chunk stay together.
      let run = '';
      for (const g of graphemes(raw)) {
        if (NO_SPACE_SCRIPT.test(g)) {
          if (run) out.push(run), (run = '');
          out.push(g);
        } else run += g;
      }
      if (run) out.push(run);
    } else {
      for (const seg of wordSegmenter(locale).segment(raw)) {
        if (seg.isWordLike) out.push(seg.segment);
        else if (seg.segment.trim()) out.push(seg.segment); // ICU may mark lone marks as non-word; keep content
      }
    }
  }
  if (!useStemmer) return out;
  const stemmer = nltkStemmer();
  return out.map((t) => (t.length > 3 && ASCII_ALNUM.test(t) ? stemmer.stem(t) : t));
}

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
function* graphemes(s: string): Generator<string> {
  for (const g of graphemeSegmenter.segment(s)) yield g.segment;
}

/** A tokenizer function by name, for options passed around as data. */
export function makeTokenizer(kind: 'default' | 'multilingual', useStemmer = false, locale?: string): Tokenizer {
  if (kind === 'default') return (t) => tokenizeDefault(t, useStemmer);
  return (t) => tokenizeMultilingual(t, { useStemmer, locale });
}
