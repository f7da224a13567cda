/**
 * The PyTorch checkpoint reader (main/engine/packs/torch/) against files written by torch itself
 * (make_cases.py, /usr/bin/python3 + PyTorch): every tensor's shape and values, including fp16/bf16/fp64 storage,
 * transposed, offset and strided views and views sharing one storage; fairseq2's nested {"model": ...}, a bare
 * module state dict, the DDP prefix, pickle protocol 4, ZIP64 records; and clear errors for damaged files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CheckpointError, TorchCheckpoint } from '../../../../main/engine/packs/torch/checkpoint.js';
import { unpickle, PyObject } from '../../../../main/engine/packs/torch/pickle.js';

const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const HERE = resolve(import.meta.dirname);

type Expected = Record<string, Record<string, { shape: number[]; values: number[] }>>;

describe('TorchCheckpoint', () => {
  let dir: string;
  let expected: Expected;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'torch-ckpt-'));
    execFileSync(PY, [join(HERE, 'make_cases.py'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const name of ['module_state', 'fairseq2_nested', 'ddp_prefix', 'protocol4', 'zip64']) {
    it(`${name}: every tensor's shape and values equal torch's`, () => {
      const ck = TorchCheckpoint.open(join(dir, `${name}.pt`));
      try {
        const sd = ck.stateDict();
        expect([...sd.keys()].sort()).toEqual(Object.keys(expected[name]).sort());
        for (const [key, exp] of Object.entries(expected[name])) {
          const t = sd.get(key)!;
          expect(t.shape, key).toEqual(exp.shape);
          // float32 values compare exactly: torch's own .float() of fp16/bf16/fp64 against our conversion
          expect(Array.from(ck.readRows(t)), key).toEqual(Array.from(Float32Array.from(exp.values)));
        }
      } finally {
        ck.close();
      }
    });
  }

  it('reads a row range of a view without the rest', () => {
    const ck = TorchCheckpoint.open(join(dir, 'fairseq2_nested.pt'));
    try {
      const sd = ck.stateDict();
      for (const key of ['base', 'transposed', 'offset_view', 'strided']) {
        const t = sd.get(key)!;
        const all = ck.readRows(t);
        const cols = t.shape[1];
        expect(Array.from(ck.readRows(t, 1, 2)), key).toEqual(Array.from(all.subarray(cols, 3 * cols)));
      }
    } finally {
      ck.close();
    }
  });

  it('keeps the non-tensor parts of the pickle (config dicts, lists, big ints)', () => {
    const ck = TorchCheckpoint.open(join(dir, 'fairseq2_nested.pt'));
    try {
      const root = ck.root as Map<string, unknown>;
      const cfg = root.get('cfg') as Map<string, unknown>;
      expect((cfg.get('a') as Map<string, unknown>).get('big')).toBe(2 ** 40);
      expect((cfg.get('a') as Map<string, unknown>).get('neg')).toBe(-7);
      expect(cfg.get('lr')).toBe(0.5);
      expect(root.get('misc')).toEqual([1, 2.5, 's', null, true, [1, 2]]);
    } finally {
      ck.close();
    }
  });

  it('a truncated file is refused with a message that says so', () => {
    const p = join(dir, 'truncated.pt');
    copyFileSync(join(dir, 'fairseq2_nested.pt'), p);
    truncateSync(p, Math.floor(statSync(p).size / 2));
    expect(() => TorchCheckpoint.open(p)).toThrow(CheckpointError);
    expect(() => TorchCheckpoint.open(p)).toThrow(/truncated/);
  });

  it('a file that is not a zip checkpoint is refused', () => {
    const p = join(dir, 'text.pt');
    writeFileSync(p, 'hello, this is not a checkpoint at all\n'.repeat(10));
    expect(() => TorchCheckpoint.open(p)).toThrow(/not a zip-format PyTorch checkpoint|no zip end-of-central-directory/);
  });

  it('the unpickler runs no code: an unknown global stays an inert object', () => {
    // protocol 2: GLOBAL os.system, ('echo hi',), REDUCE, STOP
    const evil = Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from('cos\nsystem\n', 'latin1'),
      Buffer.from([0x58, 7, 0, 0, 0]), Buffer.from('echo hi'), Buffer.from([0x85, 0x52, 0x2e])]);
    const v = unpickle(evil);
    expect(v).toBeInstanceOf(PyObject);
    expect((v as PyObject).cls.qualname).toBe('os.system');
    expect((v as PyObject).args).toEqual(['echo hi']);
  });
});
