/**
 * The user's concept-reranking setting (Settings.rerank: pack | on | off) reaches the decoder of every run, and the
 * service's own decoding option (CLI --rerank / --no-rerank) wins over it. Checked on the bundled mini pack, whose
 * pack.json turns reranking on, against the same pack decoded in this process with reranking on and off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type ConceptService } from '../../../main/api/service.js';
import { SonarModel } from '../../../main/engine/sonar/model.js';
import { HELDOUT } from '../../helpers/heldout.js';
import { ROOT } from '../sonar/packs.js';

const MINI = join(ROOT, 'models', 'mini');
const eng = HELDOUT.english.slice(0, 16);
const fra = HELDOUT.pairs.filter((p) => p.lang === 'fra_Latn').map((p) => p.text);

describe('rerank setting', () => {
  let dir: string;
  let svc: ConceptService;
  let vectors: Float32Array[];
  let on: string[];
  let off: string[];
  let fraOn: string[];
  let fraOff: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-rerank-'));
    const m = await SonarModel.load(join(MINI, 'sonar'), { provider: 'cpu', threads: 2 });
    try {
      vectors = await m.encodeTexts(eng, 'eng_Latn');
      on = (await m.decodeTexts(vectors, 'eng_Latn', { rerank: true })).map((r) => r.text);
      off = (await m.decodeTexts(vectors, 'eng_Latn', { rerank: false })).map((r) => r.text);
      const fv = await m.encodeTexts(fra, 'fra_Latn');
      fraOn = (await m.decodeTexts(fv, 'eng_Latn', { rerank: true })).map((r) => r.text);
      fraOff = (await m.decodeTexts(fv, 'eng_Latn', { rerank: false })).map((r) => r.text);
    } finally {
      await m.dispose();
    }
    svc = await createService({ dbPath: join(dir, 'c.db'), packDirs: [MINI] });
  }, 300_000);
  afterAll(async () => {
    await svc?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pack (the default) follows pack.json; on and off override it; a bad value is refused', async () => {
    expect(on).not.toEqual(off); // otherwise this test could not tell the settings apart
    expect((await svc.getSettings()).rerank).toBe('pack');
    expect(await svc.decodeVectors(vectors, 'eng_Latn')).toEqual(on);
    await svc.setSettings({ rerank: 'off' });
    expect(await svc.decodeVectors(vectors, 'eng_Latn')).toEqual(off);
    // a run takes the same path: held-out French translated into English
    const run = async () => (await svc.runText({ sentences: fra, lang: 'fra_Latn', task: 'translate', targetLang: 'eng_Latn' })).sentences.map((x) => x.text);
    expect(await run()).toEqual(fraOff);
    await svc.setSettings({ rerank: 'on' });
    expect(await svc.decodeVectors(vectors, 'eng_Latn')).toEqual(on);
    expect(await run()).toEqual(fraOn);
    await expect(svc.setSettings({ rerank: 'sometimes' as never })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect((await svc.getSettings()).rerank).toBe('on');
  });

  it('the service option (CLI --no-rerank) wins over the setting', async () => {
    const d2 = mkdtempSync(join(tmpdir(), 'cs-rerank2-'));
    const s2 = await createService({ dbPath: join(d2, 'c.db'), packDirs: [MINI], decoding: { rerank: false } });
    try {
      await s2.setSettings({ rerank: 'on' });
      expect(await s2.decodeVectors(vectors, 'eng_Latn')).toEqual(off);
    } finally {
      await s2.close();
      rmSync(d2, { recursive: true, force: true });
    }
  });
});
