/**
 * `concept packs selftest NAME`: the report on stdout (text or --json) and the exit code — 3 when a check fails (the
 * bundled mini pack fails the round trip: a demonstration model), 3 for a pack that is not installed, 1 without a
 * name. Run as the user runs it (bin/concept.mjs in its own process).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conceptProcess } from '../../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'cli-selftest-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { CONCEPT_DB: join(work, 'c.db'), CONCEPT_PACKS: '' };

describe('concept packs selftest', () => {
  it('the mini pack fails (exit 3) and says which check, with values, thresholds and baselines', async () => {
    const r = await conceptProcess(['packs', 'selftest', 'mini-sonar'], { env });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/^mini-sonar: self-test FAILED \(a demonstration or test pack: expected, not damage\)/);
    expect(r.stdout).toMatch(/round_trip +FAIL +\d+\.\d chrF \(threshold ≥ 70\.0; baseline \d+\.\d/);
    expect(r.stdout).toMatch(/alignment +(pass|FAIL) +0\.\d{3} share/);
    expect(r.stdout).toMatch(/e\.g\. jpn_Jpan: "電車は朝七時に出発します。" →/);
    expect(existsSync(join(work, 'selftest', 'mini-sonar', 'selftest.json'))).toBe(true);

    const j = await conceptProcess(['packs', 'selftest', 'mini-sonar', '--json'], { env });
    expect(j.code).toBe(3);
    const rep = JSON.parse(j.stdout);
    expect(rep.passed).toBe(false);
    expect(rep.checks.find((c: { id: string }) => c.id === 'round_trip')).toMatchObject({ passed: false, threshold: 70 });
  });

  it('an unknown pack exits 3 naming the installed ones; no name exits 1', async () => {
    const r = await conceptProcess(['packs', 'selftest', 'no-such-pack'], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/No pack named "no-such-pack" is installed \(installed: .*mini-sonar/);
    const u = await conceptProcess(['packs', 'selftest'], { env });
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/packs selftest needs a SONAR pack name/);
  });
});
