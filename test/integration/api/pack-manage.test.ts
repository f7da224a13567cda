/**
 * Managing packs through the service: quality labels and the active packs in packs(), importing a pack twice under
 * the same name (refused, and the list still works), `~` in typed paths, choosing the active SONAR pack and LCM,
 * removing an imported pack (bundled packs cannot be removed).
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, expandHome, type ConceptService } from '../../../main/api/service.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const RANDOM_LCM = join(ROOT, 'test', 'fixtures', 'random', 'base-lcm');
let dir: string;
let svc: ConceptService;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'concept-packs-'));
  mkdirSync(join(dir, 'models'));
  svc = await createService({ dataDir: dir, dbPath: join(dir, 'db.sqlite'), userPackDir: join(dir, 'models'), bundledPackDir: join(ROOT, 'models', 'mini') });
});
afterAll(async () => {
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('packs in the service', () => {
  it('lists each pack with its quality (no metrics: demo) and marks the active SONAR pack and LCM', async () => {
    const packs = await svc.packs();
    const sonar = packs.find((p) => p.kind === 'sonar')!;
    expect(sonar.quality).toMatchObject({ label: expect.any(String) });
    if (!sonar.quality!.metrics.length) expect(sonar.quality).toMatchObject({ label: 'demo', demo: true });
    expect(sonar.fidelity).toMatchObject({ threshold: expect.any(Number) });
    expect(sonar.active).toBe(true);
    expect(packs.filter((p) => p.kind === 'lcm' && p.active)).toHaveLength(1);
  });

  it('imports a pack once; the same name again is refused and the list still works', async () => {
    const p = await svc.importPack(RANDOM_LCM);
    expect(p.name).toBe('random-base-lcm');
    await expect(svc.importPack(RANDOM_LCM)).rejects.toMatchObject({ code: 'PACK_EXISTS' }); // the same pack twice
    const copy = join(dir, 'copy-of-lcm');
    cpSync(RANDOM_LCM, copy, { recursive: true });
    await expect(svc.importPack(copy)).rejects.toMatchObject({ code: 'PACK_EXISTS', message: expect.stringMatching(/already installed/) });
    const names = (await svc.packs()).map((x) => x.name);
    expect(names.filter((n) => n === 'random-base-lcm')).toHaveLength(1);
    // a copy of a bundled pack is refused too (its name is taken)
    const bundledCopy = join(dir, 'copy-of-bundled');
    cpSync(join(ROOT, 'models', 'mini', 'base-lcm'), bundledCopy, { recursive: true });
    await expect(svc.importPack(bundledCopy)).rejects.toMatchObject({ code: 'PACK_EXISTS' });
  });

  it('expands ~ in typed paths', async () => {
    expect(expandHome('~')).toBe(homedir());
    expect(expandHome('~/x/y')).toBe(join(homedir(), 'x', 'y'));
    expect(expandHome(' /abs ')).toBe('/abs');
    const rel = relative(homedir(), join(dir, 'copy-of-lcm'));
    if (!rel.startsWith('..')) {
      await expect(svc.importPack(`~/${rel}`)).rejects.toMatchObject({ code: 'PACK_EXISTS' }); // found through ~
    }
  });

  it('chooses the active LCM; refuses an unknown pack name', async () => {
    const all = await svc.packs();
    const space = all.find((s) => s.kind === 'sonar')!.space;
    const lcms = all.filter((p) => p.kind === 'lcm' && p.space === space);
    const other = lcms.find((p) => !p.active)!;
    await svc.setSettings({ activeLcm: other.name });
    expect((await svc.packs()).find((p) => p.name === other.name)!.active).toBe(true);
    expect((await svc.checkRun({ task: 'expand', targetLang: 'eng_Latn' })).lcm!.name).toBe(other.name);
    await expect(svc.setSettings({ activeSonar: 'no-such-pack' })).rejects.toMatchObject({ code: 'PACK_MISSING' });
    await svc.setSettings({ activeLcm: null });
  });

  it('auto with the demo packs resolves to extractive before anything loads', async () => {
    const r = await svc.checkRun({ task: 'summarize', targetLang: 'fra_Latn', method: 'auto' });
    expect(r.method).toEqual({ requested: 'auto', used: 'extractive', reason: 'demo-packs' });
    expect(r.lcm).toBeNull();
  });

  it('removes an imported pack; bundled packs cannot be removed', async () => {
    const p = (await svc.packs()).find((x) => x.name === 'random-base-lcm')!;
    await svc.removePack('random-base-lcm');
    expect(existsSync(p.path)).toBe(false);
    expect((await svc.packs()).some((x) => x.name === 'random-base-lcm')).toBe(false);
    await expect(svc.removePack('mini-sonar')).rejects.toMatchObject({ code: 'PACK_BUNDLED' });
    await expect(svc.removePack('random-base-lcm')).rejects.toMatchObject({ code: 'PACK_MISSING' });
  });
});
