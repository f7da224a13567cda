/**
 * Issue 11, defect 3: corrupted weights were used without a check (4 KB of flipped bytes, same size, loaded; a wrong
 * sha256 in pack.json ran without a warning).
 */
import { openSync, readFileSync, statSync, utimesSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPack, PackError } from '../../../main/engine/packs/index.js';
import { PackVerifier, type HashEntry } from '../../../main/engine/packs/verified.js';
import { cleanup, copyPack, editJson } from './helpers.js';

afterEach(cleanup);

/** Overwrite 4 KB in the middle of a file with flipped bytes: same size, different content. */
function flipBytes(path: string): void {
  const size = statSync(path).size;
  const at = Math.max(0, Math.floor(size / 2) - 2048);
  const orig = readFileSync(path).subarray(at, at + 4096);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from(orig.map((b) => b ^ 0xff)), 0, orig.length, at);
  closeSync(fd);
}

describe('pack weights verified before first use', () => {
  it('flipped bytes of the same size are found, with the pack and file named', async () => {
    const dir = copyPack('sonar');
    const v = new PackVerifier();
    expect((await v.verify(loadPack(dir))).ok).toBe(true);
    flipBytes(join(dir, 'decoder.onnx'));
    const pack = loadPack(dir); // sizes still match: loading alone cannot see it
    const r = await v.verify(pack);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.code)).toEqual(['PACK_CHECKSUM']);
    const e = await v.assert(pack).catch((x) => x);
    expect(e).toBeInstanceOf(PackError);
    expect(e.code).toBe('PACK_CHECKSUM');
    expect(e.message).toMatch(/pack ".+" is damaged and was not used: .*decoder\.onnx does not match its sha256/);
  });

  it('a wrong sha256 in pack.json is refused', async () => {
    const dir = copyPack('sonar');
    editJson(dir, (j) => { j.files[0].sha256 = '0'.repeat(64); });
    await expect(new PackVerifier().assert(loadPack(dir))).rejects.toMatchObject({ code: 'PACK_CHECKSUM' });
  });

  it('a verified pack opens without hashing again (digests cached by size and mtime, persisted)', async () => {
    const dir = copyPack('sonar');
    let saved: Record<string, HashEntry> | undefined;
    const store = { load: () => saved, save: (e: Record<string, HashEntry>) => { saved = JSON.parse(JSON.stringify(e)); } };
    const pack = loadPack(dir);
    const first = new PackVerifier(store);
    await first.assert(pack);
    expect(first.hashed).toBe(pack.json.files.length);
    await first.assert(pack);
    expect(first.hashed).toBe(pack.json.files.length);
    const next = new PackVerifier(store); // a new session reads the persisted digests
    await next.assert(pack);
    expect(next.hashed).toBe(0);
    // a rewritten file (new mtime) is hashed again; `force` (packs verify) hashes everything
    const enc = join(dir, 'encoder.onnx');
    const st = statSync(enc);
    utimesSync(enc, st.atime, new Date(st.mtimeMs + 5_000));
    await next.assert(pack);
    expect(next.hashed).toBe(1);
    await next.verify(pack, { force: true });
    expect(next.hashed).toBe(1 + pack.json.files.length);
  });
});
