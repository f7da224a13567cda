/** SONAR through the engine worker: same results as in-process, progress, cancellation, errors reported. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { EngineHost } from '../../../main/engine/runtime/host.js';
import { SONAR_HANDLERS, SonarClient } from '../../../main/engine/sonar/client.js';
import { maxAbsDiff, presentFamilies, sonarFixture } from './packs.js';

const fam = presentFamilies()[0];

describe.runIf(fam)('SONAR in the engine worker', () => {
  let host: EngineHost;
  let sonar: SonarClient;
  const fx = sonarFixture(fam);

  beforeAll(async () => {
    host = await EngineHost.start({ handlerModules: [SONAR_HANDLERS] });
    sonar = await SonarClient.open(host, join(fam.dir, 'sonar'), { config: { provider: 'cpu', threads: 1 } });
  });
  afterAll(async () => {
    await host?.close();
  });

  it('opens the pack and reports the provider used', () => {
    expect(sonar.info.dim).toBe(fx.encoder[0].embedding.length);
    expect(sonar.info.providers.decoder).toMatchObject({ requested: 'cpu', used: 'cpu', fallbackReason: null });
  });

  it('encodes token ids with progress, matching the fixture', async () => {
    const progress: unknown[] = [];
    const embs = await sonar.encodeIds(fx.encoder.map((e) => e.ids), { maxBatchSize: 2, onProgress: (p) => progress.push(p) });
    expect(embs[0]).toBeInstanceOf(Float32Array);
    const worst = Math.max(...embs.map((e, i) => maxAbsDiff(e, fx.encoder[i].embedding)));
    expect(worst).toBeLessThanOrEqual(1e-4);
    expect(progress.length).toBe(Math.ceil(fx.encoder.length / 2));
  });

  it('decodes with progress events, matching the fixture', async () => {
    const d = fx.decodes[0];
    const progress: { stage: string; step: number }[] = [];
    const [r] = await sonar.decodeIds([Float32Array.from(fx.encoder[d.embedding_of].embedding)], d.lang, { maxTokens: sonar.info.maxPositions, onProgress: (p) => progress.push(p) });
    expect(r.hypotheses.map((h) => h.tokens)).toEqual(d.beam.map((h) => h.tokens));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatchObject({ stage: 'decode', step: 2 });
  });

  it('text decoding replies carry the best text, tokens and score only (not every beam hypothesis)', async () => {
    const d = fx.decodes[0];
    const [r] = await sonar.decodeTexts([Float32Array.from(fx.encoder[d.embedding_of].embedding)], d.lang, { maxTokens: sonar.info.maxPositions });
    expect(Object.keys(r).sort()).toEqual(['score', 'text', 'tokens']);
    expect(r.tokens).toEqual(d.beam[0].tokens.slice(2, -1));
    expect(r.score).toBeCloseTo(d.beam[0].score, 4);
  });

  it('cancels a long decode between steps, then keeps serving', async () => {
    const d = fx.decodes.reduce((a, b) => (b.greedy_tokens.length > a.greedy_tokens.length ? b : a));
    const emb = Float32Array.from(fx.encoder[d.embedding_of].embedding);
    const ctl = new AbortController();
    let steps = 0;
    const p = sonar.decodeIds([emb], d.lang, { greedy: true, maxTokens: sonar.info.maxPositions, signal: ctl.signal, onProgress: () => { if (++steps === 3) ctl.abort(); } });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    const [again] = await sonar.decodeIds([emb], d.lang, { greedy: true, maxTokens: sonar.info.maxPositions });
    expect(again.tokens).toEqual(d.greedy_tokens);
  });

  it('reports errors from the worker (wrong embedding dimension, unknown language, unknown model)', async () => {
    await expect(sonar.decodeIds([new Float32Array(3)], 'eng_Latn')).rejects.toThrow(/dimension 3/);
    await expect(sonar.decodeIds([new Float32Array(sonar.info.dim)], 'xxx_Xxxx')).rejects.toMatchObject({ code: 'UNKNOWN_LANGUAGE' });
    await expect(host.request('sonar.encodeIds', { key: 'nope', seqs: [[1]] })).rejects.toMatchObject({ code: 'MODEL_NOT_LOADED' });
  });

  it('a missing pack is a typed error', async () => {
    await expect(SonarClient.open(host, join(fam.dir, 'no-such-pack'))).rejects.toMatchObject({ code: 'PACK_MISSING', name: 'PackError' });
  });
});

describe.runIf(fam)('SONAR ports for the tasks layer', () => {
  it('encode/decode through the worker client and the in-process model agree', async () => {
    const { SonarModel } = await import('../../../main/engine/sonar/model.js');
    const { sonarPorts } = await import('../../../main/engine/sonar/ports.js');
    const host = await EngineHost.start({ handlerModules: [SONAR_HANDLERS] });
    const model = await SonarModel.load(join(fam.dir, 'sonar'), { provider: 'cpu', threads: 1 });
    try {
      const client = await SonarClient.open(host, join(fam.dir, 'sonar'), { config: { provider: 'cpu', threads: 1 } });
      const remote = sonarPorts(client);
      const local = sonarPorts(model);
      expect(remote.encoder.dim).toBe(local.encoder.dim);
      expect(remote.encoder.space).toBe(local.encoder.space);
      const texts = sonarFixture(fam).encoder.filter((e) => e.lang === 'eng_Latn').map((e) => e.text);
      const ticks: number[][] = [];
      const [a, b] = [await remote.encoder.encode(texts, 'eng_Latn', { onProgress: (d, t) => ticks.push([d, t]) }), await local.encoder.encode(texts, 'eng_Latn')];
      a.forEach((v, i) => expect(maxAbsDiff(v, b[i])).toBeLessThanOrEqual(1e-6));
      expect(ticks.at(-1)).toEqual([texts.length, texts.length]);
      const dticks: number[][] = [];
      const [x, y] = [await remote.decoder.decode(a, 'fra_Latn', { onProgress: (d, t) => dticks.push([d, t]) }), await local.decoder.decode(a, 'fra_Latn')];
      expect(x).toEqual(y);
      expect(dticks.at(-1)).toEqual([texts.length, texts.length]);
    } finally {
      await model.dispose();
      await host.close();
    }
  });
});
