/**
 * Issue 11, defect 3 (last part): an empty decoded sentence counted as success. The rule (engine/tasks/degenerate.ts):
 * no words, or one word filling ≥ 60% of ≥ 8 words, is a failed decode; a run whose decoded sentences all failed
 * fails with MODEL_DECODE_FAILED.
 */
import { describe, expect, it } from 'vitest';
import type { OutputSentence } from '../../../main/api/contract.js';
import { checkDecodes, decodeCheckOptions, degenerateDecode } from '../../../main/engine/tasks/degenerate.js';

const sent = (text: string, extra: Partial<OutputSentence> = {}): OutputSentence => ({ index: 0, text, attribution: [], ...extra });

describe('degenerate decodes', () => {
  it('empty: nothing, spaces or punctuation only', () => {
    for (const t of ['', '   ', '...', ' , ; ! ']) expect(degenerateDecode(t)?.reason).toBe('empty');
  });

  it('repetition: one word over 60% of 8 or more words, in any script', () => {
    expect(degenerateDecode('de de de de de de de de')?.reason).toBe('repetition');
    expect(degenerateDecode('De de, de de de la de de de.')?.message).toMatch(/"de", 8 of 9 words/);
    expect(degenerateDecode('на на на на на на на на на')?.reason).toBe('repetition');
  });

  it('real sentences pass, short ones and ordinary repetition included', () => {
    for (const t of [
      'Ok.', '12.', 'de de de de de de de', // 7 words: below the minimum
      'The committee met on Tuesday and the board met on Wednesday.',
      'Le chat de la voisine de mon ami de Paris est noir.', // "de" 3 of 11
      '委员会周二开会，同意了明年的预算。',
      'No, no, no, I said no to the plan.', // 4 of 9
    ]) expect(degenerateDecode(t), t).toBeNull();
  });

  it('a run whose decoded sentences all failed is an error naming the pack; verbatim and pinned text is not judged', () => {
    const all = [sent(''), sent('gr gr gr gr gr gr gr gr gr'), sent('The source sentence.', { verbatim: true })];
    expect(() => checkDecodes(all, { pack: 'mini-sonar' })).toThrow(expect.objectContaining({ code: 'MODEL_DECODE_FAILED', message: expect.stringMatching(/mini-sonar decoded no usable text: all 2 sentences failed/) }));
    const some = [sent('A real sentence here.'), sent('')];
    expect(checkDecodes(some, { pack: 'p' })).toBe(1);
    expect(some[0].failed).toBeUndefined();
    expect(some[1].failed).toEqual({ reason: 'empty', message: 'the decoder wrote no words' });
    const pinned = [sent('', { pinned: true }), sent('Fine text.', { verbatim: true })];
    expect(checkDecodes(pinned, { pack: 'p' })).toBe(0);
  });

  it('random-weight test packs: marked, not failed', () => {
    const s = [sent(''), sent('')];
    expect(checkDecodes(s, { pack: 'random-sonar', randomWeights: true })).toBe(2);
    expect(s.every((x) => x.failed?.reason === 'empty')).toBe(true);
  });
});

describe('the failure says what to try', () => {
  it('a demonstration pack little trained on the language is not called damaged first', () => {
    const json = { name: 'mini-sonar', languages_trained: { deu_Latn: 1065, eng_Latn: 76080 } };
    const e = (() => {
      try {
        checkDecodes([sent('de de de de de de de de de')], decodeCheckOptions(json, 'deu_Latn', true));
      } catch (x) {
        return x as Error;
      }
      return null;
    })();
    expect(e?.message).toMatch(/mini-sonar decoded no usable text in deu_Latn/);
    expect(e?.message).toMatch(/mini-sonar is a demonstration pack and it was trained on 1,065 sentences in deu_Latn: try a better-trained pack/);
    expect(decodeCheckOptions(json, 'zul_Latn', true).trainedSentences).toBe(0);
    expect(decodeCheckOptions({ name: 'x' }, 'zul_Latn', false).trainedSentences).toBeUndefined();
  });
});
