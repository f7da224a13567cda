/**
 * Porter stemmer with the three modes of NLTK's `nltk.stem.porter.PorterStemmer`:
 *
 * - `NLTK_EXTENSIONS` (NLTK's default, and what Google's rouge-score uses through `PorterStemmer()`),
 * - `MARTIN_EXTENSIONS` (the variant on Martin Porter's site),
 * - `ORIGINAL_ALGORITHM` (the 1980 paper; py-rouge uses it for ROUGE-1.5.5 compatibility).
 *
 * Written from the published algorithm (Porter 1980) plus the documented NLTK departures; it is meant to give
 * the same stems as NLTK in each mode. Input is expected to be lowercase ASCII (the stemmer lowercases anyway).
 */

export type PorterMode = 'NLTK_EXTENSIONS' | 'MARTIN_EXTENSIONS' | 'ORIGINAL_ALGORITHM';

type Condition = ((stem: string) => boolean) | null;
/** A rule: suffix (or the marker '*d' = "ends in a double consonant"), replacement, condition on the stem. */
type Rule = [suffix: string, replacement: string, condition: Condition];

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u']);

/** NLTK_EXTENSIONS irregular forms: surface form → stem (the stemming steps are skipped). */
const IRREGULAR: Record<string, string> = {
  sky: 'sky', skies: 'sky',
  dying: 'die', lying: 'lie', tying: 'tie',
  news: 'news',
  innings: 'inning', inning: 'inning',
  outings: 'outing', outing: 'outing',
  cannings: 'canning', canning: 'canning',
  howe: 'howe',
  proceed: 'proceed', exceed: 'exceed', succeed: 'succeed',
};

export class PorterStemmer {
  readonly mode: PorterMode;
  private readonly cache = new Map<string, string>();

  constructor(mode: PorterMode = 'NLTK_EXTENSIONS') {
    this.mode = mode;
  }

  private isConsonant(word: string, i: number): boolean {
    // Iterative form of the recursive definition: 'y' is a consonant at the start or after a vowel.
    const ch = word[i];
    if (VOWELS.has(ch)) return false;
    if (ch !== 'y') return true;
    if (i === 0) return true;
    return !this.isConsonant(word, i - 1);
  }

  /** m: the number of VC sequences in [C](VC){m}[V]. */
  measure(stem: string): number {
    let m = 0;
    let prevVowel = false;
    for (let i = 0; i < stem.length; i++) {
      const cons = this.isConsonant(stem, i);
      if (cons && prevVowel) m++;
      prevVowel = !cons;
    }
    return m;
  }

  private positive = (stem: string): boolean => this.measure(stem) > 0;

  private containsVowel(stem: string): boolean {
    for (let i = 0; i < stem.length; i++) if (!this.isConsonant(stem, i)) return true;
    return false;
  }

  private endsDoubleConsonant(word: string): boolean {
    const n = word.length;
    return n >= 2 && word[n - 1] === word[n - 2] && this.isConsonant(word, n - 1);
  }

  /** *o: stem ends consonant-vowel-consonant, the last not w, x or y (NLTK also accepts a two-letter vc word). */
  private endsCvc(word: string): boolean {
    const n = word.length;
    const cvc =
      n >= 3 &&
      this.isConsonant(word, n - 3) &&
      !this.isConsonant(word, n - 2) &&
      this.isConsonant(word, n - 1) &&
      !['w', 'x', 'y'].includes(word[n - 1]);
    if (cvc) return true;
    return this.mode === 'NLTK_EXTENSIONS' && n === 2 && !this.isConsonant(word, 0) && this.isConsonant(word, 1);
  }

  /** The first rule whose suffix matches decides: applied when its condition holds, otherwise the word stays. */
  private applyRules(word: string, rules: Rule[]): string {
    for (const [suffix, replacement, condition] of rules) {
      if (suffix === '*d' && this.endsDoubleConsonant(word)) {
        const stem = word.slice(0, -2);
        return condition === null || condition(stem) ? stem + replacement : word;
      }
      if (word.endsWith(suffix)) {
        const stem = suffix === '' ? word : word.slice(0, word.length - suffix.length);
        return condition === null || condition(stem) ? stem + replacement : word;
      }
    }
    return word;
  }

  private step1a(word: string): string {
    if (this.mode === 'NLTK_EXTENSIONS' && word.endsWith('ies') && word.length === 4) return word.slice(0, -3) + 'ie';
    return this.applyRules(word, [
      ['sses', 'ss', null],
      ['ies', 'i', null],
      ['ss', 'ss', null],
      ['s', '', null],
    ]);
  }

  private step1b(word: string): string {
    if (this.mode === 'NLTK_EXTENSIONS' && word.endsWith('ied')) {
      return word.slice(0, -3) + (word.length === 4 ? 'ie' : 'i');
    }
    if (word.endsWith('eed')) {
      const stem = word.slice(0, -3);
      return this.measure(stem) > 0 ? stem + 'ee' : word;
    }
    let intermediate: string | null = null;
    for (const suffix of ['ed', 'ing']) {
      if (word.endsWith(suffix)) {
        const stem = word.slice(0, -suffix.length);
        if (this.containsVowel(stem)) {
          intermediate = stem;
          break;
        }
      }
    }
    if (intermediate === null) return word;
    const s = intermediate;
    const last = s[s.length - 1];
    return this.applyRules(s, [
      ['at', 'ate', null],
      ['bl', 'ble', null],
      ['iz', 'ize', null],
      ['*d', last, () => !['l', 's', 'z'].includes(last)],
      ['', 'e', (stem) => this.measure(stem) === 1 && this.endsCvc(stem)],
    ]);
  }

  private step1c(word: string): string {
    const condition =
      this.mode === 'NLTK_EXTENSIONS'
        ? (stem: string) => stem.length > 1 && this.isConsonant(stem, stem.length - 1)
        : (stem: string) => this.containsVowel(stem);
    return this.applyRules(word, [['y', 'i', condition]]);
  }

  private step2(word: string): string {
    if (this.mode === 'NLTK_EXTENSIONS' && word.endsWith('alli') && this.positive(word.slice(0, -4))) {
      return this.step2(word.slice(0, -4) + 'al');
    }
    const p = this.positive;
    const rules: Rule[] = [
      ['ational', 'ate', p],
      ['tional', 'tion', p],
      ['enci', 'ence', p],
      ['anci', 'ance', p],
      ['izer', 'ize', p],
      this.mode === 'ORIGINAL_ALGORITHM' ? ['abli', 'able', p] : ['bli', 'ble', p],
      ['alli', 'al', p],
      ['entli', 'ent', p],
      ['eli', 'e', p],
      ['ousli', 'ous', p],
      ['ization', 'ize', p],
      ['ation', 'ate', p],
      ['ator', 'ate', p],
      ['alism', 'al', p],
      ['iveness', 'ive', p],
      ['fulness', 'ful', p],
      ['ousness', 'ous', p],
      ['aliti', 'al', p],
      ['iviti', 'ive', p],
      ['biliti', 'ble', p],
    ];
    if (this.mode === 'NLTK_EXTENSIONS') {
      rules.push(['fulli', 'ful', p]);
      // The 'l' of 'logi' stays with the stem, so short stems like 'geo', 'theo' qualify.
      rules.push(['logi', 'log', () => this.positive(word.slice(0, -3))]);
    } else if (this.mode === 'MARTIN_EXTENSIONS') {
      rules.push(['logi', 'log', p]);
    }
    return this.applyRules(word, rules);
  }

  private step3(word: string): string {
    const p = this.positive;
    return this.applyRules(word, [
      ['icate', 'ic', p],
      ['ative', '', p],
      ['alize', 'al', p],
      ['iciti', 'ic', p],
      ['ical', 'ic', p],
      ['ful', '', p],
      ['ness', '', p],
    ]);
  }

  private step4(word: string): string {
    const gt1 = (stem: string) => this.measure(stem) > 1;
    return this.applyRules(word, [
      ['al', '', gt1],
      ['ance', '', gt1],
      ['ence', '', gt1],
      ['er', '', gt1],
      ['ic', '', gt1],
      ['able', '', gt1],
      ['ible', '', gt1],
      ['ant', '', gt1],
      ['ement', '', gt1],
      ['ment', '', gt1],
      ['ent', '', gt1],
      ['ion', '', (stem) => this.measure(stem) > 1 && (stem.endsWith('s') || stem.endsWith('t'))],
      ['ou', '', gt1],
      ['ism', '', gt1],
      ['ate', '', gt1],
      ['iti', '', gt1],
      ['ous', '', gt1],
      ['ive', '', gt1],
      ['ize', '', gt1],
    ]);
  }

  private step5a(word: string): string {
    // Both rules share the suffix 'e', so both conditions are tried (unlike the first-match rule lists).
    if (word.endsWith('e')) {
      const stem = word.slice(0, -1);
      const m = this.measure(stem);
      if (m > 1) return stem;
      if (m === 1 && !this.endsCvc(stem)) return stem;
    }
    return word;
  }

  private step5b(word: string): string {
    return this.applyRules(word, [['ll', 'l', () => this.measure(word.slice(0, -1)) > 1]]);
  }

  stem(word: string): string {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    const out = this.stemUncached(word);
    if (this.cache.size < 100_000) this.cache.set(word, out);
    return out;
  }

  private stemUncached(word: string): string {
    let stem = word.toLowerCase();
    if (this.mode === 'NLTK_EXTENSIONS' && Object.prototype.hasOwnProperty.call(IRREGULAR, word)) {
      return IRREGULAR[word];
    }
    if (this.mode !== 'ORIGINAL_ALGORITHM' && word.length <= 2) return stem;
    if (stem.length === 0) return stem;
    stem = this.step1a(stem);
    stem = this.step1b(stem);
    stem = this.step1c(stem);
    stem = this.step2(stem);
    stem = this.step3(stem);
    stem = this.step4(stem);
    stem = this.step5a(stem);
    stem = this.step5b(stem);
    return stem;
  }
}
