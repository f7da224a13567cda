/**
 * The pack self-test through the service (api/selftest.ts over engine/selftest) on real packs: the bundled mini pack
 * (a demonstration model: it must fail the round trip, and say so), the random-weight pack (a pack that does not
 * work: it must fail alignment), where the report is saved and how packs() shows it, cancel, and bad requests.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createService } from '../../../main/api/service.js';
import type { ApiEvent, PackSelftest } from '../../../main/api/contract.js';
import { SELFTEST_THRESHOLDS } from '../../../main/engine/selftest/checks.js';
import { MINI, RANDOM } from './packs.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-selftest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const byId = (r: PackSelftest) => Object.fromEntries(r.checks.map((c) => [c.id, c]));

describe('self-test of the bundled mini pack', () => {
  it('measures every check; the round trip is below its threshold and the report says failed (a demo pack)', async () => {
    const data = join(dir, 'mini');
    const svc = await createService({ dbPath: join(data, 'c.db'), dataDir: data, bundledPackDir: MINI });
    const events: ApiEvent[] = [];
    svc.onEvent((e) => events.push(e));
    try {
      const pack = await svc.selftestPack({ name: 'mini-sonar', requestId: 'st-mini' });
      const r = pack.selftest!;
      expect(r.pack).toBe('mini-sonar');
      expect(r.passed).toBe(false);
      expect(r.demo).toBe(true);
      expect(r.languages).toEqual(['eng_Latn', 'rus_Cyrl', 'arb_Arab', 'hin_Deva', 'zho_Hans', 'jpn_Jpan']);
      const c = byId(r);
      // round trip: computed, below the threshold, above nothing-at-all, with its baseline
      expect(c.round_trip.passed).toBe(false);
      expect(c.round_trip.value).toBeLessThan(SELFTEST_THRESHOLDS.roundTripChrf);
      expect(c.round_trip.value).toBeGreaterThan(0);
      expect(c.round_trip.baseline).toBeGreaterThan(0);
      expect(Object.keys(c.round_trip.detail!)).toEqual(r.languages);
      // alignment: values present (accuracy above chance: the mini encoder aligns languages a little)
      expect(c.alignment.value).toBeGreaterThan(c.alignment.detail!.chance);
      expect(c.alignment.baseline).toBeTypeOf('number');
      expect(c.alignment.detail!.margin).toBeTypeOf('number');
      expect(c.alignment.detail!.queries).toBe(300);
      expect(c.finite.passed).toBe(true);
      expect(c.collapse.value).toBeLessThan(SELFTEST_THRESHOLDS.collapseCosine);
      expect(r.examples).toHaveLength(6);
      // progress under the request id, up to done
      const prog = events.filter((e) => e.type === 'progress' && e.requestId === 'st-mini');
      expect(prog.length).toBeGreaterThan(5);
      expect(prog.at(-1)).toMatchObject({ stage: 'selftest', done: 12, total: 12 });
      // saved in the data folder (never into the bundled pack), and listed with the pack
      expect(existsSync(join(MINI, 'sonar', 'selftest.json'))).toBe(false);
      const saved = JSON.parse(readFileSync(join(data, 'selftest', 'mini-sonar', 'selftest.json'), 'utf8')) as PackSelftest;
      expect(saved.checks).toEqual(r.checks);
      const listed = (await svc.packs()).find((p) => p.name === 'mini-sonar')!;
      expect(listed.selftest?.createdAt).toBe(r.createdAt);
      expect(listed.selftest?.stale).toBeUndefined();
    } finally {
      await svc.close();
    }
  });
});

describe('self-test of a pack that does not work (random weights)', () => {
  it('fails alignment; the report is saved next to pack.json and read as stale once pack.json changes', async () => {
    const packs = join(dir, 'user');
    const pack = join(packs, 'random-sonar');
    cpSync(join(RANDOM, 'sonar'), pack, { recursive: true });
    const svc = await createService({ dbPath: join(dir, 'r.db'), packDirs: [packs], decoding: { maxTokens: 24 } });
    try {
      expect((await svc.packs()).find((p) => p.name === 'random-sonar')!.selftest).toBeUndefined();
      const info = await svc.selftestPack({ name: 'random-sonar' });
      const c = byId(info.selftest!);
      expect(c.alignment.passed).toBe(false);
      expect(c.alignment.value).toBeLessThan(SELFTEST_THRESHOLDS.alignmentAccuracy);
      expect(c.round_trip.passed).toBe(false);
      expect(info.selftest!.passed).toBe(false);
      expect(existsSync(join(pack, 'selftest.json'))).toBe(true);
      // discovery is cached by pack.json mtimes: a new report must still be seen, and a changed pack marks it stale
      expect((await svc.packs()).find((p) => p.name === 'random-sonar')!.selftest?.createdAt).toBe(info.selftest!.createdAt);
      const j = JSON.parse(readFileSync(join(pack, 'pack.json'), 'utf8'));
      writeFileSync(join(pack, 'pack.json'), JSON.stringify({ ...j, description: 'changed' }, null, 2));
      expect((await svc.packs()).find((p) => p.name === 'random-sonar')!.selftest?.stale).toBe(true);
    } finally {
      await svc.close();
    }
  });

  it('cancel: rejects with CANCELLED and saves no report', async () => {
    const packs = join(dir, 'cancel');
    cpSync(join(RANDOM, 'sonar'), join(packs, 'random-sonar'), { recursive: true });
    const svc = await createService({ dbPath: join(dir, 'x.db'), packDirs: [packs], decoding: { maxTokens: 24 } });
    try {
      svc.onEvent((e) => {
        if (e.type === 'progress' && e.requestId === 'st-cancel' && e.message === 'encode eng_Latn') void svc.cancelRun('st-cancel');
      });
      const e = await svc.selftestPack({ name: 'random-sonar', requestId: 'st-cancel' }).catch((x) => x);
      expect(e.code).toBe('CANCELLED');
      expect(existsSync(join(packs, 'random-sonar', 'selftest.json'))).toBe(false);
    } finally {
      await svc.close();
    }
  });

  it('bad requests: an unknown pack, an LCM pack, no name', async () => {
    const svc = await createService({ dbPath: join(dir, 'b.db'), packDirs: [RANDOM] });
    try {
      expect((await svc.selftestPack({ name: 'nope' }).catch((x) => x)).code).toBe('PACK_MISSING');
      const lcm = await svc.selftestPack({ name: 'random-base-lcm' }).catch((x) => x);
      expect(lcm.code).toBe('INVALID_REQUEST');
      expect(lcm.message).toMatch(/SONAR packs/);
      expect((await svc.selftestPack({} as never).catch((x) => x)).code).toBe('INVALID_REQUEST');
    } finally {
      await svc.close();
    }
  });
});
