/**
 * The LCM generation loop runs in the engine worker beside its sessions (issue 12, item 3): a whole generation is one
 * request — it used to be one `session.run` round trip per denoiser step (~41 per Two-Tower concept), each cloning
 * the context — with progress per concept and cancellation between denoising steps.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENGINE_HANDLERS, openLcmEngine } from '../../../main/engine/adapters/index.js';
import { EngineHost } from '../../../main/engine/runtime/host.js';
import { Rng } from '../../../main/engine/lcm/rng.js';
import { cleanup, copyPack } from '../../unit/packs/helpers.js';

let host: EngineHost;
beforeAll(async () => {
  host = await EngineHost.start({ handlerModules: ENGINE_HANDLERS });
});
afterAll(async () => {
  await host?.close();
  cleanup();
});

const D = 32; // the random packs' dim
const prompt = () => Array.from({ length: 4 }, (_, i) => new Rng(i + 1).randn(D, 0.1));

function countRequests() {
  const spy = vi.spyOn(host, 'request');
  return {
    methods: () => spy.mock.calls.map((c) => c[0]),
    done: () => spy.mockRestore(),
  };
}

describe('LCM generation in the engine worker', () => {
  for (const name of ['two-tower-lcm', 'base-lcm']) {
    it(`${name}: one request per generation, progress per concept, same result as asked twice`, async () => {
      const eng = await openLcmEngine(host, copyPack(name));
      try {
        const counter = countRequests();
        const progress: [number, number][] = [];
        const req = {
          prompt: prompt(), marker: null, endOfText: new Rng(99).randn(D, 0.05), budget: { concepts: 3 }, seed: 5,
          sampler: name === 'two-tower-lcm' ? { steps: 8 } : undefined,
        };
        const r = await eng.generator.generate({ ...req, onProgress: (d, t) => progress.push([d, t]) });
        const methods = counter.methods();
        counter.done();
        expect(methods).toEqual(['lcm.generate']);
        expect(r.concepts.length).toBeGreaterThan(0);
        expect(r.concepts.length).toBeLessThanOrEqual(3);
        for (const c of r.concepts) {
          expect(c).toBeInstanceOf(Float32Array);
          expect(c).toHaveLength(D);
        }
        expect(progress.map((p) => p[0])).toEqual(r.concepts.map((_, i) => i + 1));
        const again = await eng.generator.generate(req); // seeded: deterministic
        expect(again.concepts.map((c) => [...c])).toEqual(r.concepts.map((c) => [...c]));
      } finally {
        await eng.close();
      }
    });
  }

  it('cancelling a Two-Tower generation stops it between denoising steps; the worker keeps serving', async () => {
    const eng = await openLcmEngine(host, copyPack('two-tower-lcm'));
    try {
      const ctl = new AbortController();
      const req = { prompt: prompt(), marker: null, endOfText: new Rng(99).randn(D, 0.05), budget: { concepts: 50 }, sampler: { steps: 20 } };
      const p = eng.generator.generate({ ...req, signal: ctl.signal, onProgress: () => ctl.abort() });
      await expect(p).rejects.toMatchObject({ name: 'AbortError' });
      const ok = await eng.generator.generate({ ...req, budget: { concepts: 1 }, sampler: { steps: 4 } });
      expect(ok.concepts).toHaveLength(1);
    } finally {
      await eng.close();
    }
  });

  it('a closed engine is refused with MODEL_NOT_LOADED, not a crash', async () => {
    const eng = await openLcmEngine(host, copyPack('base-lcm'));
    await eng.close();
    await expect(eng.generator.generate({ prompt: prompt(), marker: null, endOfText: new Rng(9).randn(D) })).rejects.toMatchObject({ code: 'MODEL_NOT_LOADED' });
  });
});
