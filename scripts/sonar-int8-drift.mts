/**
 * Drift and speed of the dynamic-int8 SONAR variant against fp32, in one run on one machine:
 *   1. the pack's weights written as official fairseq2 checkpoints (tools/tests/pack_to_official.py),
 *   2. a graph template for its size (tools/make_sonar_templates.py),
 *   3. both variants converted by the app's TypeScript converter,
 *   4. on held-out English sentences (test/fixtures/heldout.json): embedding cosine int8 vs fp32 — next to the
 *      trivial baseline, the fp32 cosine between different sentences — and the share of identical greedy outputs
 *      (each variant decoding its own embedding), their common-prefix share, encoder sentences/s and decoder tokens/s.
 *
 *   npx tsx scripts/sonar-int8-drift.mts [--pack models/mini/sonar] [--n 100] [--threads 2]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { convertSonar } from '../main/engine/packs/convert/sonar.js';
import { loadSonarPack } from '../main/engine/packs/load.js';
import { SonarModel } from '../main/engine/sonar/model.js';

const ROOT = resolve(import.meta.dirname, '..');
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const { values: a } = parseArgs({ options: { pack: { type: 'string', default: 'models/mini/sonar' }, n: { type: 'string', default: '100' },
  threads: { type: 'string', default: '2' }, keep: { type: 'boolean', default: false } } });
const pack = resolve(ROOT, a.pack!);
const n = Number(a.n);
const threads = Number(a.threads);
const work = mkdtempSync(join(tmpdir(), 'int8-drift-'));
const log = (s: string) => process.stderr.write(`${s}\n`);

const cos = (x: Float32Array, y: Float32Array) => {
  let d = 0, nx = 0, ny = 0;
  for (let i = 0; i < x.length; i++) { d += x[i] * y[i]; nx += x[i] * x[i]; ny += y[i] * y[i]; }
  return d / Math.sqrt(nx * ny);
};
const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

try {
  const json = loadSonarPack(pack).json;
  const c = json.config as { model_dim: number; encoder_layers: number; ffn_dim: number };
  log(`checkpoints from ${pack}`);
  execFileSync(PY, [join(ROOT, 'tools', 'tests', 'pack_to_official.py'), pack, join(work, 'ck')], { stdio: ['ignore', 'ignore', 'inherit'] });
  log('template');
  execFileSync(PY, [join(ROOT, 'tools', 'make_sonar_templates.py'), '--out', join(work, 'templates'), '--spm', join(pack, json.tokenizer.file),
    '--dim', String(c.model_dim), '--layers', String(c.encoder_layers), '--ffn', String(c.ffn_dim)], { stdio: ['ignore', 'ignore', 'ignore'] });
  const conv = { encoder: join(work, 'ck', 'sonar_text_encoder.pt'), decoder: join(work, 'ck', 'sonar_text_decoder.pt'),
    spm: join(pack, json.tokenizer.file), templatesDir: join(work, 'templates') };
  for (const variant of ['fp32', 'int8'] as const) {
    log(`convert ${variant}`);
    await convertSonar({ ...conv, out: join(work, variant), variant });
  }
  const heldout = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'heldout.json'), 'utf8')) as { english: string[]; pairs: { eng: string }[] };
  const sentences = [...new Set([...heldout.english, ...heldout.pairs.map((p) => p.eng)])].slice(0, n);
  const res: Record<string, { embs: Float32Array[]; outs: string[]; tokens: number[][]; encS: number; decS: number; decTokens: number; bytes: number }> = {};
  for (const variant of ['fp32', 'int8'] as const) {
    const m = await SonarModel.load(join(work, variant), { provider: 'cpu', threads });
    try {
      await m.encodeTexts(sentences.slice(0, 8), 'eng_Latn'); // warm-up
      let t = performance.now();
      const embs = await m.encodeTexts(sentences, 'eng_Latn');
      const encS = (performance.now() - t) / 1000;
      t = performance.now();
      const dec = await m.decodeTexts(embs, 'eng_Latn', { greedy: true, maxTokens: 64 });
      const decS = (performance.now() - t) / 1000;
      res[variant] = { embs, outs: dec.map((d) => d.text), tokens: dec.map((d) => d.tokens), encS, decS,
        decTokens: dec.reduce((s, d) => s + d.tokens.length + 1, 0), bytes: m.pack.bytes };
    } finally {
      await m.dispose();
    }
  }
  const f = res.fp32, q = res.int8;
  const cosQ = f.embs.map((e, i) => cos(e, q.embs[i]));
  const cosOther = f.embs.map((e, i) => cos(e, f.embs[(i + 1) % f.embs.length]));
  const same = f.tokens.filter((t, i) => t.join() === q.tokens[i].join()).length;
  // how far the greedy outputs agree: tokens before the first difference, over the fp32 output's tokens (with EOS)
  let common = 0, total = 0;
  for (let i = 0; i < f.tokens.length; i++) {
    const x = [...f.tokens[i], -1], y = [...q.tokens[i], -1];
    let k = 0;
    while (k < x.length && k < y.length && x[k] === y[k]) k++;
    common += k;
    total += x.length;
  }
  const report = {
    pack: a.pack, sentences: sentences.length, threads,
    cosine_int8_vs_fp32: { mean: mean(cosQ), min: Math.min(...cosQ) },
    baseline_cosine_fp32_other_sentence: { mean: mean(cosOther) },
    greedy_identical: { count: same, share: same / sentences.length },
    greedy_common_prefix_share: common / total,
    size_bytes: { fp32: f.bytes, int8: q.bytes, ratio: q.bytes / f.bytes },
    encoder_sentences_per_s: { fp32: sentences.length / f.encS, int8: sentences.length / q.encS, speedup: f.encS / q.encS },
    decoder_tokens_per_s: { fp32: f.decTokens / f.decS, int8: q.decTokens / q.decS, speedup: (q.decTokens / q.decS) / (f.decTokens / f.decS) },
    load_average: (await import('node:os')).loadavg(),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  if (!a.keep) rmSync(work, { recursive: true, force: true });
}
