/** The fragility baseline's perturbation (bench/lib/sonar-variants.ts): an exact cosine, the norm kept, reproducible. */
import { describe, expect, it } from 'vitest';
import { perturbToCosine } from '../../../bench/lib/sonar-variants.js';

const cos = (x: Float32Array, y: Float32Array) => {
  let d = 0, nx = 0, ny = 0;
  for (let i = 0; i < x.length; i++) { d += x[i] * y[i]; nx += x[i] * x[i]; ny += y[i] * y[i]; }
  return d / Math.sqrt(nx * ny);
};

function lcg(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

describe('perturbToCosine', () => {
  it('turns a vector to the asked cosine, keeps its norm, and repeats with the same stream', () => {
    const r = lcg(7);
    const e = Float32Array.from({ length: 256 }, () => r() * 3);
    const norm = (x: Float32Array) => Math.hypot(...x);
    for (const c of [0.99997, 0.999, 0.9, 0.5]) {
      const a = perturbToCosine(e, c, lcg(11));
      expect(cos(a, e)).toBeCloseTo(c, 5);
      expect(norm(a) / norm(e)).toBeCloseTo(1, 5);
      expect(perturbToCosine(e, c, lcg(11))).toEqual(a);
      expect(perturbToCosine(e, c, lcg(12))).not.toEqual(a);
    }
    expect(cos(perturbToCosine(e, 1, lcg(3)), e)).toBeCloseTo(1, 6);
  });
});
