/**
 * `concept packs get sonar --base-url URL` and `concept packs remove NAME` against a local HTTP server serving
 * official-format random checkpoints: the licence is shown and nothing is fetched until it is accepted; with
 * --accept-license the pack is downloaded, converted, listed with its recorded hashes, then removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conceptProcess } from '../../helpers/cli.js';
import { startFileServer, type FileServer } from '../../helpers/file-server.js';
import { OFFICIAL_ENCODER as ENC, OFFICIAL_TOKENIZER as TOK, writeOfficialSonarFolder } from '../../helpers/official-sonar.js';


const concept = (args: string[], env: NodeJS.ProcessEnv) => conceptProcess(args, { env: { CONCEPT_DB: '', ...env } });

describe('concept packs get sonar / packs remove', () => {
  let work: string;
  let srv: FileServer;
  let env: NodeJS.ProcessEnv;
  let tokHash: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cli-get-sonar-'));
    const served = writeOfficialSonarFolder(work);
    tokHash = served.tokenizerSha256[TOK];
    srv = await startFileServer(served.dir);
    env = { XDG_CONFIG_HOME: join(work, 'config') }; // the app's data folder (database, models, downloads)
  }, 240_000);
  afterAll(async () => {
    await srv?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('shows the licence and downloads nothing until it is accepted', async () => {
    const r = await concept(['packs', 'get', 'sonar', '--base-url', srv.url], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CC-BY-NC-4.0');
    expect(r.stderr).toMatch(/NON-COMMERCIAL/);
    expect(r.stderr).toMatch(/--accept-license/);
    expect(srv.log).toEqual([]);
  });

  it('gets, lists and removes the pack', async () => {
    const got = await concept(['packs', 'get', 'sonar', '--base-url', srv.url, '--accept-license', '--sha256', `${TOK}=${tokHash}`,
      '--progress'], env);
    expect(got.stderr).toMatch(/accepted/);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toMatch(/installed sonar-text-basic/);
    expect(got.stderr).toMatch(/download sonar_text_decoder\.pt: .* of /);
    expect(got.stderr).toMatch(/convert \(/);
    const dir = join(work, 'config', 'Concept Studio', 'models', 'sonar-text-basic');
    const pack = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8'));
    expect(pack.source.tokenizer.sha256).toBe(tokHash);
    expect(pack.source.encoder.url).toBe(`${srv.url}${ENC}`);
    // the self-test ran on the new pack: random weights fail it, loudly, and the pack stays installed (exit 0)
    expect(got.stderr).toMatch(/self-test \d+\/\d+/);
    expect(got.stderr).toMatch(/sonar-text-basic: self-test FAILED/);
    expect(got.stderr).toMatch(/alignment +FAIL/);
    expect(got.stderr).toMatch(/warning: sonar-text-basic failed its self-test/);
    expect(JSON.parse(readFileSync(join(dir, 'selftest.json'), 'utf8')).passed).toBe(false);
    const st = await concept(['packs', 'selftest', 'sonar-text-basic', '--json'], env);
    expect(st.code, st.stderr).toBe(3);
    expect(JSON.parse(st.stdout).checks.find((c: { id: string }) => c.id === 'alignment').passed).toBe(false);

    const list = await concept(['packs', 'list', '--json'], env);
    expect(JSON.parse(list.stdout).map((p: { name: string }) => p.name)).toContain('sonar-text-basic');
    // the licence is remembered: a second get does not ask again, and refuses to overwrite the pack
    const again = await concept(['packs', 'get', 'sonar', '--base-url', srv.url], env);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/already installed/);
    expect(again.stderr).not.toMatch(/NON-COMMERCIAL/);

    const rm = await concept(['packs', 'remove', 'sonar-text-basic'], env);
    expect(rm.code, rm.stderr).toBe(0);
    expect(existsSync(dir)).toBe(false);
    const list2 = await concept(['packs', 'list', '--json'], env);
    expect(JSON.parse(list2.stdout).map((p: { name: string }) => p.name)).not.toContain('sonar-text-basic');
  });
});
