/**
 * The pack self-test's rules (engine/selftest/checks.ts, run.ts) on made-up outputs and vectors: each check passes
 * for what a faithful SONAR gives and fails for what a broken one gives, with the baseline measured beside it.
 */
import { describe, expect, it } from 'vitest';
import {
  alignmentCheck, collapseCheck, degenerateCheck, finiteCheck, goldenCheck, loops, roundTripCheck, SELFTEST_THRESHOLDS,
  type SelftestSet,
} from '../../../main/engine/selftest/checks.js';
import { runSelftest, selftestSet } from '../../../main/engine/selftest/run.js';
import { chrf } from '../../../main/engine/eval/chrf.js';
import type { ConceptDecoder, ConceptEncoder, TaskProgress } from '../../../main/engine/tasks/ports.js';

const SET = selftestSet();
const N = SET.texts[SET.languages[0]].length;

/** Deterministic normal numbers (mulberry32 + Box-Muller). */
function rng(seed: number) {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
}

/** Vectors per language: sentence meaning + language noise (`noise` relative) + a shared offset (`common`). */
function vectors(set: SelftestSet, o: { noise: number; common?: number; aligned?: boolean; dim?: number; seed?: number }) {
  const dim = o.dim ?? 64;
  const g = rng(o.seed ?? 1);
  const meaning = Array.from({ length: N }, () => Float32Array.from({ length: dim }, g));
  const shared = Float32Array.from({ length: dim }, g);
  const out: Record<string, Float32Array[]> = {};
  for (const l of set.languages) {
    out[l] = meaning.map((m) => Float32Array.from(m, (x, k) => (o.aligned === false ? g() : x) + o.noise * g() + (o.common ?? 0) * shared[k]));
  }
  return out;
}

describe('round trip', () => {
  it('outputs equal to the inputs pass at chrF 100; the other-concept baseline stays low', () => {
    const { check, examples } = roundTripCheck(SET, SET.texts);
    expect(check.value).toBe(100);
    expect(check.passed).toBe(true);
    expect(check.baseline).toBeLessThan(25);
    expect(examples.map((e) => e.lang)).toEqual(SET.languages);
  });

  it('the reasoning behind 70: one changed word scores ~75, so a mostly verbatim round trip passes', () => {
    expect(chrf('The train leaves at eight in the morning.', 'The train leaves at seven in the morning.')).toBeCloseTo(76.3, 1);
    expect(chrf('Can you speak a bit more slowly?', 'Could you speak a little more slowly?')).toBeCloseTo(56.2, 1);
    // a faithful decoder: seven of ten sentences verbatim, three rephrased like the second one above → passes
    const outs = Object.fromEntries(SET.languages.map((l) => [l, SET.texts[l].map((s, i) => (i < 3 ? `${s.slice(0, Math.floor(s.length / 2))}${s.slice(Math.floor(s.length / 2)).split('').reverse().join('')}` : s))]));
    const mixed = roundTripCheck(SET, outs).check;
    expect(mixed.passed).toBe(true);
    expect(mixed.value).toBeLessThan(95);
  });

  it('a decoder that writes the same sentence whatever the concept fails, near its baseline', () => {
    const outs = Object.fromEntries(SET.languages.map((l) => [l, SET.texts[l].map(() => SET.texts[l][0])]));
    const { check } = roundTripCheck(SET, outs);
    expect(check.passed).toBe(false);
    expect(check.value).toBeLessThan(SELFTEST_THRESHOLDS.roundTripChrf);
    expect(check.detail?.eng_Latn).toBeLessThan(30);
  });

  it('refuses outputs that do not match the sentences', () => {
    expect(() => roundTripCheck(SET, { ...SET.texts, eng_Latn: ['one'] })).toThrow(/1 outputs for 10 eng_Latn/);
  });
});

describe('alignment', () => {
  it('translations near each other: every query finds its translation, margin positive, trigrams near chance', () => {
    const c = alignmentCheck(SET, vectors(SET, { noise: 0.3 }));
    expect(c.value).toBe(1);
    expect(c.passed).toBe(true);
    expect(c.detail!.margin).toBeGreaterThan(0);
    expect(c.detail!.queries).toBe(SET.languages.length * (SET.languages.length - 1) * N);
    expect(c.baseline).toBeLessThan(0.3); // six scripts: character trigrams barely match across them
  });

  it('an encoder that does not align languages fails (accuracy near chance, 1/N)', () => {
    const c = alignmentCheck(SET, vectors(SET, { noise: 0.3, aligned: false, seed: 7 }));
    expect(c.passed).toBe(false);
    expect(c.value).toBeLessThan(0.35);
    expect(c.detail!.chance).toBe(0.1);
  });
});

describe('sanity', () => {
  it('collapse: vectors sharing one big direction fail, spread ones pass', () => {
    const collapsed = collapseCheck(SET, vectors(SET, { noise: 0.3, common: 10 }));
    expect(collapsed.value).toBeGreaterThan(SELFTEST_THRESHOLDS.collapseCosine);
    expect(collapsed.passed).toBe(false);
    const spread = collapseCheck(SET, vectors(SET, { noise: 0.3 }));
    expect(spread.value).toBeLessThan(0.2);
    expect(spread.passed).toBe(true);
    expect(spread.baseline).toBeGreaterThan(0.8); // translations' mean cosine
  });

  it('finite: one NaN or one all-zero embedding fails', () => {
    const v = vectors(SET, { noise: 0.3 });
    expect(finiteCheck(v).passed).toBe(true);
    v.eng_Latn[3] = new Float32Array(64).fill(Number.NaN);
    expect(finiteCheck(v).passed).toBe(false);
    const z = vectors(SET, { noise: 0.3 });
    z.jpn_Jpan[0] = new Float32Array(64);
    expect(finiteCheck(z).value).toBeCloseTo(59 / 60, 4);
  });

  it('degenerate: repeated outputs and character loops fail; the inputs are the baseline (none)', () => {
    const good = degenerateCheck(SET, SET.texts);
    expect(good).toMatchObject({ value: 0, baseline: 0, passed: true });
    const repeated = Object.fromEntries(SET.languages.map((l) => [l, SET.texts[l].map((s, i) => (i < 5 ? SET.texts[l][0] : s))]));
    expect(degenerateCheck(SET, repeated)).toMatchObject({ value: 0.4, passed: false }); // 4 of 10 repeat an earlier output
    expect(loops('إإإإإإإإإإإإإإإإإإإإإإإ.')).toBe(true);
    expect(loops('トムムムムムムムムムはははははははは。')).toBe(true);
    expect(loops('Мее ли лилили рарарарарарара.')).toBe(true);
    for (const l of SET.languages) for (const s of SET.texts[l]) expect(loops(s), s).toBe(false);
  });

  it('golden: the same vectors pass, other vectors fail', () => {
    const v = vectors(SET, { noise: 0.3 }).eng_Latn;
    const golden = v.map((vector) => ({ vector }));
    expect(goldenCheck(golden, v)).toMatchObject({ value: 1, passed: true });
    const other = vectors(SET, { noise: 0.3, seed: 99 }).eng_Latn;
    const bad = goldenCheck(golden, other);
    expect(bad.passed).toBe(false);
    expect(bad.baseline).toBeLessThan(0.5);
  });
});

/** A perfect fake SONAR: the vector of a sentence is its meaning (shared by its translations) plus a language tag. */
function fakePack(o: { decodeAs?: (text: string, i: number) => string } = {}) {
  const v = vectors(SET, { noise: 0.2 });
  const byVector = new Map<Float32Array, string>();
  const encoder: ConceptEncoder = {
    space: 'fake', dim: 64,
    async encode(texts, lang, opts) {
      if (opts?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
      return texts.map((t) => {
        const i = SET.texts[lang].indexOf(t);
        const out = Float32Array.from(v[lang][i]);
        byVector.set(out, t);
        return out;
      });
    },
  };
  const decoder: ConceptDecoder = {
    async decode(vs, _lang, opts) {
      if (opts?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
      return vs.map((x, i) => (o.decodeAs ?? ((t: string) => t))(byVector.get(x)!, i));
    },
  };
  return { encoder, decoder };
}

const PACK = { name: 'fake', space: 'fake', dim: 64, packJsonSha256: 'x'.repeat(64), demo: false };

describe('runSelftest', () => {
  it('a faithful pack passes every check, with progress up to done', async () => {
    const events: TaskProgress[] = [];
    const r = await runSelftest({ ...fakePack(), pack: PACK, onProgress: (p) => events.push(p) });
    expect(r.passed).toBe(true);
    expect(r.checks.map((c) => c.id)).toEqual(['round_trip', 'alignment', 'finite', 'collapse', 'degenerate']);
    expect(r.sentences).toBe(10);
    expect(r.languages).toHaveLength(6);
    expect(events.at(-1)).toMatchObject({ stage: 'selftest', done: 12, total: 12 });
    expect(events.every((e, i) => i === 0 || e.done >= events[i - 1].done)).toBe(true);
  });

  it('a decoder that ignores its concept fails the round trip (and only what it breaks)', async () => {
    const r = await runSelftest({ ...fakePack({ decodeAs: (_t, i) => ['Where is my hat?', 'It is late.', 'Tom is here.'][i % 3] }), pack: PACK });
    expect(r.passed).toBe(false);
    const by = Object.fromEntries(r.checks.map((c) => [c.id, c]));
    expect(by.round_trip.passed).toBe(false);
    expect(by.degenerate.passed).toBe(false);
    expect(by.alignment.passed).toBe(true);
  });

  it('a cancelled self-test rejects', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(runSelftest({ ...fakePack(), pack: PACK, signal: ac.signal })).rejects.toThrow(/aborted/);
  });

  it('with golden vectors: their encoding is compared with the official one', async () => {
    const fp = fakePack();
    const [vec] = await fp.encoder.encode([SET.texts.eng_Latn[1]], 'eng_Latn');
    const golden = { path: 'g.json', source: 'test', vectors: [{ lang: 'eng_Latn', text: SET.texts.eng_Latn[1], vector: vec }, { lang: 'eng_Latn', text: SET.texts.eng_Latn[2], vector: vec }] };
    const r = await runSelftest({ ...fp, pack: PACK, golden });
    const g = r.checks.find((c) => c.id === 'golden')!;
    expect(g.passed).toBe(false); // the second golden vector belongs to another sentence
    expect(g.detail!.mean).toBeLessThan(1);
  });
});
