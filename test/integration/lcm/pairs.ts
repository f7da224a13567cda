/** Every LCM pack/fixture pair present in the checkout: the random test family always, the trained mini packs once
 * training has written them. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';

export const ROOT = join(import.meta.dirname, '..', '..', '..');

export interface LcmFixture {
  input_raw: number[];
  shape: [number, number];
  base: { normalized_input: number[]; next: number[] };
  contextualizer: { normalized_input: number[]; context: number[]; context_dim: number };
  denoiser: { x_t: number[]; t: number[]; context_mask: number[][]; x0: number[] };
  trajectories: {
    options: {
      steps: number;
      spacing: 'trailing' | 'paper';
      guidance_scale: number;
      guidance_rescale: number;
      initial_noise_scale: number;
      epsilon_scaling: number | null;
      eta: number;
      clip_noise: number;
    };
    noise: number[];
    steps: { t: number; x0: number[]; z: number[] }[];
    x0: number[];
    denormalized: number[];
  }[];
}

export interface Pair {
  name: string;
  baseDir: string;
  twoTowerDir: string;
  fixture: () => LcmFixture;
}

const CANDIDATES = [
  { name: 'random', packs: 'test/fixtures/random', fixtures: 'test/fixtures/random/fixtures.json' },
  { name: 'mini', packs: 'models/mini', fixtures: 'test/fixtures/mini.json' },
];
// extra pairs for local checks: CONCEPT_LCM_PAIRS="name=packsDir:fixtures.json;..." (absolute or repo-relative)
for (const spec of (process.env.CONCEPT_LCM_PAIRS ?? '').split(';').filter(Boolean)) {
  const m = /^([^=]+)=([^:]+):(.+)$/.exec(spec);
  if (m) CANDIDATES.push({ name: m[1], packs: m[2], fixtures: m[3] });
}

export const PAIRS: Pair[] = CANDIDATES.filter(
  (c) =>
    existsSync(resolve(ROOT, c.fixtures)) &&
    existsSync(resolve(ROOT, c.packs, 'base-lcm', 'pack.json')) &&
    existsSync(resolve(ROOT, c.packs, 'two-tower-lcm', 'pack.json')),
).map((c) => {
  let cached: LcmFixture | undefined;
  return {
    name: c.name,
    baseDir: resolve(ROOT, c.packs, 'base-lcm'),
    twoTowerDir: resolve(ROOT, c.packs, 'two-tower-lcm'),
    fixture: () => (cached ??= (JSON.parse(readFileSync(resolve(ROOT, c.fixtures), 'utf8')) as { lcm: LcmFixture }).lcm),
  };
});

export function session(dir: string, file: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(join(dir, file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
}
