import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeSchedule, maxAbsDiff, scheduleArgsFromPack, timesteps } from '../../../main/engine/lcm/index.js';

const IDX = [0, 1, 9, 49, 89, 97, 98, 99];
const pick = (s: Float32Array) => IDX.map((i) => s[i]);

describe('noise schedules (zero terminal SNR)', () => {
  it('cosine matches research/lcm.md §4.1', () => {
    const want = [0.999369, 0.998252, 0.972079, 0.493638, 0.023963, 0.000942, 0.000228, 0];
    expect(maxAbsDiff(pick(makeSchedule('cosine', 100)), want)).toBeLessThanOrEqual(6e-7);
  });

  it('sigmoid(1.5, 0) matches research/lcm.md §4.1', () => {
    const want = [0.998986, 0.997091, 0.964251, 0.499583, 0.035406, 0.002805, 0.000953, 0];
    expect(maxAbsDiff(pick(makeSchedule('sigmoid', 100)), want)).toBeLessThanOrEqual(6e-7);
  });

  // values printed by tools/concept_tools/lcm_model.py make_schedule (float32)
  const REF: [string, Record<string, number>, number[]][] = [
    ['cosine', {}, [0.999368727, 0.998251915, 0.972079396, 0.49363777, 0.0239626039, 0.000941648497, 0.000227965153, 0]],
    ['sigmoid', {}, [0.998985827, 0.997091115, 0.964251041, 0.499583036, 0.0354059823, 0.00280504697, 0.000952952541, 0]],
    ['quadratic', {}, [0.999899983, 0.999477744, 0.991376042, 0.681653857, 0.0494778752, 0.00214473344, 0.000541044807, 0]],
    ['quadratic', { beta_start: 0.001, beta_end: 0.0012 },
      [0.999000013, 0.980198681, 0.835332572, 0.271186829, 0.0113829542, 0.000459594943, 0.000115032308, 0]],
    ['quadratic', { beta_start: 0.02, beta_end: 0.022 },
      [0.980000019, 0.949912488, 0.734498799, 0.147587538, 0.00388716208, 0.000143261335, 3.54521435e-5, 0]],
    ['sigmoid', { sigmoid_scale: 0.8, sigmoid_center: -1 },
      [0.935601294, 0.892069101, 0.680132747, 0.267477214, 0.0585412309, 0.0154233957, 0.0087094754, 0]],
    ['sigmoid', { sigmoid_scale: 3.5, sigmoid_center: 0 },
      [0.999999881, 0.999998808, 0.999542952, 0.499995798, 0.000456612644, 1.19196227e-6, 9.71347802e-8, 0]],
  ];
  for (const [name, args, want] of REF) {
    it(`${name} ${JSON.stringify(args)} matches the PyTorch reference`, () => {
      const s = makeSchedule(name, 100, scheduleArgsFromPack(args));
      expect(maxAbsDiff(pick(s), want)).toBeLessThanOrEqual(2e-7);
      expect(s[99]).toBe(0);
      for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThan(s[i - 1]);
    });
  }

  it('cosine with T = 50', () => {
    const s = makeSchedule('cosine', 50);
    expect(maxAbsDiff([0, 1, 25, 48, 49].map((i) => s[i]), [0.998252511, 0.994566321, 0.462278605, 0.000912539894, 0]))
      .toBeLessThanOrEqual(2e-7);
  });

  it("equals the random two-tower pack's alphas_cumprod", () => {
    const pack = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/random/two-tower-lcm/pack.json'), 'utf8'));
    const s = makeSchedule(pack.sampler.schedule, pack.sampler.num_train_steps);
    expect(maxAbsDiff(s, pack.sampler.alphas_cumprod)).toBe(0);
  });

  it('rejects unknown schedules', () => {
    expect(() => makeSchedule('linear' as never)).toThrow(/unknown schedule/);
  });
});

describe('timestep lists', () => {
  it('trailing: t = T−1−k·i with k = ⌊T/S⌋ (S = 40 → 50 steps 99…1)', () => {
    const ts = timesteps(100, 40, 'trailing');
    expect(ts.length).toBe(50);
    expect(ts[0]).toBe(99);
    expect(ts.at(-1)).toBe(1);
    expect(timesteps(100, 3)).toEqual([99, 66, 33, 0]);
    expect(timesteps(100, 7)).toEqual([99, 85, 71, 57, 43, 29, 15, 1]);
    expect(timesteps(100, 10)).toEqual([99, 89, 79, 69, 59, 49, 39, 29, 19, 9]);
    expect(timesteps(100, 60)).toEqual(Array.from({ length: 100 }, (_, i) => 99 - i));
    expect(timesteps(100, 100).length).toBe(100);
  });

  it('paper: S distinct steps with Python rounding (half to even)', () => {
    expect(timesteps(100, 1, 'paper')).toEqual([99]);
    expect(timesteps(100, 3, 'paper')).toEqual([99, 66, 32]);
    expect(timesteps(100, 7, 'paper')).toEqual([99, 85, 70, 56, 42, 28, 13]);
    expect(timesteps(100, 10, 'paper')).toEqual([99, 89, 79, 69, 59, 49, 39, 29, 19, 9]);
    expect(timesteps(100, 30, 'paper')).toEqual([99, 96, 92, 89, 86, 82, 79, 76, 72, 69, 66, 62, 59, 56, 52, 49, 46,
      42, 39, 36, 32, 29, 26, 22, 19, 16, 12, 9, 6, 2]);
    expect(timesteps(100, 40, 'paper')).toEqual([99, 97, 94, 91, 89, 87, 84, 81, 79, 77, 74, 71, 69, 67, 64, 61, 59,
      57, 54, 51, 49, 47, 44, 41, 39, 37, 34, 31, 29, 27, 24, 21, 19, 17, 14, 11, 9, 7, 4, 1]);
    expect(timesteps(100, 60, 'paper').length).toBe(60);
    expect(timesteps(100, 100, 'paper')).toEqual(Array.from({ length: 100 }, (_, i) => 99 - i));
  });

  it('rejects bad arguments', () => {
    expect(() => timesteps(100, 0)).toThrow();
    expect(() => timesteps(100, 200, 'trailing')).toThrow();
    expect(() => timesteps(100, 10, 'leading')).toThrow(/spacing/);
  });
});
