/**
 * Every graph of every pack (test/fixtures/random, and models/mini once it exists) loads in onnxruntime-node and has
 * the inputs, outputs and dimensions its pack.json states. Corrupt graphs give a typed, actionable error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { checkCompatible, checkGraphIo, isLcmPack, loadPack, loadSonarPack, verifyPack } from '../../../main/engine/packs/load.js';
import { PackError } from '../../../main/engine/packs/errors.js';
import { createSession } from '../../../main/engine/runtime/session.js';
import { ROOT, RANDOM, cleanup, copyPack, editJson, replaceFile } from './helpers.js';
import { FAMILIES } from '../../integration/sonar/packs.js';

afterAll(cleanup);

const MINI = join(ROOT, 'models/mini');
const PACKS = ['sonar', 'base-lcm', 'two-tower-lcm'];

function miniCommitted(): boolean {
  try {
    return execFileSync('git', ['ls-files', 'models/mini'], { cwd: ROOT, encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
}

describe('bundled mini packs', () => {
  it.runIf(miniCommitted())('are present once committed', () => {
    for (const name of PACKS) expect(existsSync(join(MINI, name, 'pack.json')), `models/mini/${name}/pack.json`).toBe(true);
  });
});

for (const { name: family, dir: root } of FAMILIES) {
  for (const name of PACKS) {
    const dir = join(root, name);
    describe.runIf(existsSync(join(dir, 'pack.json')))(`${family}/${name}`, () => {
      it('every graph loads and matches pack.json', async () => {
        const pack = loadPack(dir);
        for (const g of Object.keys(pack.json.graphs)) {
          const { session, report } = await createSession(pack.graphPath(g), { provider: 'cpu', threads: 1 });
          expect(report.used).toBe('cpu');
          expect(() => checkGraphIo(pack, g, session.inputMetadata, session.outputMetadata)).not.toThrow();
          await session.release();
        }
      });

      it('every file matches its sha256, and an LCM pack fits its family\'s SONAR pack', async () => {
        const pack = loadPack(dir);
        expect(await verifyPack(pack)).toEqual({ ok: true, problems: [] });
        if (isLcmPack(pack) && existsSync(join(root, 'sonar', 'pack.json'))) checkCompatible(loadSonarPack(join(root, 'sonar')), pack);
      });
    });
  }
}

describe('graph errors', () => {
  it('a corrupt graph is PACK_GRAPH_INVALID naming the file, with a hint', async () => {
    const dir = copyPack('sonar');
    replaceFile(dir, 'decoder.onnx', new TextEncoder().encode('this is not an onnx graph'.repeat(10)));
    const pack = loadSonarPack(dir); // sizes and checksums match pack.json: only onnxruntime can tell
    const err = await createSession(pack.graphPath('decoder'), { provider: 'cpu' }).catch((e) => e);
    expect(err).toBeInstanceOf(PackError);
    expect(err.code).toBe('PACK_GRAPH_INVALID');
    expect(err.path).toBe(join(dir, 'decoder.onnx'));
    expect(err.message).toContain(join(dir, 'decoder.onnx'));
    expect(err.hint).toMatch(/re-copy or re-convert/);
  });

  it('a truncated graph is PACK_GRAPH_INVALID', async () => {
    const dir = copyPack('sonar');
    const { readFileSync } = await import('node:fs');
    const full = readFileSync(join(dir, 'encoder.onnx'));
    replaceFile(dir, 'encoder.onnx', full.subarray(0, Math.floor(full.length / 2)));
    await expect(createSession(join(dir, 'encoder.onnx'), { provider: 'cpu' })).rejects.toMatchObject({ code: 'PACK_GRAPH_INVALID' });
  });

  it('a missing graph file is PACK_GRAPH_INVALID with a missing-file hint', async () => {
    await expect(createSession(join(RANDOM, 'sonar', 'nope.onnx'))).rejects.toMatchObject({ code: 'PACK_GRAPH_INVALID', hint: /missing/ });
  });

  it('pack.json naming tensors the graph lacks, or wrong dims, is caught', async () => {
    const dir = copyPack('sonar');
    editJson(dir, (j) => { j.graphs.encoder.outputs.sentence_embedding = 'embedding'; });
    let pack = loadPack(dir);
    let s = (await createSession(pack.graphPath('encoder'), { provider: 'cpu' })).session;
    expect(() => checkGraphIo(pack, 'encoder', s.inputMetadata, s.outputMetadata)).toThrow(expect.objectContaining({ code: 'PACK_GRAPH_MISMATCH' }));
    const dir2 = copyPack('sonar');
    editJson(dir2, (j) => { j.tokenizer.vocab_size = 1300; });
    pack = loadPack(dir2);
    s = (await createSession(pack.graphPath('decoder'), { provider: 'cpu' })).session;
    expect(() => checkGraphIo(pack, 'decoder', s.inputMetadata, s.outputMetadata)).toThrow(expect.objectContaining({ code: 'PACK_DIM_MISMATCH' }));
    const dir3 = copyPack('base-lcm');
    editJson(dir3, (j) => { j.dim = 48; });
    pack = loadPack(dir3);
    s = (await createSession(pack.graphPath('base'), { provider: 'cpu' })).session;
    expect(() => checkGraphIo(pack, 'base', s.inputMetadata, s.outputMetadata)).toThrow(expect.objectContaining({ code: 'PACK_DIM_MISMATCH' }));
  });
});
