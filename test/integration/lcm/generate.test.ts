/** The generation loop over the real ONNX graphs of every LCM pack present (random family; mini once trained). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as ort from 'onnxruntime-node';
import {
  BaseLcm,
  createBaseLcm,
  createTwoTowerLcm,
  generate,
  generationDefaults,
  maxAbsDiff,
  readLcmPack,
  Rng,
  TwoTowerLcm,
} from '../../../main/engine/lcm/index.js';
import { PAIRS, session } from './pairs.js';
import { sessionRunner } from '../../../main/engine/runtime/tensors.js';

for (const pair of PAIRS) {
  describe(`LCM generation over ONNX (${pair.name})`, () => {
    let base: BaseLcm;
    let tt: TwoTowerLcm;
    let prompt: Float32Array[];
    let eot: Float32Array;
    let maxConcepts: number;
    const sessions: ort.InferenceSession[] = [];

    beforeAll(async () => {
      const b = readLcmPack(pair.baseDir);
      const bs = await session(pair.baseDir, b.pack.graphs.base.file);
      base = createBaseLcm(b.pack, b.normalizer, sessionRunner(bs));
      const t = readLcmPack(pair.twoTowerDir);
      const cs = await session(pair.twoTowerDir, t.pack.graphs.contextualizer.file);
      const ds = await session(pair.twoTowerDir, t.pack.graphs.denoiser.file);
      // fewer steps keep the test light; the parity test covers the pack's defaults
      tt = createTwoTowerLcm(t.pack, t.normalizer, { contextualizer: sessionRunner(cs), denoiser: sessionRunner(ds) }, { steps: 10 });
      sessions.push(bs, cs, ds);
      maxConcepts = generationDefaults(t.pack).maxConcepts;
      const fx = pair.fixture();
      const [l, d] = fx.shape;
      prompt = Array.from({ length: l }, (_, i) => Float32Array.from(fx.input_raw.slice(i * d, (i + 1) * d)));
      eot = new Rng(99).randn(d, 0.05); // any vector far from the predictions
    });
    afterAll(async () => {
      for (const s of sessions) await s.release();
    });

    it('Base-LCM: deterministic; pinned regeneration keeps the prefix and conditions on the pin', async () => {
      const opts = { endOfText: eot, repetitionThreshold: null, budget: { concepts: 4 }, maxConcepts };
      const a = await generate(base, prompt, opts);
      const b = await generate(base, prompt, opts);
      expect(a.concepts.length).toBe(4);
      expect(a.stopReason).toBe('budget');
      a.concepts.forEach((c, i) => expect(maxAbsDiff(c, b.concepts[i])).toBe(0));
      // the first generated concept is the graph's last-position prediction
      const first = await base.predictNext(prompt);
      expect(maxAbsDiff(a.concepts[0], first)).toBe(0);

      const pin = prompt[0];
      const r = await generate(base, prompt, { ...opts, pinned: [{ index: 1, concept: pin }] });
      expect(r.concepts.length).toBe(4);
      expect(r.items.map((x) => x.pinned)).toEqual([false, true, false, false]);
      expect(maxAbsDiff(r.concepts[0], a.concepts[0])).toBe(0);
      expect(r.concepts[1]).toBe(pin);
      const want2 = await base.predictNext([...prompt, r.concepts[0], pin]);
      expect(maxAbsDiff(r.concepts[2], want2)).toBe(0);
      expect(maxAbsDiff(r.concepts[2], a.concepts[2])).toBeGreaterThan(0);
    });

    it('Base-LCM: optional latent noise N(0, τ²) in normalized space', async () => {
      const det = await base.predictNextNormalized(prompt);
      const noisy = await base.predictNextNormalized(prompt, { latentNoise: 0.5, rng: new Rng(1) });
      const again = await base.predictNextNormalized(prompt, { latentNoise: 0.5, rng: new Rng(1) });
      expect(Array.from(noisy)).toEqual(Array.from(again));
      const diff = Array.from(noisy, (v, i) => v - det[i]);
      const sd = Math.sqrt(diff.reduce((s, v) => s + v * v, 0) / diff.length);
      expect(sd).toBeGreaterThan(0.2);
      expect(sd).toBeLessThan(1);
    });

    it('prefixes longer than the graphs take (config.max_seq_len) keep their last concepts', async () => {
      const n = Number.isFinite(base.maxLength) ? base.maxLength : 64;
      const long = Array.from({ length: n + 3 }, (_, i) => prompt[i % prompt.length].map((v) => v * (1 + i / 100)) as Float32Array);
      const a = await base.predictNext(long);
      const b = await base.predictNext(long.slice(3));
      expect(maxAbsDiff(a, b)).toBe(0);
      const noise = new Rng(4).randn(base.dim);
      const c = await tt.predictNext(long, { noise });
      const d = await tt.predictNext(long.slice(3), { noise });
      expect(maxAbsDiff(c, d)).toBe(0);
    });

    it('Two-Tower: reproducible for a seed, different for another; pinned concepts hold', async () => {
      const opts = { endOfText: eot, repetitionThreshold: null, budget: { concepts: 3 }, maxConcepts };
      const a = await generate(tt, prompt, { ...opts, seed: 1 });
      const b = await generate(tt, prompt, { ...opts, seed: 1 });
      const c = await generate(tt, prompt, { ...opts, seed: 2 });
      expect(a.concepts.length).toBe(3);
      a.concepts.forEach((v, i) => expect(maxAbsDiff(v, b.concepts[i])).toBe(0));
      expect(maxAbsDiff(a.concepts[0], c.concepts[0])).toBeGreaterThan(0);
      const r = await generate(tt, prompt, { ...opts, seed: 1, pinned: [{ index: 0, concept: prompt[2] }] });
      expect(r.concepts[0]).toBe(prompt[2]);
      expect(r.items.map((x) => x.pinned)).toEqual([true, false, false]);
    });

    it('Two-Tower: cancellation between denoising steps', async () => {
      const ac = new AbortController();
      const runs0 = tt.denoiserRuns;
      let steps = 0;
      const p = generate(tt, prompt, {
        endOfText: eot,
        signal: ac.signal,
        predict: {
          onStep: () => {
            if (++steps === 4) ac.abort();
          },
        },
      });
      await expect(p).rejects.toMatchObject({ name: 'AbortError' });
      expect(tt.denoiserRuns - runs0).toBe(4);
    });
  });
}
