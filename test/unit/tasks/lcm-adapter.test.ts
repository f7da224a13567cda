/** The ConceptGenerator over the real generation loop (engine/lcm), with a scripted next-concept model. */
import { describe, expect, it } from 'vitest';
import type { NextConceptModel, PredictOptions } from '../../../main/engine/lcm/index.js';
import { summarize, TaskError } from '../../../main/engine/tasks/index.js';
import { lcmGenerator } from '../../../main/engine/tasks/lcm-adapter.js';
import { FakeDecoder, FakeEncoder } from './fakes.js';

const TABLE: [string, number[]][] = [
  ['The cat sat.', [1, 0, 0, 0]],
  ['It was warm.', [0, 1, 0, 0]],
  ['The dog barked.', [0, 0, 1, 0]],
  ['Summarize:', [0.5, 0.5, 0.5, -0.5]],
  ['End of text.', [0, 0, 0, 1]],
  ['Kept.', [0.6, 0.8, 0, 0]],
];

class Scripted implements NextConceptModel {
  readonly dim = 4;
  prefixes: Float32Array[][] = [];
  constructor(private readonly script: number[][]) {}
  async predictNext(prefix: readonly Float32Array[], opts?: PredictOptions): Promise<Float32Array> {
    opts?.signal?.throwIfAborted();
    this.prefixes.push([...prefix]);
    return Float32Array.from(this.script[this.prefixes.length - 1]);
  }
}

const pack = {
  name: 'mini-base',
  space: 'test-space',
  dim: 4,
  end_of_text: 'End of text.',
  instructions: { summarize: 'Summarize:', expand: 'Expand:', continue: null },
  generation: { eos_threshold: 0.9, repetition_threshold: 0.95, max_concepts: 10 },
};
const DOC = { sentences: ['The cat sat.', 'It was warm.', 'The dog barked.'], lang: 'eng_Latn' };

function setup(script: number[][]) {
  const encoder = new FakeEncoder(new Map(TABLE));
  const decoder = new FakeDecoder(encoder);
  const model = new Scripted(script);
  const generator = lcmGenerator({ model, pack });
  return { encoder, decoder, model, generator };
}

describe('lcmGenerator', () => {
  it('prompts with document + marker and stops at the end-of-text concept', async () => {
    const { encoder, decoder, model, generator } = setup([
      [0.9, 0, 0.1, 0],
      [0, 0, 1, 0.1],
      [0, 0.1, 0, 1], // ≈ end of text
    ]);
    const r = await summarize(DOC, { encoder, decoder, generator }, { targetLang: 'fra_Latn' });
    expect(model.prefixes[0].map((v) => [...v])).toEqual([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0.5, 0.5, 0.5, -0.5],
    ]);
    expect(r.stopReason).toBe('eos');
    expect(r.sentences.map((s) => s.text)).toEqual(['fra_Latn:The cat sat.', 'fra_Latn:The dog barked.']);
    expect(r.packs).toEqual({ lcm: 'mini-base' });
  });

  it('teacher-forces pinned concepts and honours the sentence budget', async () => {
    const { encoder, decoder, model, generator } = setup([
      [0.9, 0, 0.1, 0],
      [0, 0, 1, 0.1],
      [0, 1, 0, 0],
    ]);
    const r = await summarize(DOC, { encoder, decoder, generator }, {
      targetLang: 'eng_Latn',
      length: { sentences: 3 },
      pinned: [{ index: 1, text: 'Kept.' }],
    });
    expect(r.stopReason).toBe('budget');
    expect(r.sentences.map((s) => s.text)).toEqual(['eng_Latn:The cat sat.', 'Kept.', 'eng_Latn:The dog barked.']);
    expect(r.sentences[1].pinned).toBe(true);
    // the model saw the pinned concept in its prefix for the position after it
    expect([...model.prefixes[1].at(-1)!]).toEqual([0.6, 0.8, 0, 0].map((x) => expect.closeTo(x, 6)));
    expect(model.prefixes).toHaveLength(2);
  });

  it('cancellation inside the loop surfaces as CANCELLED', async () => {
    const { encoder, decoder, generator } = setup([[1, 0, 0, 0], [0, 1, 0, 0]]);
    const ac = new AbortController();
    const e = await summarize(
      DOC,
      { encoder, decoder, generator, signal: ac.signal, onProgress: (p) => p.stage === 'generate' && ac.abort() },
      { targetLang: 'eng_Latn', length: { sentences: 2 } },
    ).catch((x) => x);
    expect(e).toBeInstanceOf(TaskError);
    expect(e.code).toBe('CANCELLED');
  });
});
