/**
 * Where a self-test report lives: `selftest.json` next to the pack's pack.json (written whole or not at all), so it
 * travels with the pack; for packs the app must not write into (bundled, read-only) the caller passes another folder.
 * A report names the sha256 of the pack.json it tested: after the pack changes it is read back as `stale`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PackSelftest } from '../types.js';

export const SELFTEST_FILE = 'selftest.json';

export function packJsonSha256(packDir: string): string {
  return createHash('sha256').update(readFileSync(join(packDir, 'pack.json'))).digest('hex');
}

/** Write `report` as `<dir>/selftest.json` through a temporary file and a rename (a crash leaves the old one). */
export function writeReport(dir: string, report: PackSelftest): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, SELFTEST_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return path;
}

/** The report in `dir` for the pack whose pack.json hashes to `sha` (marked stale when it differs); null when none or unreadable. */
export function readReport(dir: string, sha: string): PackSelftest | null {
  const path = join(dir, SELFTEST_FILE);
  if (!existsSync(path)) return null;
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as PackSelftest;
    if (r?.version !== 1 || !Array.isArray(r.checks)) return null;
    const { stale: _old, ...rest } = r;
    return r.packJsonSha256 === sha ? rest : { ...rest, stale: true };
  } catch {
    return null; // a damaged report is as good as none: the self-test can be run again
  }
}
