/**
 * The TypeScript converter (main/engine/packs/convert/sonar.ts) against the Python reference
 * (tools/convert_sonar.py) on the same random checkpoints in the official fairseq2 format
 * (tools/tests/make_official_checkpoints.py): bit-identical weights and identical graphs (tools/tests/compare_packs.py),
 * identical encoder embeddings, decoder log-probs and beam hypotheses through onnxruntime-node; float16 checkpoints
 * upcast exactly like PyTorch's load_state_dict; every damaged checkpoint refused with the key named, and neither a
 * refusal nor a cancel leaves a pack or a partial folder behind. The fp16 variant equals the Python tool's
 * (`--variant fp16`) bit for bit; the int8 variant's weights equal the Python reference quantizer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadSonarPack, verifyPack } from '../../../main/engine/packs/load.js';
import { convertSonar, ConvertError } from '../../../main/engine/packs/convert/sonar.js';
import { SonarEncoder } from '../../../main/engine/sonar/encoder.js';
import { SonarDecoder } from '../../../main/engine/sonar/decoder.js';
import { beamSearch } from '../../../main/engine/sonar/beam.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const SPM = join(ROOT, 'test', 'fixtures', 'random', 'test_model.model');
const cfg = { provider: 'cpu' as const, threads: 1 };

function py(args: string[]): string {
  return execFileSync(PY, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('TypeScript SONAR converter = tools/convert_sonar.py', () => {
  let work: string;
  const at = (n: string) => join(work, n);
  const ckpt = (kind: 'encoder' | 'decoder', dir = work) => join(dir, `sonar_text_${kind}.pt`);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ts-convert-'));
    py([join(ROOT, 'tools', 'tests', 'make_official_checkpoints.py'), '--out', work, '--spm', SPM, '--dim', '64']);
    py([join(ROOT, 'tools', 'convert_sonar.py'), '--encoder', ckpt('encoder'), '--decoder', ckpt('decoder'),
      '--spm', SPM, '--out', at('py'), '--no-check']);
    await convertSonar({ encoder: ckpt('encoder'), decoder: ckpt('decoder'), spm: SPM, out: at('ts') });
  }, 300_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('writes a pack the app loads and verifies', async () => {
    const pack = loadSonarPack(at('ts'));
    expect(pack.json.license).toBe('CC-BY-NC-4.0');
    expect(pack.json.space).toBe('sonar-v1');
    expect((await verifyPack(pack)).ok).toBe(true);
    const names = pack.json.files.map((f) => f.path);
    expect(names).toEqual(['decoder.onnx', 'decoder.onnx.data', 'encoder.onnx', 'encoder.onnx.data', 'sentencepiece.model']);
  });

  it('bit-identical weights and the same graphs as the Python converter', () => {
    const rep = JSON.parse(py([join(ROOT, 'tools', 'tests', 'compare_packs.py'), at('py'), at('ts')]));
    for (const g of ['encoder', 'decoder']) {
      expect(rep[g].initializers, g).toBeGreaterThan(20);
      expect(rep[g].only_a, g).toEqual([]);
      expect(rep[g].only_b, g).toEqual([]);
      expect(rep[g].differ, g).toEqual([]);
      expect(rep[g].nodes_equal, g).toBe(true);
      expect(rep[g].nonzero_weights, g).toBeGreaterThan(1000);
    }
    // compared with aliases joined: the TypeScript pack's tied head reads its table under a second name over the
    // same external bytes (tools/concept_tools/prepacked_tables.py), which Python's inline small pack has no need of
    expect(rep.encoder.aliases_b).toEqual([]);
    expect(rep.decoder.aliases_b).toEqual(['dec.decoder_frontend.embed.weight__prepacked']);
    expect(rep.decoder.aliases_a).toEqual([]);
    // the bounded-memory comparison the full-size run uses (here Python stores the weights inline, TypeScript in
    // external data: the values are compared wherever they are)
    const stream = JSON.parse(py([join(ROOT, 'tools', 'tests', 'compare_packs.py'), '--streaming', at('py'), at('ts')]));
    for (const g of ['encoder', 'decoder']) {
      expect(stream[g], g).toMatchObject({ nodes_equal: true, initializers_equal: true, io_equal: true, differ: [] });
      expect(stream[g].initializers, g).toBe(rep[g].initializers);
    }
  });

  it('identical encoder embeddings, decoder log-probs and beam hypotheses through onnxruntime-node', async () => {
    const [pa, pb] = [loadSonarPack(at('py')), loadSonarPack(at('ts'))];
    const eng = pa.json.tokenizer.lang_offset + pa.json.tokenizer.languages.indexOf('eng_Latn');
    const seqs = [[eng, 10, 11, 12, 3], [eng, 40, 3], [eng, 7, 8, 9, 10, 11, 12, 13, 3]];
    const run = async (pack: typeof pa) => {
      const enc = await SonarEncoder.fromPack(pack, cfg);
      const dec = await SonarDecoder.fromPack(pack, cfg);
      try {
        const embs = await enc.encodeIds(seqs);
        const beams = await beamSearch(dec, embs, embs.map(() => eng), { beam: 3, maxTokens: 12 });
        const sess = await ort.InferenceSession.create(pack.graphPath('decoder'));
        const h = pack.json.graphs.decoder.heads, hd = pack.json.graphs.decoder.head_dim;
        const feeds: Record<string, ort.Tensor> = {
          input_ids: new ort.Tensor('int64', BigInt64Array.from([3n, BigInt(eng), 20n]), [1, 3]),
          sentence_embedding: new ort.Tensor('float32', embs[0], [1, embs[0].length]),
        };
        for (let i = 0; i < pack.json.graphs.decoder.layers; i++) {
          feeds[`past_key_${i}`] = new ort.Tensor('float32', new Float32Array(0), [1, h, 0, hd]);
          feeds[`past_value_${i}`] = new ort.Tensor('float32', new Float32Array(0), [1, h, 0, hd]);
        }
        // graphs with the search's top-k outputs need K fed (models/FORMAT.md)
        if (sess.inputNames.includes('topk')) feeds.topk = new ort.Tensor('int64', BigInt64Array.from([1n]), [1]);
        if (sess.inputNames.includes('beam_index')) feeds.beam_index = new ort.Tensor('int64', BigInt64Array.from([0n]), [1]);
        if (sess.inputNames.includes('past_cross')) feeds.past_cross = new ort.Tensor('float32', new Float32Array(0), [1, 0, embs[0].length]);
        const lp = (await sess.run(feeds)).logprobs.data as Float32Array;
        await sess.release();
        return { embs: embs.map((e) => Array.from(e)), beams, lp: Array.from(lp) };
      } finally {
        await enc.dispose();
        await dec.dispose();
      }
    };
    const [a, b] = [await run(pa), await run(pb)];
    expect(b.embs).toEqual(a.embs);
    expect(b.lp).toEqual(a.lp);
    expect(b.lp.length).toBe(pa.json.tokenizer.vocab_size);
    expect(b.beams).toEqual(a.beams);
  });

  it('a float16 checkpoint converts exactly as PyTorch upcasts it', async () => {
    const dir = at('half');
    rmSync(dir, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', dir]);
    for (const k of ['encoder', 'decoder'] as const) {
      py([join(ROOT, 'tools', 'tests', 'mutate_checkpoint.py'), ckpt(k), ckpt(k, dir), '--half']);
    }
    py([join(ROOT, 'tools', 'convert_sonar.py'), '--encoder', ckpt('encoder', dir), '--decoder', ckpt('decoder', dir),
      '--spm', SPM, '--out', join(dir, 'py'), '--no-check']);
    await convertSonar({ encoder: ckpt('encoder', dir), decoder: ckpt('decoder', dir), spm: SPM, out: join(dir, 'ts') });
    const rep = JSON.parse(py([join(ROOT, 'tools', 'tests', 'compare_packs.py'), join(dir, 'py'), join(dir, 'ts')]));
    for (const g of ['encoder', 'decoder']) {
      expect(rep[g].differ, g).toEqual([]);
      expect(rep[g].only_b, g).toEqual([]);
    }
    // and the fp16 rounding really happened (the weights differ from the fp32 pack's)
    const vs32 = JSON.parse(py([join(ROOT, 'tools', 'tests', 'compare_packs.py'), at('ts'), join(dir, 'ts')]));
    expect(vs32.encoder.differ.length).toBeGreaterThan(0);
  }, 240_000);

  it('dynamic int8 variant: weights equal the Python reference quantizer, outputs close to fp32', async () => {
    const out = at('int8');
    await convertSonar({ encoder: ckpt('encoder'), decoder: ckpt('decoder'), spm: SPM, out, variant: 'int8' });
    const tplDir = join(ROOT, 'main', 'engine', 'packs', 'templates', 'sonar', 'v1206-d64-h1-f128-e2-l2-p512');
    const rep = JSON.parse(py([join(ROOT, 'tools', 'tests', 'check_int8_pack.py'), out, tplDir, ckpt('encoder'), ckpt('decoder')]));
    for (const g of ['encoder', 'decoder']) {
      expect(rep[g].differ, g).toEqual([]);
      expect(rep[g].identical, g).toBe(rep[g].tensors);
    }
    // 6 weights per layer (q, k, v, out, ffn in/out) + the embedding table (the decoder's is its tied head too,
    // stored once); the cross-attention Gemms stay fp32. The encoder is int8 per output channel (MatMulInteger), the
    // decoder per block of inputs (MatMulNBits).
    const ops = (g: string) => [rep[g].int8_weights, rep[g].block_weights, rep[g].has_matmulinteger, rep[g].has_matmulnbits];
    expect(ops('encoder')).toEqual([13, 0, true, false]);
    expect(ops('decoder')).toEqual([0, 13, false, true]);
    const [pf, pq] = [loadSonarPack(at('ts')), loadSonarPack(out)];
    expect((await verifyPack(pq)).ok).toBe(true);
    expect(pq.bytes).toBeLessThan(pf.bytes);
    const eng = pf.json.tokenizer.lang_offset + pf.json.tokenizer.languages.indexOf('eng_Latn');
    const seqs = [[eng, 10, 11, 12, 3], [eng, 40, 3], [eng, 7, 8, 9, 10, 11, 12, 13, 3]];
    const embed = async (p: typeof pf) => {
      const enc = await SonarEncoder.fromPack(p, cfg);
      try {
        return await enc.encodeIds(seqs);
      } finally {
        await enc.dispose();
      }
    };
    const [ef, eq] = [await embed(pf), await embed(pq)];
    for (let k = 0; k < seqs.length; k++) {
      let dot = 0, na = 0, nb = 0;
      for (let i = 0; i < ef[k].length; i++) {
        dot += ef[k][i] * eq[k][i];
        na += ef[k][i] ** 2;
        nb += eq[k][i] ** 2;
      }
      const cos = dot / Math.sqrt(na * nb);
      expect(cos).toBeGreaterThan(0.99); // quantized, so not equal...
      expect(cos).toBeLessThan(1); // ...but not the fp32 graph either
    }
    // the decoder's block-quantized lookup, layers and head: one step from the same embedding gives log-probs close to fp32's
    const step = async (p: typeof pf) => {
      const dec = await SonarDecoder.fromPack(p, cfg);
      try {
        return (await dec.step([p.json.tokenizer.eos, eng], 2, ef[0], dec.emptyCache(1))).logprobs;
      } finally {
        await dec.dispose();
      }
    };
    const [lf, lq] = [await step(pf), await step(pq)];
    let maxDiff = 0;
    for (let i = 0; i < lf.length; i++) maxDiff = Math.max(maxDiff, Math.abs(lf[i] - lq[i]));
    expect(maxDiff).toBeGreaterThan(0);
    expect(maxDiff).toBeLessThan(0.1);
    const order = [...lq.keys()].sort((a, b) => lq[b] - lq[a] || a - b);
    // the search's top-k reads that same row
    const dec = await SonarDecoder.fromPack(pq, cfg);
    try {
      const { top } = await dec.stepTop([pq.json.tokenizer.eos, eng], 2, ef[0], dec.emptyCache(1), 5);
      expect([...top.ids].map(Number)).toEqual(order.slice(0, 5));
      expect([...top.values]).toEqual(order.slice(0, 5).map((i) => lq[i]));
    } finally {
      await dec.dispose();
    }
  });

  it('fp16 variant: the same pack as `tools/convert_sonar.py --variant fp16`, half the weight bytes, outputs close to fp32', async () => {
    const out = at('fp16');
    await convertSonar({ encoder: ckpt('encoder'), decoder: ckpt('decoder'), spm: SPM, out, variant: 'fp16' });
    py([join(ROOT, 'tools', 'convert_sonar.py'), '--encoder', ckpt('encoder'), '--decoder', ckpt('decoder'),
      '--spm', SPM, '--out', at('py-fp16'), '--no-check', '--variant', 'fp16']);
    const rep = JSON.parse(py([join(ROOT, 'tools', 'tests', 'compare_packs.py'), at('py-fp16'), out]));
    const vs32 = JSON.parse(py([join(ROOT, 'tools', 'tests', 'compare_packs.py'), at('py'), at('py-fp16')]));
    for (const g of ['encoder', 'decoder']) {
      expect(rep[g].initializers, g).toBeGreaterThan(20);
      expect(rep[g].only_a, g).toEqual([]);
      expect(rep[g].only_b, g).toEqual([]);
      expect(rep[g].differ, g).toEqual([]); // bit for bit: TS rounding = numpy astype(float16)
      expect(rep[g].nodes_equal, g).toBe(true);
      expect(rep[g].nonzero_weights, g).toBeGreaterThan(1000);
      expect(rep[g].bytes * 2, g).toBe(vs32[g].bytes); // every weight stored as float16
    }
    const [pf, ph] = [loadSonarPack(at('ts')), loadSonarPack(out)];
    expect((await verifyPack(ph)).ok).toBe(true);
    expect((ph.json as unknown as { precision: { compute: string } }).precision.compute).toBe('float32');
    const eng = pf.json.tokenizer.lang_offset + pf.json.tokenizer.languages.indexOf('eng_Latn');
    const seqs = [[eng, 10, 11, 12, 3], [eng, 40, 3], [eng, 7, 8, 9, 10, 11, 12, 13, 3]];
    const run = async (p: typeof pf) => {
      const enc = await SonarEncoder.fromPack(p, cfg);
      const dec = await SonarDecoder.fromPack(p, cfg);
      try {
        const embs = await enc.encodeIds(seqs);
        return { embs, beams: await beamSearch(dec, embs, embs.map(() => eng), { beam: 3, maxTokens: 12 }) };
      } finally {
        await enc.dispose();
        await dec.dispose();
      }
    };
    const [f, h, hp] = [await run(pf), await run(ph), await run(loadSonarPack(at('py-fp16')))];
    expect(h.embs.map((e) => Array.from(e))).toEqual(hp.embs.map((e) => Array.from(e)));
    expect(h.beams).toEqual(hp.beams);
    for (let k = 0; k < seqs.length; k++) {
      let dot = 0, na = 0, nb = 0;
      for (let i = 0; i < f.embs[k].length; i++) {
        dot += f.embs[k][i] * h.embs[k][i];
        na += f.embs[k][i] ** 2;
        nb += h.embs[k][i] ** 2;
      }
      const cos = dot / Math.sqrt(na * nb);
      expect(cos).toBeGreaterThan(0.999); // rounded weights...
      expect(cos).toBeLessThan(1); // ...not the fp32 ones
    }
  }, 120_000);

  const bad: [string, string[], 'encoder' | 'decoder', string | RegExp, string][] = [
    ['missing key', ['--drop', 'decoder.layers.1.ffn.output_proj.bias'], 'decoder', 'decoder.layers.1.ffn.output_proj.bias', 'CONVERT_KEYS'],
    ['missing unused key', ['--drop', 'decoder.layers.0.encoder_decoder_attn.q_proj.weight'], 'decoder', 'decoder.layers.0.encoder_decoder_attn.q_proj.weight', 'CONVERT_KEYS'],
    ['wrong shape', ['--grow', 'encoder.layers.0.self_attn.q_proj.weight'], 'encoder', 'encoder.layers.0.self_attn.q_proj.weight', 'CONVERT_SHAPE'],
    ['unexpected key', ['--extra', 'encoder.layers.0.adapter.weight'], 'encoder', 'encoder.layers.0.adapter.weight', 'CONVERT_KEYS'],
    ['untied head', ['--untie'], 'decoder', 'final_proj.weight', 'CONVERT_TIED'],
  ];
  for (const [label, args, kind, key, code] of bad) {
    it(`refuses a checkpoint with a ${label}, naming the key, and leaves nothing behind`, async () => {
      const dir = at(`bad-${label.replace(/\W/g, '-')}`);
      execFileSync('mkdir', ['-p', dir]);
      py([join(ROOT, 'tools', 'tests', 'mutate_checkpoint.py'), ckpt(kind), ckpt(kind, dir), ...args]);
      const other = kind === 'encoder' ? 'decoder' : 'encoder';
      const err = await convertSonar({
        encoder: kind === 'encoder' ? ckpt(kind, dir) : ckpt(other), decoder: kind === 'decoder' ? ckpt(kind, dir) : ckpt(other),
        spm: SPM, out: join(dir, 'pack'),
      }).catch((e) => e);
      expect(err).toBeInstanceOf(ConvertError);
      expect(err.code).toBe(code);
      expect(err.key).toBe(key);
      expect(err.message).toContain(key);
      expect(readdirSync(dir).sort()).toEqual([`sonar_text_${kind}.pt`]);
    });
  }

  it('refuses a tokenizer that does not fit the checkpoint vocabulary', async () => {
    const err = await convertSonar({ encoder: ckpt('encoder'), decoder: ckpt('decoder'),
      spm: join(ROOT, 'models', 'mini', 'sonar', 'sentencepiece.model'), out: at('vocab') }).catch((e) => e);
    expect(err).toBeInstanceOf(ConvertError);
    expect(err.code).toBe('CONVERT_VOCAB');
    expect(existsSync(at('vocab'))).toBe(false);
  });

  it('a cancel mid-conversion leaves no pack and no partial folder', async () => {
    const dir = at('cancel');
    execFileSync('mkdir', ['-p', dir]);
    const ac = new AbortController();
    let seen = 0;
    const err = await convertSonar({
      encoder: ckpt('encoder'), decoder: ckpt('decoder'), spm: SPM, out: join(dir, 'pack'), signal: ac.signal,
      onProgress: (p) => {
        if (p.stage === 'decoder' && ++seen === 1) ac.abort();
      },
    }).catch((e) => e);
    expect(seen).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(ConvertError);
    expect(err.code).toBe('CONVERT_CANCELLED');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reads gzipped templates (how the full-size one is stored) to the same pack', async () => {
    const tpl = at('tpl-gz');
    py([join(ROOT, 'tools', 'make_sonar_templates.py'), '--out', tpl, '--spm', SPM, '--gzip']);
    const id = 'v1206-d64-h1-f128-e2-l2-p512';
    expect(existsSync(join(tpl, id, 'encoder.onnx'))).toBe(false);
    expect(existsSync(join(tpl, id, 'encoder.onnx.gz'))).toBe(true);
    await convertSonar({ encoder: ckpt('encoder'), decoder: ckpt('decoder'), spm: SPM, out: at('ts-gz'), templatesDir: tpl });
    for (const f of ['encoder.onnx', 'encoder.onnx.data', 'decoder.onnx', 'decoder.onnx.data']) {
      expect(readFileSync(join(at('ts-gz'), f)).equals(readFileSync(join(at('ts'), f))), f).toBe(true);
    }
  }, 120_000);

  it('refuses to overwrite an existing folder', async () => {
    const err = await convertSonar({ encoder: ckpt('encoder'), decoder: ckpt('decoder'), spm: SPM, out: at('ts') }).catch((e) => e);
    expect(err.code).toBe('CONVERT_OUT_EXISTS');
    expect(loadSonarPack(at('ts')).json.files.length).toBe(5);
  });
});
