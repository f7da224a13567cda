/** TypeScript + onnxruntime vs the PyTorch reference (tools/concept_tools/fixtures.py `lcm_fixture`): Base-LCM
 * predictions, contextualizer and denoiser outputs, and the full denoising trajectory for fixed noise, ≤ 1e-4. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as ort from 'onnxruntime-node';
import {
  BaseLcm,
  createBaseLcm,
  createTwoTowerLcm,
  makeSchedule,
  maxAbsDiff,
  readLcmPack,
  TwoTowerLcm,
  type Runner,
  type SamplerOptions,
  type TrajectoryStep,
} from '../../../main/engine/lcm/index.js';
import { PAIRS, session } from './pairs.js';
import { sessionRunner } from '../../../main/engine/runtime/tensors.js';

const TOL = 1e-4;
const report: string[] = [];

afterAll(() => {
  if (report.length) console.log(report.join('\n'));
});

for (const pair of PAIRS) {
  describe(`LCM parity (${pair.name})`, () => {
    let base: BaseLcm;
    let tt: TwoTowerLcm;
    const sessions: ort.InferenceSession[] = [];

    beforeAll(async () => {
      const b = readLcmPack(pair.baseDir);
      const bs = await session(pair.baseDir, b.pack.graphs.base.file);
      const runner: Runner = sessionRunner(bs); // the LCM code feeds plain tensors
      base = createBaseLcm(b.pack, b.normalizer, runner);
      const t = readLcmPack(pair.twoTowerDir);
      const cs = await session(pair.twoTowerDir, t.pack.graphs.contextualizer.file);
      const ds = await session(pair.twoTowerDir, t.pack.graphs.denoiser.file);
      tt = createTwoTowerLcm(t.pack, t.normalizer, { contextualizer: sessionRunner(cs), denoiser: sessionRunner(ds) });
      sessions.push(bs, cs, ds);
    });
    afterAll(async () => {
      for (const s of sessions) await s.release();
    });

    it('normalizes the input like the reference', () => {
      const fx = pair.fixture();
      const a = maxAbsDiff(base.normalizer.normalize(fx.input_raw), fx.base.normalized_input);
      const b = maxAbsDiff(tt.normalizer.normalize(fx.input_raw), fx.contextualizer.normalized_input);
      report.push(`[${pair.name}] normalize max diff: base ${a.toExponential(2)}, two-tower ${b.toExponential(2)}`);
      expect(a).toBeLessThanOrEqual(TOL);
      expect(b).toBeLessThanOrEqual(TOL);
      const back = tt.normalizer.denormalize(tt.normalizer.normalize(fx.input_raw));
      expect(maxAbsDiff(back, fx.input_raw)).toBeLessThanOrEqual(1e-6);
    });

    it('Base-LCM next ≤ 1e-4', async () => {
      const fx = pair.fixture();
      const [l, d] = fx.shape;
      const next = await base.forward(base.normalizer.normalize(fx.input_raw), 1, l);
      const diff = maxAbsDiff(next, fx.base.next);
      report.push(`[${pair.name}] base next max diff ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(TOL);
      // the predictor API: last position, denormalized
      const rows = Array.from({ length: l }, (_, i) => Float32Array.from(fx.input_raw.slice(i * d, (i + 1) * d)));
      const raw = await base.predictNext(rows);
      const want = base.normalizer.denormalize(fx.base.next.slice((l - 1) * d));
      expect(maxAbsDiff(raw, want)).toBeLessThanOrEqual(TOL);
    });

    it('contextualizer and denoiser ≤ 1e-4', async () => {
      const fx = pair.fixture();
      const [l] = fx.shape;
      const ctx = await tt.contextualize(tt.normalizer.normalize(fx.input_raw), 1, l);
      expect(ctx.dim).toBe(fx.contextualizer.context_dim);
      const dc = maxAbsDiff(ctx.data, fx.contextualizer.context);
      const b = fx.denoiser.t.length;
      const data = new Float32Array(b * ctx.data.length);
      for (let i = 0; i < b; i++) data.set(ctx.data, i * ctx.data.length);
      const x0 = await tt.denoise(
        Float32Array.from(fx.denoiser.x_t),
        fx.denoiser.t,
        { data, batch: b, length: l, dim: ctx.dim },
        Float32Array.from(fx.denoiser.context_mask.flat()),
      );
      const dd = maxAbsDiff(x0, fx.denoiser.x0);
      report.push(`[${pair.name}] contextualizer max diff ${dc.toExponential(2)}, denoiser ${dd.toExponential(2)}`);
      expect(dc).toBeLessThanOrEqual(TOL);
      expect(dd).toBeLessThanOrEqual(TOL);
    });

    it('the pack schedule is the computed one', () => {
      const t = readLcmPack(pair.twoTowerDir).pack;
      const s = t.sampler!;
      const mine = makeSchedule(s.schedule ?? 'cosine', s.num_train_steps ?? 100);
      expect(maxAbsDiff(mine, s.alphas_cumprod!)).toBeLessThanOrEqual(1e-7);
    });

    for (const mode of ['batched', 'separate'] as const) {
      it(`full denoising trajectories ≤ 1e-4 (${mode} guidance)`, async () => {
        const fx = pair.fixture();
        const [l, d] = fx.shape;
        const ctx = await tt.contextualize(tt.normalizer.normalize(fx.input_raw), 1, l);
        for (const [k, tr] of fx.trajectories.entries()) {
          const o = tr.options;
          const opts: Partial<SamplerOptions> = {
            steps: o.steps,
            spacing: o.spacing,
            guidanceScale: o.guidance_scale,
            guidanceRescale: o.guidance_rescale,
            initialNoiseScale: o.initial_noise_scale,
            epsilonScaling: o.epsilon_scaling,
            eta: o.eta,
            clipNoise: o.clip_noise,
            guidanceMode: mode,
          };
          const traj: TrajectoryStep[] = [];
          const runs0 = tt.denoiserRuns;
          const x0 = await tt.sampleNext(ctx, opts, { noise: Float32Array.from(tr.noise), trajectory: traj });
          expect(tt.denoiserRuns - runs0).toBe(tr.steps.length * (mode === 'batched' ? 1 : 2));
          expect(traj.map((s) => s.t)).toEqual(tr.steps.map((s) => s.t));
          let worstX0 = 0;
          let worstZ = 0;
          traj.forEach((s, i) => {
            worstX0 = Math.max(worstX0, maxAbsDiff(s.x0, tr.steps[i].x0));
            worstZ = Math.max(worstZ, maxAbsDiff(s.z, tr.steps[i].z));
          });
          const dx = maxAbsDiff(x0, tr.x0);
          const dn = maxAbsDiff(tt.normalizer.denormalize(x0), tr.denormalized);
          report.push(
            `[${pair.name}] trajectory ${k} (${o.steps} ${o.spacing}, g=${o.guidance_scale}, ${mode}): ` +
              `steps ${traj.length}, max diff x0 ${worstX0.toExponential(2)}, z ${worstZ.toExponential(2)}, ` +
              `final ${dx.toExponential(2)}, denormalized ${dn.toExponential(2)}`,
          );
          // 50 guided steps compound float32 rounding in proportion to the values (guidance multiplies them), so the
          // trajectory is held to TOL relative to its own largest value, never looser than TOL absolute below 1
          let trajScale = 1;
          for (const st of tr.steps) for (const v of [...st.x0, ...st.z]) trajScale = Math.max(trajScale, Math.abs(v));
          expect(worstX0).toBeLessThanOrEqual(TOL * trajScale);
          expect(worstZ).toBeLessThanOrEqual(TOL * trajScale);
          expect(dx).toBeLessThanOrEqual(TOL * trajScale);
          // the raw (denormalized) space is not unit-scale: float32 error grows with the values, so compare relatively
          const rawScale = Math.max(1, ...Array.from(tr.denormalized as ArrayLike<number>, Math.abs));
          expect(dn).toBeLessThanOrEqual(TOL * rawScale);
          expect(x0.length).toBe(d);
        }
      });
    }
  });
}

describe('LCM pack/fixture pairs', () => {
  it('the random test family is present', () => {
    expect(PAIRS.map((p) => p.name)).toContain('random');
  });
});
