import { describe, expect, it } from 'vitest';
import { capSpan } from '../../../main/engine/text/capping.js';
import { paragraphs, segment } from '../../../main/engine/text/segmenter.js';

const texts = (t: string, o = {}) => segment(t, o).map((s) => s.text);

describe('segment', () => {
  it('keeps offsets into the original text and paragraph indices', () => {
    const text = '  Dr. Smith arrived at 5 p.m. on Jan. 3. He left.\n\nZweiter Absatz. Noch ein Satz!  ';
    const out = segment(text);
    for (const s of out) expect(text.slice(s.start, s.end)).toBe(s.text);
    expect(out.map((s) => [s.text, s.paragraph])).toEqual([
      ['Dr. Smith arrived at 5 p.m. on Jan. 3.', 0], ['He left.', 0], ['Zweiter Absatz.', 1], ['Noch ein Satz!', 1],
    ]);
  });

  it('handles abbreviations, numbers, lists and ellipses', () => {
    expect(texts('Mr. Brown paid $3.14 for it, i.e. almost nothing. Then he left.')).toEqual([
      'Mr. Brown paid $3.14 for it, i.e. almost nothing.', 'Then he left.']);
    expect(texts('1. The first item 2. The second item')).toEqual(['1. The first item', '2. The second item']);
    expect(texts('I live in the U.S. The weather is fine.')).toEqual(['I live in the U.S.', 'The weather is fine.']);
    expect(texts('Wir treffen uns am 3. Oktober, z. B. in Berlin.', { lang: 'de' })).toHaveLength(1);
  });

  it('splits at the terminators of other scripts', () => {
    expect(texts('これは本です。それは猫です！', { lang: 'ja' })).toEqual(['これは本です。', 'それは猫です！']);
    expect(texts('यह एक वाक्य है। यह दूसरा है।', { lang: 'hi' })).toHaveLength(2);
    expect(texts('ما اسمك؟ اسمي أحمد.', { lang: 'ar' })).toHaveLength(2);
    expect(texts('Բարև Ձեզ։ Ինչպե՞ս եք։', { lang: 'hy' })).toHaveLength(2);
    expect(texts('ሰላም ነው። እንዴት ነህ።', { lang: 'am' })).toHaveLength(2);
    expect(texts('မင်္ဂလာပါ။ နေကောင်းလား။', { lang: 'my' })).toHaveLength(2);
    expect(texts('Τι κάνεις; Είμαι καλά.', { lang: 'ell_Grek' })).toEqual(['Τι κάνεις;', 'Είμαι καλά.']);
  });

  it('accepts SONAR codes and BCP-47 tags as language', () => {
    expect(texts('Dr. Müller kommt. Er ist da.', { lang: 'deu_Latn' })).toEqual(['Dr. Müller kommt.', 'Er ist da.']);
    expect(texts('Dr. Müller kommt. Er ist da.', { lang: 'de-AT' })).toHaveLength(2);
  });

  it('joins hard-wrapped lines that continue a sentence, keeps separate lines apart', () => {
    expect(texts('This is a long sentence that\nwraps onto the next line.')).toEqual([
      'This is a long sentence that\nwraps onto the next line.']);
    expect(texts('Title\nFirst sentence.')).toEqual(['Title', 'First sentence.']);
    expect(texts('Line one\nline two', { joinLines: false })).toEqual(['Line one', 'line two']);
  });

  it('caps long sentences at the best fallback separator, never above maxChars', () => {
    const long = 'word '.repeat(40) + '; ' + 'other '.repeat(40) + '.';
    const out = segment(long, { maxChars: 250 });
    expect(out.length).toBeGreaterThan(1);
    for (const s of out) {
      expect(s.text.length).toBeLessThanOrEqual(250);
      expect(long.slice(s.start, s.end)).toBe(s.text);
    }
    expect(out[0]!.text.endsWith(';')).toBe(true);
    const noSep = 'x'.repeat(600);
    expect(segment(noSep, { maxChars: 250 }).map((s) => s.text.length)).toEqual([200, 200, 200]);
  });

  it('capSpan prefers ellipses and strong punctuation over commas and spaces', () => {
    const t = 'a'.repeat(30) + ', ' + 'b'.repeat(30) + '! ' + 'c'.repeat(30);
    const spans = capSpan(t, 0, t.length, 70);
    expect(spans.map((s) => t.slice(s.start, s.end))).toEqual(['a'.repeat(30) + ', ' + 'b'.repeat(30) + '!', 'c'.repeat(30)]);
  });

  it('returns nothing for empty or blank text and rejects a bad cap', () => {
    expect(segment('')).toEqual([]);
    expect(segment(' \n\n \t')).toEqual([]);
    expect(() => segment('x', { maxChars: 0 })).toThrow(RangeError);
  });

  it('splits paragraphs at blank lines, including whitespace-only ones', () => {
    const t = 'One.\n \nTwo.\r\n\r\nThree.';
    expect(paragraphs(t).map((p) => t.slice(p.start, p.end))).toEqual(['One.', 'Two.', 'Three.']);
  });
});
