import { describe, expect, it } from 'vitest';
import { pairedBootstrap } from '../../../main/engine/eval/bootstrap.js';
import { attachPredictions, documentSentences, parseEvalMethods, summarySentences } from '../../../main/engine/eval/datasets.js';
import { comparePaired, evaluate, leadK, regexSplitSentences } from '../../../main/engine/eval/evaluate.js';

const GLUED = 'The quake struck at dawn, officials said.The tremor was felt in three towns. Schools closed. Roads were cut.';

describe('lead-k through the product segmenter', () => {
  it('cuts a glued sentence end where the app does, so lead-k has k sentences', () => {
    expect(leadK(GLUED, 2, documentSentences, 'eng_Latn').split('\n')).toEqual(['The quake struck at dawn, officials said.', 'The tremor was felt in three towns.']);
    // the regex splitter the CLI used before glues the first two into one, so its "lead-2" is three sentences long
    expect(leadK(GLUED, 2, regexSplitSentences)).toContain('Schools closed.');
  });
  it('summary lines are boundaries for rougeLsum', () => {
    expect(summarySentences('first line without stop\nsecond line', 'eng_Latn')).toEqual(['first line without stop', 'second line']);
  });
});

describe('--method', () => {
  it('lead-K keeps its K; "lead" takes --sentences; the label is what was computed', () => {
    expect(parseEvalMethods('lead-1,lead-3', 5)).toEqual([
      { kind: 'lead', k: 1, label: 'lead-1' },
      { kind: 'lead', k: 3, label: 'lead-3' },
    ]);
    expect(parseEvalMethods('lead', 5)).toEqual([{ kind: 'lead', k: 5, label: 'lead-5' }]);
    expect(parseEvalMethods('lead3, extractive', 2).map((m) => m.label)).toEqual(['lead-3', 'extractive']);
  });
  it('rejects unknown methods, lead-0 and duplicates with a message', () => {
    expect(() => parseEvalMethods('textrank', 3)).toThrow(/lead-K .* extractive or lcm/);
    expect(() => parseEvalMethods('lead-0', 3)).toThrow(/K ≥ 1/);
    expect(() => parseEvalMethods('lead-3,lead3', 3)).toThrow(/twice/);
  });
});

describe('--predictions', () => {
  const refs = [
    { id: 'a', document: 'x', summary: 's a', lang: 'en' },
    { id: 'b', document: 'y', summary: 's b', lang: 'en' },
  ];
  it('matches predictions to references by id, in any order; arrays are sentences', () => {
    const text = '{"id":"b","prediction":["one.","two."]}\n{"id":"a","prediction":"pa"}\n';
    const out = attachPredictions(refs, text, 'p.jsonl');
    expect(out.map((r) => [r.id, r.prediction])).toEqual([['a', 'pa'], ['b', 'one.\ntwo.']]);
  });
  it('a missing, unknown, duplicate or malformed line is an error naming it', () => {
    expect(() => attachPredictions(refs, '{"id":"a","prediction":"p"}', 'p.jsonl')).toThrow(/no prediction for 1 of 2 .*\(b\)/);
    expect(() => attachPredictions(refs, '{"id":"a","prediction":"p"}\n{"id":"b","prediction":"p"}\n{"id":"z","prediction":"p"}', 'p.jsonl')).toThrow(/not in the reference set \(z\)/);
    expect(attachPredictions(refs.slice(0, 1), '{"id":"a","prediction":"p"}\n{"id":"z","prediction":"p"}', 'p.jsonl', true)).toHaveLength(1);
    expect(() => attachPredictions(refs, '{"id":"a","prediction":"p"}\n{"id":"a","prediction":"q"}', 'p.jsonl')).toThrow(/a appears twice/);
    expect(() => attachPredictions(refs, '{"prediction":"p"}', 'p.jsonl')).toThrow(/line 1 has no "id"/);
    expect(() => attachPredictions(refs, '{"id":"a","prediction":3}', 'p.jsonl')).toThrow(/no "prediction" string/);
    expect(() => attachPredictions(refs, '{"id":', 'p.jsonl')).toThrow(/p.jsonl: line 1/);
    expect(() => attachPredictions([{ document: 'x', summary: 'y', lang: 'en' } as { id?: string }], '{"id":"a","prediction":"p"}')).toThrow(/matched to references by id/);
  });
});

describe('paired bootstrap', () => {
  it('a consistent gain is significant, noise around zero is not', () => {
    const b = Array.from({ length: 40 }, (_, i) => 0.3 + 0.01 * (i % 7));
    const up = pairedBootstrap(b.map((x) => x + 0.05), b);
    expect(up.mean).toBeCloseTo(0.05, 12);
    expect(up.significant).toBe(true);
    expect(up.wins).toBe(40);
    const noise = pairedBootstrap(b.map((x, i) => x + (i % 2 ? 0.02 : -0.02)), b);
    expect(noise.significant).toBe(false);
    expect(noise.low).toBeLessThan(0);
    expect(noise.high).toBeGreaterThan(0);
  });
  it('comparePaired refuses reports over different records', () => {
    const recs = [{ id: 'a', document: 'd', summary: 'the cat sat', lang: 'en', prediction: 'the cat' }];
    const a = evaluate(recs, { method: 'x' });
    const b = evaluate([{ ...recs[0], id: 'b' }], { method: 'lead-3' });
    expect(() => comparePaired(a, b)).toThrow(/record 0/);
    const same = comparePaired(a, evaluate(recs, { method: 'lead-3' }));
    expect(same.against).toBe('lead-3');
    expect(same.rouge1.mean).toBe(0);
  });
});
