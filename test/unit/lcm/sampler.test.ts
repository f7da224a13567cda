import { describe, expect, it } from 'vitest';
import {
  makeSchedule,
  maxAbsDiff,
  Normalizer,
  Rng,
  timesteps,
  TwoTowerLcm,
  type Context,
  type SamplerOptions,
  type TrajectoryStep,
} from '../../../main/engine/lcm/index.js';
import { D, fakeContextualizer, fakeDenoiser } from './fakes.js';

const AB = makeSchedule('cosine', 100);

function model(den = fakeDenoiser()) {
  return new TwoTowerLcm({
    contextualizer: fakeContextualizer(),
    denoiser: den,
    normalizer: new Normalizer(new Float32Array(D), new Float32Array(D).fill(1)),
    alphasCumprod: AB,
  });
}

/** Literal float64 transcription of lcm_model.py sample_next (batch 1), with the same fake denoiser. */
function reference(ctx: Context, o: SamplerOptions, noise: Float32Array, stepNoise: Float32Array[]) {
  const den = (z: number[], t: number, keep: number) => {
    let c = 0;
    for (let j = 0; j < ctx.length; j++) for (let q = 0; q < ctx.dim; q++) c += keep * ctx.data[j * ctx.dim + q];
    c /= ctx.length;
    return z.map((v, i) => Math.tanh(0.5 * v + 0.01 * t + (i - 1.5) * c));
  };
  const std = (x: number[]) => {
    const m = x.reduce((a, b) => a + b, 0) / x.length;
    return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
  };
  const T = AB.length;
  const ts = timesteps(T, o.steps, o.spacing);
  const clip = (v: number) => Math.min(Math.max(v, -o.clipNoise), o.clipNoise);
  let z = Array.from(noise, (v) => clip(v * o.initialNoiseScale));
  let x0: number[] = z;
  const traj: { x0: number[]; z: number[] }[] = [];
  ts.forEach((t, n) => {
    const x0c = den(z, t, 1);
    const x0u = den(z, t, 0);
    const a = AB[t];
    let eps: number[];
    if (t === T - 1) {
      x0 = x0c;
      eps = z;
    } else {
      const ec = z.map((v, i) => (v - Math.sqrt(a) * x0c[i]) / Math.sqrt(1 - a));
      const eu = z.map((v, i) => (v - Math.sqrt(a) * x0u[i]) / Math.sqrt(1 - a));
      let eg = eu.map((u, i) => u + o.guidanceScale * (ec[i] - u));
      if (o.guidanceRescale > 0) {
        const f = o.guidanceRescale * (std(ec) / std(eg)) + (1 - o.guidanceRescale);
        eg = eg.map((v) => v * f);
      }
      eps = eg;
      x0 = z.map((v, i) => (v - Math.sqrt(1 - a) * eps[i]) / Math.sqrt(a));
    }
    if (o.epsilonScaling) eps = eps.map((v) => v / o.epsilonScaling!);
    const tp = n + 1 < ts.length ? ts[n + 1] : -1;
    const ap = tp >= 0 ? AB[tp] : 1;
    const sigma = o.eta > 0 ? o.eta * Math.sqrt((1 - ap) / (1 - a)) * Math.sqrt(1 - a / ap) : 0;
    z = x0.map((v, i) => Math.sqrt(ap) * v + Math.sqrt(Math.max(1 - ap - sigma ** 2, 0)) * eps[i]);
    if (o.eta > 0) z = z.map((v, i) => v + sigma * stepNoise[n][i]);
    z = z.map(clip);
    traj.push({ x0, z });
  });
  return { x0, traj };
}

const OPTS: SamplerOptions = {
  steps: 40,
  spacing: 'trailing',
  guidanceScale: 3,
  guidanceRescale: 0.7,
  initialNoiseScale: 0.6,
  epsilonScaling: 1.00045,
  eta: 0,
  clipNoise: 100,
};

async function context(m: TwoTowerLcm): Promise<Context> {
  const prefix = [Float32Array.from([0.2, -0.1, 0.4, 0.3]), Float32Array.from([0.5, 0.1, -0.3, 0.2])];
  return m.contextualize(m.normalizer.normalize(Float32Array.from([...prefix[0], ...prefix[1]])), 1, 2);
}

describe('Two-Tower sampler (fake denoiser vs a literal transcription of the reference)', () => {
  const cases: [string, Partial<SamplerOptions>][] = [
    ['paper defaults', {}],
    ['paper spacing, no rescale, no ε-scaling', { steps: 10, spacing: 'paper', guidanceScale: 2, guidanceRescale: 0, epsilonScaling: null }],
    ['η = 0.7 with injected step noise', { steps: 20, eta: 0.7 }],
    ['η = 1, clip_noise 0.5', { steps: 10, eta: 1, clipNoise: 0.5 }],
    ['no guidance (g = 1)', { steps: 10, guidanceScale: 1 }],
  ];
  for (const [name, over] of cases) {
    for (const mode of ['batched', 'separate'] as const) {
      it(`${name} (${mode})`, async () => {
        const den = fakeDenoiser();
        const m = model(den);
        const o = { ...OPTS, ...over, guidanceMode: mode };
        const ctx = await context(m);
        const rng = new Rng(42);
        const noise = rng.randn(D);
        const ts = timesteps(100, o.steps, o.spacing);
        const stepNoise = ts.map(() => rng.randn(D));
        const traj: TrajectoryStep[] = [];
        const steps: number[] = [];
        const x0 = await m.sampleNext(ctx, o, { noise, stepNoise, trajectory: traj, onStep: (s) => steps.push(s) });
        const ref = reference(ctx, o, noise, stepNoise);
        expect(maxAbsDiff(x0, ref.x0)).toBeLessThanOrEqual(1e-4); // float32 state vs a float64 transcription
        traj.forEach((s, i) => {
          expect(maxAbsDiff(s.x0, ref.traj[i].x0)).toBeLessThanOrEqual(1e-4); // float32 state vs a float64 transcription
          expect(maxAbsDiff(s.z, ref.traj[i].z)).toBeLessThanOrEqual(1e-4); // float32 state vs a float64 transcription
        });
        expect(steps).toEqual(ts.map((_, i) => i + 1));
        const guided = o.guidanceScale !== 1;
        expect(den.calls).toBe(ts.length * (guided && mode === 'separate' ? 2 : 1));
        expect(den.batches[0]).toBe(guided && mode === 'batched' ? 2 : 1);
        if (o.clipNoise < 1) for (const s of traj) for (const v of s.z) expect(Math.abs(v)).toBeLessThanOrEqual(o.clipNoise);
      });
    }
  }

  it('draws its noise from the rng: same seed, same concept; other seed, other concept', async () => {
    const m = model();
    const ctx = await context(m);
    const o = { ...OPTS, steps: 10, eta: 0.5 };
    const a = await m.sampleNext(ctx, o, { rng: new Rng(7) });
    const b = await m.sampleNext(ctx, o, { rng: new Rng(7) });
    const c = await m.sampleNext(ctx, o, { rng: new Rng(8) });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(maxAbsDiff(a, c)).toBeGreaterThan(1e-4);
    await expect(m.sampleNext(ctx, o)).rejects.toThrow(/rng/);
  });

  it('is cancelled between denoising steps', async () => {
    const den = fakeDenoiser();
    const m = model(den);
    const ctx = await context(m);
    const ac = new AbortController();
    const p = m.sampleNext(ctx, OPTS, {
      rng: new Rng(1),
      signal: ac.signal,
      onStep: (s) => {
        if (s === 3) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(den.calls).toBe(3);
  });

  it('predictNext: normalize → contextualize → sample → denormalize', async () => {
    const norm = new Normalizer(Float32Array.from([0.1, 0.2, 0.3, 0.4]), Float32Array.from([2, 2, 0.5, 1]));
    const m = new TwoTowerLcm({ contextualizer: fakeContextualizer(), denoiser: fakeDenoiser(), normalizer: norm, alphasCumprod: AB });
    const prefix = [Float32Array.from([0.2, -0.1, 0.4, 0.3])];
    const noise = new Rng(3).randn(D);
    const raw = await m.predictNext(prefix, { noise, sampler: { steps: 10 } });
    const ctx = await m.contextualize(norm.normalize(prefix[0]), 1, 1);
    const xn = await m.sampleNext(ctx, { steps: 10 }, { noise });
    expect(maxAbsDiff(raw, norm.denormalize(xn))).toBe(0);
  });
});

describe('Rng', () => {
  it('is reproducible and roughly standard normal', () => {
    const a = new Rng(123).randn(20000);
    const b = new Rng(123).randn(20000);
    expect(Array.from(a.slice(0, 50))).toEqual(Array.from(b.slice(0, 50)));
    expect(Array.from(new Rng(124).randn(5))).not.toEqual(Array.from(a.slice(0, 5)));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const vr = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(vr - 1)).toBeLessThan(0.05);
    const u = new Rng(5);
    for (let i = 0; i < 1000; i++) {
      const x = u.uniform();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});

describe('Normalizer', () => {
  it('normalizes and denormalizes per dimension, over several concepts', () => {
    const n = Normalizer.fromJson({ center: [1, 2], scale: [0.5, 4] });
    expect(Array.from(n.normalize([2, 6, 0, 2]))).toEqual([2, 1, -2, 0]);
    expect(Array.from(n.denormalize([2, 1, -2, 0]))).toEqual([2, 6, 0, 2]);
    expect(() => n.normalize([1, 2, 3])).toThrow();
    expect(() => Normalizer.fromJson({ center: [0], scale: [0] })).toThrow(/scale/);
  });
});
