/**
 * Issue 11, defect 8 (second part): `concept packs verify` on a folder without pack.json, and on a pack.json that is a
 * symbolic-link loop, printed nothing and exited 0. Both now name the folder and the reason, and exit 3.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { concept } from '../../helpers/cli.js';
import { discoverPacks } from '../../../main/engine/packs/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-verify-empty-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const empty = join(dir, 'empty');
mkdirSync(empty);
const loop = join(dir, 'loop');
mkdirSync(loop);
// pack.json -> other.json -> pack.json
symlinkSync('other.json', join(loop, 'pack.json'));
symlinkSync('pack.json', join(loop, 'other.json'));

describe('packs verify on a folder that is not a pack', () => {
  it('a folder without pack.json: named, exit 3', async () => {
    const r = await concept(['packs', 'verify', '--pack', empty, '--db', join(dir, 'a.db')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(empty);
    expect(r.stderr).toMatch(/no pack\.json/);
  });

  it('a pack.json symlink loop: named as a loop, exit 3', async () => {
    const r = await concept(['packs', 'verify', '--pack', loop, '--db', join(dir, 'b.db')]);
    expect(r.code).toBe(3);
    expect(`${r.stdout}${r.stderr}`).toMatch(/pack\.json is a symbolic link that loops/);
  });

  it('the folder given by path instead of --pack: the same reasons', async () => {
    const a = await concept(['packs', 'verify', empty, '--pack', empty, '--db', join(dir, 'c.db')]);
    expect(a.code).toBe(3);
    expect(a.stdout).toMatch(/no pack\.json in/);
    const b = await concept(['packs', 'verify', loop, '--pack', empty, '--db', join(dir, 'd.db')]);
    expect(b.code).toBe(3);
    expect(b.stdout).toMatch(/loops/);
  });

  it('discovery reports a looping pack.json as a broken pack, not as an empty folder', () => {
    const found = discoverPacks([loop]);
    expect(found).toHaveLength(1);
    expect(found[0].error?.code).toBe('PACK_INVALID');
  });
});
