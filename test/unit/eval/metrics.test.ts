import { describe, expect, it } from 'vitest';
import { countWords, ovl, ovl3, rep, rep4, wordNgrams, wordRatio } from '../../../main/engine/eval/metrics.js';
import {
  evaluate,
  formatJson,
  formatMarkdown,
  leadK,
  leadKBaseline,
  parseJsonl,
  regexSplitSentences,
  scoreRecord,
} from '../../../main/engine/eval/evaluate.js';
import { RougeScorer } from '../../../main/engine/eval/rouge.js';

describe('OVL-3, REP-4, word ratio', () => {
  it('n-grams', () => {
    expect(wordNgrams(['a', 'b', 'c', 'd'], 3)).toHaveLength(2);
    expect(wordNgrams(['a', 'b'], 3)).toHaveLength(0);
  });
  it('OVL-3 is the fraction of source 3-grams found in the output', () => {
    const src = 'the cat sat on the mat today';
    // source 3-grams: the cat sat | cat sat on | sat on the | on the mat | the mat today  (5)
    expect(ovl3(src, 'the cat sat on a mat')).toBeCloseTo(2 / 5, 12);
    expect(ovl3(src, src)).toBe(1);
    expect(ovl3(src, 'nothing in common here')).toBe(0);
    expect(ovl3('too short', 'too short')).toBe(0);
    // the output-denominator reading: output 3-grams: the cat sat | cat sat on | sat on a | on a mat → 2/4
    expect(ovl(src, 'the cat sat on a mat', { denominator: 'output' })).toBeCloseTo(2 / 4, 12);
    // punctuation and case do not matter
    expect(ovl3('The cat, sat.', 'the CAT sat')).toBe(1);
  });
  it('REP-4 is the fraction of duplicated 4-gram occurrences', () => {
    expect(rep4('a b c d e f')).toBe(0);
    // a b c d a b c d: 4-grams abcd bcda cdab dabc abcd → 5 occurrences, 4 distinct
    expect(rep4('a b c d a b c d')).toBeCloseTo(1 / 5, 12);
    expect(rep4('a b c')).toBe(0);
    expect(rep('x x x x x', 2)).toBeCloseTo(3 / 4, 12);
  });
  it('word ratio', () => {
    expect(wordRatio('one two', 'one two three four')).toBe(0.5);
    expect(wordRatio('one two', '')).toBe(0);
    expect(countWords('Hello, wörld!')).toBe(2);
    expect(countWords('Hello, wörld!', { tokenizer: 'rouge-score' })).toBe(3); // w, rld split on ö
  });
  it('multilingual words', () => {
    expect(countWords('नमस्ते दुनिया')).toBe(2);
    expect(countWords('नमस्ते दुनिया', { tokenizer: 'rouge-score' })).toBe(0);
    expect(ovl3('我们今天去北京大学', '我们今天去北京')).toBeGreaterThan(0);
  });
});

describe('evaluation', () => {
  const records = [
    { id: 'a', lang: 'en', document: 'The cat sat on the mat. It was happy. Then it slept.', summary: 'A cat sat on a mat.', prediction: 'The cat sat on the mat.' },
    { id: 'b', lang: 'en', document: 'Rain fell all day. Roads flooded. Schools closed early.', summary: 'Heavy rain flooded roads.', prediction: 'Rain fell all day.\nRoads flooded.' },
    { id: 'c', lang: 'hi', document: 'आज बारिश हुई। सड़कें भर गईं।', summary: 'बारिश से सड़कें भर गईं।', prediction: 'आज बारिश हुई।' },
  ];
  it('splits sentences with the regex default', () => {
    expect(regexSplitSentences('One. Two! Three? "Four." Five')).toEqual(['One.', 'Two!', 'Three?', '"Four."', 'Five']);
    expect(regexSplitSentences('आज बारिश हुई। सड़कें भर गईं।')).toEqual(['आज बारिश हुई।', 'सड़कें भर गईं।']);
    expect(regexSplitSentences('我们去了。你呢？好的')).toEqual(['我们去了。', '你呢？', '好的']);
    expect(regexSplitSentences('a\n\nb')).toEqual(['a', 'b']);
  });
  it('lead-k uses the given splitter', () => {
    expect(leadK('A. B. C. D.', 3)).toBe('A.\nB.\nC.');
    expect(leadK('A|B|C', 2, (t) => t.split('|'))).toBe('A\nB');
    const base = leadKBaseline(records, 1);
    expect(base[0].prediction).toBe('The cat sat on the mat.');
    expect(base[2].prediction).toBe('आज बारिश हुई।');
  });
  it('per-record metrics agree with the scorer on newline-joined sentences', () => {
    const m = scoreRecord(records[1]);
    const s = new RougeScorer(['rougeLsum'], { tokenizer: (t) => t.toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? [] }).score(
      'Heavy rain flooded roads.',
      'Rain fell all day.\nRoads flooded.',
    );
    expect(m.rouge.rougeLsum.fmeasure).toBeCloseTo(s.rougeLsum.fmeasure, 12);
    expect(m.wordRatio).toBeCloseTo(6 / 9, 12);
    expect(m.lengthRatio).toBeCloseTo(6 / 4, 12);
  });
  it('aggregates, per-language table, formatting', () => {
    const rep = evaluate(records, { method: 'test', nSamples: 200 });
    expect(rep.n).toBe(3);
    expect(Object.keys(rep.byLanguage)).toEqual(['en', 'hi']);
    expect(rep.byLanguage.hi.n).toBe(1);
    expect(rep.byLanguage.hi.rouge.rouge1.mean.fmeasure).toBeGreaterThan(0);
    const o = rep.overall.rouge.rougeL;
    expect(o.low.fmeasure).toBeLessThanOrEqual(o.mid.fmeasure);
    expect(o.mid.fmeasure).toBeLessThanOrEqual(o.high.fmeasure);
    const mean = (rep.records!.reduce((a, r) => a + r.rouge.rougeL.fmeasure, 0)) / 3;
    expect(o.mean.fmeasure).toBeCloseTo(mean, 12);
    // deterministic with the seed
    expect(formatJson(evaluate(records, { method: 'test', nSamples: 200 }))).toBe(formatJson(rep));
    const md = formatMarkdown(rep);
    expect(md).toContain('| rougeL |');
    expect(md).toContain('| hi | 1 |');
    const parsed = JSON.parse(formatJson(rep));
    expect(parsed.byLanguage.en.n).toBe(2);
    // the ASCII tokenizer scores the Hindi record zero
    const ascii = evaluate(records, { tokenizer: 'rouge-score', nSamples: 50 });
    expect(ascii.byLanguage.hi.rouge.rouge1.mean.fmeasure).toBe(0);
  });
  it('parses JSONL', () => {
    expect(parseJsonl('{"a":1}\n\n{"a":2}\n')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(() => parseJsonl('{"a":1}\n{bad')).toThrow(/line 2/);
  });
});
