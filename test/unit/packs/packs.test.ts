import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUNDLED_PACKS_DIR, checkCachedDim, checkCompatible, discoverPacks, packFolders, loadLcmPack, loadPack, loadSonarPack, verifyPack, assertVerified, openPack,
} from '../../../main/engine/packs/load.js';
import { PackError } from '../../../main/engine/packs/errors.js';
import { toPackInfo } from '../../../main/engine/packs/index.js';
import { RANDOM, cleanup, copyPack, editJson, scratch } from './helpers.js';

afterAll(cleanup);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof PackError) return err.code;
    throw err;
  }
  return undefined;
}

describe('loadPack', () => {
  it('loads the random SONAR and LCM packs', () => {
    const s = loadSonarPack(join(RANDOM, 'sonar'));
    expect(s.json.kind).toBe('sonar');
    expect(s.json.graphs.decoder.layers).toBe(2);
    expect(s.graphPath('encoder')).toBe(join(RANDOM, 'sonar', 'encoder.onnx'));
    const b = loadLcmPack(join(RANDOM, 'base-lcm'));
    const t = loadLcmPack(join(RANDOM, 'two-tower-lcm'));
    expect([b.json.variant, t.json.variant]).toEqual(['base', 'two-tower']);
    expect(() => checkCompatible(s, b)).not.toThrow();
    expect(() => checkCompatible(s, t)).not.toThrow();
    const info = toPackInfo(s, { bundled: true });
    expect(info).toMatchObject({ name: 'random-sonar', kind: 'sonar', dim: 32, bundled: true, verified: 'unchecked' });
    expect(info.bytes).toBeGreaterThan(0);
  });

  it('names a SONAR pack\'s weight variant: the converter\'s record, else what a Python-converted pack says of its weights', () => {
    const s = loadSonarPack(join(RANDOM, 'sonar'));
    const withJson = (extra: object) => toPackInfo({ ...s, json: { ...s.json, ...extra } } as typeof s).variant;
    expect(toPackInfo(s).variant).toBeUndefined(); // a trained pack
    expect(withJson({ converter: { by: 'concept-studio (TypeScript)', variant: 'int8' } })).toBe('int8');
    expect(withJson({ converter: { variant: 'fp32' } })).toBe('fp32');
    expect(withJson({ quantization: { method: 'dynamic-int8' } })).toBe('int8');
    expect(withJson({ precision: { weights: 'float16' } })).toBe('fp16');
    expect(withJson({ converter: { variant: 'q4' } })).toBeUndefined(); // not a variant this app writes
  });

  it('rejects a folder without a pack, or of the wrong kind', () => {
    expect(code(() => loadPack(join(RANDOM, 'nope')))).toBe('PACK_MISSING');
    expect(code(() => loadPack(RANDOM))).toBe('PACK_MISSING');
    expect(code(() => loadSonarPack(join(RANDOM, 'base-lcm')))).toBe('PACK_INVALID');
  });

  it('rejects invalid pack.json with the field named', () => {
    const cases: [string, (j: any) => void, RegExp][] = [
      ['format', (j) => { j.format = 2; }, /format 2 is not supported/],
      ['kind', (j) => { j.kind = 'other'; }, /'kind'/],
      ['dim', (j) => { delete j.dim; }, /'dim'/],
      ['graph', (j) => { delete j.graphs.decoder; }, /graphs\.decoder/],
      ['role', (j) => { delete j.graphs.decoder.inputs.past_key; }, /graphs\.decoder\.inputs\.past_key/],
      ['path', (j) => { j.graphs.encoder.file = '../x.onnx'; }, /inside the pack/],
      ['sha', (j) => { j.files[0].sha256 = 'abc'; }, /sha256/],
      ['tokenizer', (j) => { j.tokenizer.vocab_size = 10; }, /vocab_size/],
      ['ngram', (j) => { j.decoding.no_repeat_ngram = -2; }, /decoding\.no_repeat_ngram/],
      ['ngram type', (j) => { j.decoding.no_repeat_ngram = '3'; }, /decoding\.no_repeat_ngram/],
      ['rerank type', (j) => { j.decoding.rerank = 'yes'; }, /decoding\.rerank/],
    ];
    for (const [, edit, msg] of cases) {
      const dir = copyPack('sonar');
      editJson(dir, edit);
      const err = (() => { try { loadPack(dir); } catch (e) { return e as PackError; } return undefined; })();
      expect(err).toBeInstanceOf(PackError);
      expect(err!.code).toBe('PACK_INVALID');
      expect(err!.message).toMatch(msg);
      expect(err!.message).toContain(join(dir, 'pack.json'));
    }
    const dir = copyPack('sonar');
    writeFileSync(join(dir, 'pack.json'), '{ not json');
    expect(code(() => loadPack(dir))).toBe('PACK_INVALID');
  });

  it('a decoder whose heads × head_dim differ from dim is a dimension error', () => {
    const dir = copyPack('sonar');
    editJson(dir, (j) => { j.dim = 64; });
    expect(code(() => loadPack(dir))).toBe('PACK_DIM_MISMATCH');
  });

  it('names a missing or truncated file', () => {
    const dir = copyPack('sonar');
    rmSync(join(dir, 'decoder.onnx'));
    let err: PackError | undefined;
    try { loadPack(dir); } catch (e) { err = e as PackError; }
    expect(err?.code).toBe('PACK_FILE_MISSING');
    expect(err?.path).toBe(join(dir, 'decoder.onnx'));
    expect(err?.message).toMatch(/decoder\.onnx.*Re-copy/);
    const dir2 = copyPack('sonar');
    truncateSync(join(dir2, 'encoder.onnx'), 1000);
    expect(code(() => loadPack(dir2))).toBe('PACK_FILE_SIZE');
  });
});

describe('verifyPack', () => {
  it('accepts intact packs, with byte progress up to the total', async () => {
    for (const name of ['sonar', 'base-lcm', 'two-tower-lcm']) {
      const pack = loadPack(join(RANDOM, name));
      const seen: number[] = [];
      const r = await verifyPack(pack, { onProgress: (p) => seen.push(p.bytesDone / p.bytesTotal) });
      expect(r).toEqual({ ok: true, problems: [] });
      expect(seen.at(-1)).toBe(1);
    }
  });

  it('finds a changed byte (same size)', async () => {
    const dir = copyPack('sonar');
    const p = join(dir, 'sentencepiece.model');
    const buf = readFileSync(p);
    buf[100] ^= 0xff;
    writeFileSync(p, buf);
    const pack = loadPack(dir); // sizes still match: loading is cheap and passes
    const r = await verifyPack(pack);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([expect.objectContaining({ code: 'PACK_CHECKSUM', path: p })]);
    await expect(assertVerified(pack)).rejects.toMatchObject({ code: 'PACK_CHECKSUM' });
    await expect(openPack(dir, { verify: true })).rejects.toMatchObject({ code: 'PACK_CHECKSUM', path: p });
    await expect(openPack(dir)).resolves.toMatchObject({ dir });
    await expect(openPack(join(RANDOM, 'sonar'), { verify: true })).resolves.toMatchObject({ bytes: expect.any(Number) });
  });

  it('can be cancelled', async () => {
    const pack = loadPack(join(RANDOM, 'sonar'));
    await expect(verifyPack(pack, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('compatibility checks', () => {
  it('an LCM pack of another space or dimension is refused', () => {
    const s = loadSonarPack(join(RANDOM, 'sonar'));
    const dir = copyPack('base-lcm');
    editJson(dir, (j) => { j.space = 'other-v1'; });
    expect(code(() => checkCompatible(s, loadLcmPack(dir)))).toBe('PACK_SPACE_MISMATCH');
    const dir2 = copyPack('base-lcm');
    editJson(dir2, (j) => { j.dim = 64; });
    expect(code(() => checkCompatible(s, loadLcmPack(dir2)))).toBe('PACK_DIM_MISMATCH');
    expect(code(() => checkCachedDim(s, 1024))).toBe('PACK_DIM_MISMATCH');
    expect(code(() => checkCachedDim(s, 32))).toBeUndefined();
  });
});

describe('discoverPacks', () => {
  it('finds bundled and user packs, reports broken ones, skips missing folders', () => {
    const user = scratch();
    mkdirSync(join(user, 'broken'));
    writeFileSync(join(user, 'broken', 'pack.json'), '{"format": 1}');
    mkdirSync(join(user, 'not-a-pack'));
    const found = discoverPacks([{ path: RANDOM, bundled: true }, { path: user }, { path: join(user, 'missing') }]);
    expect(found.filter((f) => f.pack).map((f) => f.pack!.json.name).sort()).toEqual(['random-base-lcm', 'random-sonar', 'random-two-tower-lcm']);
    expect(found.filter((f) => f.pack).every((f) => f.bundled)).toBe(true);
    const broken = found.filter((f) => f.error);
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatchObject({ dir: join(user, 'broken'), bundled: false });
    expect(broken[0].error!.code).toBe('PACK_INVALID');
    expect(packFolders(user)).toEqual([{ path: BUNDLED_PACKS_DIR, bundled: true }, { path: user, bundled: false }]);
    expect(BUNDLED_PACKS_DIR.replaceAll('\\', '/')).toMatch(/models\/mini\/?$/);
    // a pack folder itself can be listed
    expect(discoverPacks([join(RANDOM, 'sonar')]).map((f) => f.pack?.json.name)).toEqual(['random-sonar']);
  });
});

describe('the bundled mini packs', () => {
  it('name their concept space after the encoder that made it, shared by all three packs', () => {
    // the concept cache is keyed by space: a retrained family under a fixed name ("concept-studio-mini-v1") made a
    // user's cached concepts of the old encoder decode through the new decoder
    const spaces = ['sonar', 'base-lcm', 'two-tower-lcm'].map((p) => loadPack(join(BUNDLED_PACKS_DIR, p)).json.space);
    expect(spaces[0]).toMatch(/^concept-studio-mini-[0-9a-f]{12}$/);
    expect(new Set(spaces).size).toBe(1);
  });
});
