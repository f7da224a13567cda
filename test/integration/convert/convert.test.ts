/**
 * The converters (tools/convert_sonar.py, tools/convert_lcm.py) produce packs the app itself accepts: random
 * checkpoints written in the official formats (tools/tests/make_official_checkpoints.py: SONAR fairseq2
 * `{"model": state_dict}`, large_concept_model Base-LCM / Two-Tower, sonar_normalizer) are converted, then loaded,
 * verified and run through the engine (pack validation, graph I/O checks, encoder, beam search, LCM predictors).
 * Full-size numbers and the parity checks live in tools/tests (pytest); this test proves the contract end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { checkCompatible, loadLcmPack, loadSonarPack, verifyPack } from '../../../main/engine/packs/load.js';
import { SonarEncoder } from '../../../main/engine/sonar/encoder.js';
import { SonarDecoder } from '../../../main/engine/sonar/decoder.js';
import { beamSearch } from '../../../main/engine/sonar/beam.js';
import { sessionRunner } from '../../../main/engine/runtime/tensors.js';
import { createBaseLcm, createTwoTowerLcm, readLcmPack } from '../../../main/engine/lcm/index.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const SPM = join(ROOT, 'test', 'fixtures', 'random', 'test_model.model');
const cfg = { provider: 'cpu' as const, threads: 1 };
const DIM = 64;

function py(args: string[]): string {
  return execFileSync(PY, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('converted packs load and run in the engine', () => {
  let work: string;
  const out = (n: string) => join(work, n);

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'convert-'));
    py([join(ROOT, 'tools', 'tests', 'make_official_checkpoints.py'), '--out', work, '--spm', SPM, '--dim', String(DIM)]);
    py([join(ROOT, 'tools', 'convert_sonar.py'), '--encoder', out('sonar_text_encoder.pt'), '--decoder',
      out('sonar_text_decoder.pt'), '--spm', SPM, '--out', out('sonar'), '--no-check']);
    py([join(ROOT, 'tools', 'convert_lcm.py'), '--checkpoint', out('base_lcm.pt'), '--out', out('base')]);
    py([join(ROOT, 'tools', 'convert_lcm.py'), '--checkpoint', out('two_tower_lcm.pt'), '--normalizer',
      out('normalizer.pt'), '--out', out('tt'), '--schedule', 'cosine', '--train-steps', '100']);
  }, 240_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('SONAR pack: valid, verified, encodes and decodes', async () => {
    const pack = loadSonarPack(out('sonar'));
    expect(pack.json.space).toBe('sonar-v1');
    expect(pack.json.license).toBe('CC-BY-NC-4.0');
    expect(pack.json.tokenizer.languages).toHaveLength(202);
    expect((await verifyPack(pack)).ok).toBe(true);
    const enc = await SonarEncoder.fromPack(pack, cfg);
    const dec = await SonarDecoder.fromPack(pack, cfg);
    try {
      const eng = pack.json.tokenizer.lang_offset + pack.json.tokenizer.languages.indexOf('eng_Latn');
      const [e] = await enc.encodeIds([[eng, 10, 11, 12, 3]]);
      expect(e).toHaveLength(DIM);
      expect(e.every(Number.isFinite)).toBe(true);
      const [hyps] = await beamSearch(dec, [e], [eng], { beam: 2, maxTokens: 8 });
      expect(hyps.length).toBeGreaterThan(0);
      for (const h of hyps) {
        expect(h.tokens.slice(0, 2)).toEqual([3, eng]);
        expect(h.tokens.at(-1)).toBe(3);
        expect(h.tokens).not.toContain(1);
      }
    } finally {
      await enc.dispose();
      await dec.dispose();
    }
  });

  it('LCM packs: valid, verified, compatible with the SONAR pack, and predict', async () => {
    const sonar = loadSonarPack(out('sonar'));
    for (const dir of [out('base'), out('tt')]) {
      const lp = loadLcmPack(dir);
      expect((await verifyPack(lp)).ok).toBe(true);
      checkCompatible(sonar, lp);
    }
    const prefix = [0, 1, 2].map((k) => Float32Array.from({ length: DIM }, (_, i) => Math.sin(i + k) * 0.05));
    const b = readLcmPack(out('base'));
    const bs = await ort.InferenceSession.create(join(out('base'), b.pack.graphs.base!.file));
    const t = readLcmPack(out('tt'));
    const cs = await ort.InferenceSession.create(join(out('tt'), t.pack.graphs.contextualizer!.file));
    const ds = await ort.InferenceSession.create(join(out('tt'), t.pack.graphs.denoiser!.file));
    try {
      const next = await createBaseLcm(b.pack, b.normalizer, sessionRunner(bs)).predictNext(prefix);
      expect(next).toHaveLength(DIM);
      expect(next.every(Number.isFinite)).toBe(true);
      const tt = createTwoTowerLcm(t.pack, t.normalizer, { contextualizer: sessionRunner(cs), denoiser: sessionRunner(ds) });
      const noise = Float32Array.from({ length: DIM }, (_, i) => Math.cos(i * 1.7));
      const z = await tt.predictNext(prefix, { sampler: { steps: 10 }, noise });
      expect(z).toHaveLength(DIM);
      expect(z.every(Number.isFinite)).toBe(true);
    } finally {
      for (const s of [bs, cs, ds]) await s.release();
    }
  });
});
