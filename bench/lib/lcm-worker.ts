/**
 * Two-Tower generation through the engine worker, before and after the loop moved into the worker (issue 12 item 3):
 * "per step" drives the loop on the calling thread over session proxies (one `session.run` round trip per denoiser
 * step, the context cloned each time: the old wiring); "one request" sends the whole generation as `lcm.generate`.
 * Same pack, same seed, same stop rules, interleaved rounds; the two must produce the same concepts.
 */
import { ENGINE_HANDLERS, openLcmEngine } from '../../main/engine/adapters/index.js';
import { createTwoTowerLcm, generate, generationDefaults, readLcmPack, Rng } from '../../main/engine/lcm/index.js';
import { EngineHost } from '../../main/engine/runtime/host.js';
import type { SessionConfig } from '../../main/engine/runtime/session.js';
import { measure, roundPolicy, timingOf, type Policy, type Timing } from './measure.js';

export interface LcmWorkerResult {
  concepts: number;
  perStep: Timing;
  oneRequest: Timing;
  /** worker requests per generation on each path */
  perStepRequests: number;
  oneRequestRequests: number;
  /** max |Δ| between the two paths' concepts (0: the same computation) */
  maxAbsDiff: number;
}

export async function benchLcmWorker(dir: string, prefix: Float32Array[], concepts: number, config: SessionConfig, p: Policy): Promise<LcmWorkerResult> {
  const host = await EngineHost.start({ handlerModules: ENGINE_HANDLERS });
  let requests = 0;
  const request = host.request.bind(host);
  host.request = ((...a: Parameters<typeof request>) => { requests++; return request(...a); }) as typeof host.request;
  try {
    const { pack, normalizer } = readLcmPack(dir);
    const c = await host.openSession('bench:ctx', `${dir}/${pack.graphs.contextualizer!.file}`, config);
    const d = await host.openSession('bench:den', `${dir}/${pack.graphs.denoiser!.file}`, config);
    const model = createTwoTowerLcm(pack, normalizer, { contextualizer: c, denoiser: d });
    const engine = await openLcmEngine(host, dir, { config });
    // the pack's stop rules on both paths (what lcmGenerator passes), an end-of-text far from every prediction
    const endOfText = new Rng(99).randn(pack.dim, 1e-3).map((v, i) => (i === 0 ? 1e3 : v));
    const g = generationDefaults(pack);
    const opts = { endOfText, eosThreshold: g.eosThreshold, repetitionThreshold: g.repetitionThreshold, maxConcepts: g.maxConcepts, budget: { concepts }, seed: 3 };
    let a: Float32Array[] = [];
    let b: Float32Array[] = [];
    const perStep = async () => { a = (await generate(model, prefix, opts)).concepts; };
    const oneRequest = async () => {
      b = (await engine.generator.generate({ prompt: prefix, marker: null, endOfText, budget: { concepts }, seed: 3 })).concepts;
    };
    const sa: number[] = [];
    const sb: number[] = [];
    let reqA = 0;
    let reqB = 0;
    for (let r = 0; r < (p.rounds ?? 1); r++) {
      const rp = roundPolicy(p, r);
      const runA = async () => { const r0 = requests; const t = await measure(perStep, rp); reqA = (requests - r0) / (t.reps + rp.warmup); sa.push(...t.samples); };
      const runB = async () => { const r0 = requests; const t = await measure(oneRequest, rp); reqB = (requests - r0) / (t.reps + rp.warmup); sb.push(...t.samples); };
      if (r % 2 === 0) { await runA(); await runB(); } else { await runB(); await runA(); }
    }
    let diff = a.length === b.length ? 0 : Infinity;
    a.forEach((x, i) => x.forEach((v, j) => { diff = Math.max(diff, Math.abs(v - b[i][j])); }));
    await engine.close();
    await c.release();
    await d.release();
    const n = a.length;
    const per = (t: Timing) => timingOf(t.samples.map((s) => s / n));
    return { concepts: n, perStep: per(timingOf(sa)), oneRequest: per(timingOf(sb)), perStepRequests: reqA, oneRequestRequests: reqB, maxAbsDiff: diff };
  } finally {
    await host.close();
  }
}
