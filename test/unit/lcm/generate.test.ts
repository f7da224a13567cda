import { describe, expect, it } from 'vitest';
import { countWords, generate, taskPrompt, type ConceptEvent } from '../../../main/engine/lcm/index.js';
import { ScriptedModel, vec } from './fakes.js';

const EOT = vec(1, 0, 0, 0);
const PROMPT = [vec(0, 0, 1, 0), vec(0, 0, 0.5, 0.5)];
// mutually dissimilar concepts (cosine 0 with EOT and with each other)
const A = vec(0, 1, 0, 0);
const B = vec(0, 0, 1, 0);
const C = vec(0, 0, 0, 1);
const Dv = vec(0, -1, 0, 0);
const near = (v: Float32Array, eps: number) => Float32Array.from(v, (x, i) => x + (i === 3 ? eps : 0));

describe('generation loop: stopping rules', () => {
  it('stops on the end-of-text concept and drops it', async () => {
    const eotish = vec(1, 0.3, 0, 0); // cosine 0.958 with EOT
    const m = new ScriptedModel([A, B, eotish]);
    const r = await generate(m, PROMPT, { endOfText: EOT });
    expect(r.stopReason).toBe('eos');
    expect(r.concepts).toEqual([A, B]);
    expect(r.rejected).toBe(eotish);
    expect(r.items.map((x) => x.pinned)).toEqual([false, false]);
  });

  it('the EOS threshold is ≥ and configurable', async () => {
    const c60 = vec(3, 4, 0, 0); // cosine exactly 0.6 with EOT
    const r1 = await generate(new ScriptedModel([A, c60]), PROMPT, { endOfText: EOT, eosThreshold: 0.6 });
    expect(r1.stopReason).toBe('eos');
    expect(r1.concepts).toEqual([A]);
    const r2 = await generate(new ScriptedModel([A, c60, EOT]), PROMPT, { endOfText: EOT, eosThreshold: 0.6000001 });
    expect(r2.concepts).toEqual([A, c60]);
    expect(r2.items[1].eosCosine).toBe(0.6);
    const r3 = await generate(new ScriptedModel([A, c60, EOT]), PROMPT, { endOfText: EOT }); // default 0.9
    expect(r3.concepts.length).toBe(2);
  });

  it('stop rules start after minConcepts (default 1, the reference min_gen_len); 0 allows an empty output', async () => {
    const r0 = await generate(new ScriptedModel([EOT, EOT]), PROMPT, { endOfText: EOT });
    expect(r0.concepts.length).toBe(1);
    const r = await generate(new ScriptedModel([EOT]), PROMPT, { endOfText: EOT, minConcepts: 0 });
    expect(r.concepts).toEqual([]);
    expect(r.stopReason).toBe('eos');
    // with minConcepts 1 the first concept is kept whatever it is
    const r2 = await generate(new ScriptedModel([EOT, EOT]), PROMPT, { endOfText: EOT, minConcepts: 1 });
    expect(r2.concepts.length).toBe(1);
    expect(r2.stopReason).toBe('eos');
  });

  it('stops on repetition of the previous concept, unless turned off', async () => {
    const again = near(A, 0.2); // cosine 0.98 with A
    const r = await generate(new ScriptedModel([A, again]), PROMPT, { endOfText: EOT });
    expect(r.stopReason).toBe('repetition');
    expect(r.concepts).toEqual([A]);
    expect(r.rejected).toBe(again);
    const r2 = await generate(new ScriptedModel([A, again, EOT]), PROMPT, { endOfText: EOT, repetitionThreshold: null });
    expect(r2.concepts).toEqual([A, again]);
    expect(r2.stopReason).toBe('eos');
    expect(r2.items[1].repetitionCosine).toBeCloseTo(0.98058, 4);
    // compares with the previous *output*, not the last prompt concept
    const r3 = await generate(new ScriptedModel([PROMPT[1], A, EOT]), PROMPT, { endOfText: EOT });
    expect(r3.concepts.length).toBe(2);
  });

  it('EOS is checked before repetition (as the reference)', async () => {
    const r = await generate(new ScriptedModel([EOT, EOT]), PROMPT, { endOfText: EOT, minConcepts: 1 });
    expect(r.stopReason).toBe('eos');
  });

  it('a count budget and the hard cap', async () => {
    const script = [A, B, C, Dv, A, B];
    const r = await generate(new ScriptedModel(script), PROMPT, { endOfText: EOT, budget: { concepts: 2 } });
    expect(r.concepts).toEqual([A, B]);
    expect(r.stopReason).toBe('budget');
    const r2 = await generate(new ScriptedModel(script), PROMPT, { endOfText: EOT, maxConcepts: 3 });
    expect(r2.concepts).toEqual([A, B, C]);
    expect(r2.stopReason).toBe('max');
    const r3 = await generate(new ScriptedModel(script), PROMPT, { endOfText: EOT, maxConcepts: 3, budget: { concepts: 5 } });
    expect(r3.stopReason).toBe('max');
  });

  it('a ratio of the source words (LCFO 5/10/20 %)', async () => {
    const script = [A, B, C, Dv, A, B, C, Dv];
    const sourceWords = [10, 10, 10, 10, 10, 10, 10, 10, 10, 10]; // 100 words, 10 per sentence
    for (const [ratio, n] of [[0.05, 1], [0.1, 1], [0.2, 2], [0.25, 3]] as const) {
      const r = await generate(new ScriptedModel(script), PROMPT, { endOfText: EOT, budget: { ratio, sourceWords } });
      expect(r.concepts.length).toBe(n);
      expect(r.stopReason).toBe('budget');
      expect(r.wordTarget).toBeCloseTo(100 * ratio);
      expect(r.words).toBe(10 * n);
    }
    // nearest source sentence estimates: A ↔ 30 words, B ↔ 5 words
    const r = await generate(new ScriptedModel([B, B.map((x) => x * 2) as Float32Array, A, C]), PROMPT, {
      endOfText: EOT,
      repetitionThreshold: null,
      budget: { ratio: 0.2, sourceWords: [30, 5], sourceConcepts: [A, B] },
    });
    expect(r.items.map((x) => x.words)).toEqual([5, 5]); // 10 ≥ 0.2·35 = 7
    // a caller-supplied estimate (e.g. decoded lengths)
    const r2 = await generate(new ScriptedModel(script), PROMPT, {
      endOfText: EOT,
      budget: { ratio: 0.1, sourceWords: [50, 50], estimateWords: (_c, i) => (i + 1) * 2 },
    });
    expect(r2.items.map((x) => x.words)).toEqual([2, 4, 6]);
    await expect(generate(new ScriptedModel(script), PROMPT, { endOfText: EOT, budget: { ratio: 0.1 } })).rejects.toThrow(/words/);
  });

  it('conditions each prediction on the prompt and the outputs so far; reports progress', async () => {
    const m = new ScriptedModel([A, B, EOT]);
    const events: ConceptEvent[] = [];
    const r = await generate(m, PROMPT, { endOfText: EOT, maxConcepts: 10, onConcept: (e) => events.push(e) });
    expect(m.prefixes).toEqual([PROMPT, [...PROMPT, A], [...PROMPT, A, B]]);
    expect(events.map((e) => [e.index, e.concept, e.total])).toEqual([[0, A, 10], [1, B, 10]]);
    expect(events[0].eosCosine).toBe(0);
    expect(events[0].repetitionCosine).toBeNull();
    expect(r.concepts).toEqual([A, B]);
  });

  it('passes the rng (seeded) and extra predict options to the model', async () => {
    const seen: unknown[] = [];
    const model = {
      dim: 4,
      async predictNext(_p: readonly Float32Array[], o?: Record<string, unknown>) {
        seen.push(o);
        return EOT;
      },
    };
    await generate(model, PROMPT, { endOfText: EOT, seed: 9, predict: { sampler: { steps: 10 } } });
    expect(seen[0]).toMatchObject({ sampler: { steps: 10 } });
    expect((seen[0] as { rng: { normal(): number } }).rng.normal()).toBeTypeOf('number');
  });

  it('validates its inputs', async () => {
    await expect(generate(new ScriptedModel([A]), [], { endOfText: EOT })).rejects.toThrow(/empty/);
    await expect(generate(new ScriptedModel([A]), [vec(1, 2)], { endOfText: EOT })).rejects.toThrow(/length/);
    await expect(generate(new ScriptedModel([A]), PROMPT, { endOfText: vec(1) })).rejects.toThrow(/dimension/);
  });
});

describe('generation loop: pinned concepts (concept-level editing)', () => {
  const P1 = vec(0.5, 0, 0, 0.5);
  const P3 = vec(0, 0.5, 0.5, 0);

  it('teacher-forces pinned positions and regenerates the rest in order, conditioned on them', async () => {
    const m = new ScriptedModel([A, B, C, EOT]);
    const events: ConceptEvent[] = [];
    const r = await generate(m, PROMPT, {
      endOfText: EOT,
      pinned: [{ index: 3, concept: P3 }, { index: 1, concept: P1 }],
      onConcept: (e) => events.push(e),
    });
    expect(r.concepts).toEqual([A, P1, B, P3, C]);
    expect(r.items.map((x) => x.pinned)).toEqual([false, true, false, true, false]);
    expect(r.stopReason).toBe('eos');
    expect(m.prefixes).toEqual([
      PROMPT,
      [...PROMPT, A, P1],
      [...PROMPT, A, P1, B, P3],
      [...PROMPT, A, P1, B, P3, C],
    ]);
    expect(events.map((e) => e.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('fills every position before the last pinned one, flagging predictions that would have stopped', async () => {
    const m = new ScriptedModel([EOT, A, B]);
    const r = await generate(m, PROMPT, {
      endOfText: EOT, minConcepts: 0, pinned: [{ index: 2, concept: P3 }], budget: { concepts: 1 },
    });
    // the budget (1) cannot cut the output before the pinned position 2
    expect(r.concepts).toEqual([EOT, A, P3]);
    expect(r.items.map((x) => x.forced)).toEqual([true, false, false]);
    expect(r.stopReason).toBe('budget');
  });

  it('pinned at position 0 and consecutive pins; repetition after a pinned concept compares with it', async () => {
    const m = new ScriptedModel([near(P1, 0.01)]);
    const r = await generate(m, PROMPT, { endOfText: EOT, pinned: [{ index: 0, concept: P3 }, { index: 1, concept: P1 }] });
    expect(r.concepts).toEqual([P3, P1]);
    expect(r.stopReason).toBe('repetition');
    expect(m.prefixes).toEqual([[...PROMPT, P3, P1]]);
  });

  it('rejects bad pins', async () => {
    const m = new ScriptedModel([A]);
    await expect(generate(m, PROMPT, { endOfText: EOT, pinned: [{ index: -1, concept: A }] })).rejects.toThrow();
    await expect(generate(m, PROMPT, { endOfText: EOT, pinned: [{ index: 1, concept: A }, { index: 1, concept: B }] })).rejects.toThrow(/twice/);
    await expect(generate(m, PROMPT, { endOfText: EOT, pinned: [{ index: 0, concept: vec(1) }] })).rejects.toThrow(/dimension/);
  });
});

describe('generation loop: cancellation', () => {
  it('stops between concepts when the signal is aborted', async () => {
    const m = new ScriptedModel([A, B, C, Dv, EOT]);
    const ac = new AbortController();
    const p = generate(m, PROMPT, {
      endOfText: EOT,
      signal: ac.signal,
      onConcept: (e) => {
        if (e.index === 1) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(m.prefixes.length).toBe(2);
  });

  it('an already-aborted signal runs nothing; a custom reason propagates', async () => {
    const m = new ScriptedModel([A]);
    const reason = new Error('user cancelled');
    await expect(generate(m, PROMPT, { endOfText: EOT, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(m.prefixes.length).toBe(0);
  });
});

describe('countWords', () => {
  it('counts letter/number runs in any script', () => {
    expect(countWords("It's a well-known fact, 42 times.")).toBe(6);
    expect(countWords('Привет, мир!')).toBe(2);
    expect(countWords('')).toBe(0);
  });
});

describe('taskPrompt', () => {
  it('appends the instruction marker, or nothing for continue', () => {
    expect(taskPrompt(PROMPT, A)).toEqual([...PROMPT, A]);
    expect(taskPrompt(PROMPT, null)).toEqual(PROMPT);
  });
});
