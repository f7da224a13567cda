import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableProviders, createSession, providerPlan } from '../../../main/engine/runtime/session.js';
import { i64 } from '../../../main/engine/runtime/tensors.js';
import { cleanup, scratch } from '../packs/helpers.js';

afterAll(cleanup);

const ENCODER = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../fixtures/random/sonar/encoder.onnx');

async function embed(session: Awaited<ReturnType<typeof createSession>>['session']): Promise<Float32Array> {
  const ids = [1047, 105, 89, 551, 3];
  const out = await session.run({ input_ids: i64(ids, [1, 5]), attention_mask: i64([1, 1, 1, 1, 1], [1, 5]) });
  return out.sentence_embedding.data as Float32Array;
}

describe('session factory', () => {
  it('lists the providers of this build, CPU always last', () => {
    const a = availableProviders();
    expect(a.at(-1)).toBe('cpu');
    expect(providerPlan('auto', ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'])).toEqual(['cuda', 'dml', 'coreml', 'cpu']);
    expect(providerPlan('auto', ['webgpu', 'cpu'])).toEqual(['cpu']);
    expect(providerPlan('dml', ['cpu'])).toEqual(['cpu']);
    expect(providerPlan('coreml', ['coreml', 'cpu'])).toEqual(['coreml', 'cpu']);
  });

  it('uses CPU when asked', async () => {
    const { session, report } = await createSession(ENCODER, { provider: 'cpu', threads: 1, graphOptimizationLevel: 'basic' });
    expect(report).toMatchObject({ requested: 'cpu', used: 'cpu', fallbackReason: null, threads: 1, optimizedCache: 'off' });
    expect((await embed(session)).length).toBe(32);
  });

  it('falls back to CPU with a reason when a GPU provider cannot start', async () => {
    for (const want of ['cuda', 'dml', 'coreml'] as const) {
      const { report } = await createSession(ENCODER, { provider: want, threads: 1 });
      if (report.used === want) continue; // this machine has it
      expect(report.used).toBe('cpu');
      expect(report.requested).toBe(want);
      expect(report.fallbackReason).toBeTruthy();
    }
    const auto = await createSession(ENCODER, { threads: 1 });
    expect(auto.report.requested).toBe('auto');
    if (auto.report.used === 'cpu' && auto.report.tried.length) expect(auto.report.fallbackReason).toContain(auto.report.tried[0].provider);
  });

  it('writes, then reuses, an optimized graph with identical outputs', async () => {
    const dir = scratch();
    const first = await createSession(ENCODER, { provider: 'cpu', threads: 1, optimizedCacheDir: dir });
    expect(first.report.optimizedCache).toBe('written');
    expect(readdirSync(dir).filter((f) => f.endsWith('.onnx'))).toHaveLength(1);
    const second = await createSession(ENCODER, { provider: 'cpu', threads: 1, optimizedCacheDir: dir });
    expect(second.report.optimizedCache).toBe('hit');
    const [a, b] = [await embed(first.session), await embed(second.session)];
    expect(Array.from(b)).toEqual(Array.from(a));
    // a damaged cache entry is dropped and rewritten
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.onnx'))!), 'garbage');
    const third = await createSession(ENCODER, { provider: 'cpu', threads: 1, optimizedCacheDir: dir });
    expect(third.report.optimizedCache).toBe('written');
  });
});
