/**
 * Child process of bench/lib/sonar-variants.ts: open a SONAR pack's two graphs in a fresh process and print one JSON
 * line — load time, RSS after loading, RSS after encoder runs and decoder steps (and the anonymous part of each), the
 * median time of an 8-token encoder run and of a 2-token first decoder step. Session options can be
 * varied to see what onnxruntime does with the fp16 variant's Casts (folded into float32 copies at load or not):
 *
 *   node --import tsx bench/lib/variant-load.ts PACK [--threads 2] [--level all|extended|basic|disabled] [--no-prepack]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { loadSonarPack } from '../../main/engine/packs/load.js';

const { values: a, positionals } = parseArgs({ allowPositionals: true, options: {
  threads: { type: 'string', default: '2' }, level: { type: 'string', default: 'all' }, 'no-prepack': { type: 'boolean', default: false },
} });
const pack = loadSonarPack(positionals[0]);
const opts: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'], intraOpNumThreads: Number(a.threads), interOpNumThreads: 1, logSeverityLevel: 3,
  graphOptimizationLevel: a.level as 'all' | 'extended' | 'basic' | 'disabled',
  ...(a['no-prepack'] ? { extra: { session: { disable_prepacking: '1' } } } : {}),
};
const mb = () => process.memoryUsage().rss / 2 ** 20;
/** anonymous memory only (Linux): the part of RSS that is not the mmapped external-data files, which the kernel
 * can drop and reread; null elsewhere */
const anonMb = (): number | null => {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
};
const t0 = performance.now();
const enc = await ort.InferenceSession.create(pack.graphPath('encoder'), opts);
const dec = await ort.InferenceSession.create(pack.graphPath('decoder'), opts);
const loadS = (performance.now() - t0) / 1000;
const rss = mb();
const anon = anonMb();
const g = pack.json.graphs.decoder;
const eng = pack.json.tokenizer.lang_offset + pack.json.tokenizer.languages.indexOf('eng_Latn');
const ids = [eng, 10, 11, 12, 13, 14, 15, 3];
const encFeeds = {
  [pack.json.graphs.encoder.inputs.input_ids]: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
  [pack.json.graphs.encoder.inputs.attention_mask]: new ort.Tensor('int64', BigInt64Array.from(ids.map(() => 1n)), [1, ids.length]),
};
/** median of 3 timed runs after the first (which is returned) */
async function timed<T>(fn: () => Promise<T>): Promise<{ first: T; ms: number }> {
  const first = await fn();
  const ms: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return { first, ms: ms.sort((x, y) => x - y)[1] };
}
const { first: e, ms: encMs } = await timed(() => enc.run(encFeeds));
const emb = e[pack.json.graphs.encoder.outputs.sentence_embedding];
const feeds: Record<string, ort.Tensor> = {
  [g.inputs.input_ids]: new ort.Tensor('int64', BigInt64Array.from([3n, BigInt(eng)]), [1, 2]),
  [g.inputs.sentence_embedding]: emb,
};
// a decoder graph with the top-k outputs (models/FORMAT.md) needs its `topk` input fed even when only logprobs are read
if (g.inputs.topk) feeds[g.inputs.topk] = new ort.Tensor('int64', BigInt64Array.from([1n]), [1]);
if (g.inputs.beam_index) feeds[g.inputs.beam_index] = new ort.Tensor('int64', BigInt64Array.from([0n]), [1]);
// the first step: an empty cross-attention cache makes the graph compute it
if (g.inputs.past_cross) feeds[g.inputs.past_cross] = new ort.Tensor('float32', new Float32Array(0), [1, 0, pack.json.dim]);
for (let i = 0; i < g.layers; i++) {
  feeds[g.inputs.past_key.replace('{i}', String(i))] = new ort.Tensor('float32', new Float32Array(0), [1, g.heads, 0, g.head_dim]);
  feeds[g.inputs.past_value.replace('{i}', String(i))] = new ort.Tensor('float32', new Float32Array(0), [1, g.heads, 0, g.head_dim]);
}
const { ms: decMs } = await timed(() => dec.run(feeds));
process.stdout.write(`${JSON.stringify({ load_s: loadS, rss_mb: rss, rss_after_run_mb: mb(), anon_mb: anon, anon_after_run_mb: anonMb(),
  encoder_run_ms: encMs, decoder_step_ms: decMs })}\n`);
await enc.release();
await dec.release();
