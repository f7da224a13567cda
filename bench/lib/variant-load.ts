/**
 * Child process of bench/lib/sonar-variants.ts: open a SONAR pack's two graphs in a fresh process and print one JSON
 * line — load time, RSS after loading, RSS after one encoder batch and one decoder step. Session options can be
 * varied to see what onnxruntime does with the fp16 variant's Casts (folded into float32 copies at load or not):
 *
 *   node --import tsx bench/lib/variant-load.ts PACK [--threads 2] [--level all|extended|basic|disabled] [--no-prepack]
 */
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
const t0 = performance.now();
const enc = await ort.InferenceSession.create(pack.graphPath('encoder'), opts);
const dec = await ort.InferenceSession.create(pack.graphPath('decoder'), opts);
const loadS = (performance.now() - t0) / 1000;
const rss = mb();
const g = pack.json.graphs.decoder;
const eng = pack.json.tokenizer.lang_offset + pack.json.tokenizer.languages.indexOf('eng_Latn');
const ids = [eng, 10, 11, 12, 13, 14, 15, 3];
const e = await enc.run({
  [pack.json.graphs.encoder.inputs.input_ids]: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
  [pack.json.graphs.encoder.inputs.attention_mask]: new ort.Tensor('int64', BigInt64Array.from(ids.map(() => 1n)), [1, ids.length]),
});
const emb = e[pack.json.graphs.encoder.outputs.sentence_embedding];
const feeds: Record<string, ort.Tensor> = {
  [g.inputs.input_ids]: new ort.Tensor('int64', BigInt64Array.from([3n, BigInt(eng)]), [1, 2]),
  [g.inputs.sentence_embedding]: emb,
};
for (let i = 0; i < g.layers; i++) {
  feeds[g.inputs.past_key.replace('{i}', String(i))] = new ort.Tensor('float32', new Float32Array(0), [1, g.heads, 0, g.head_dim]);
  feeds[g.inputs.past_value.replace('{i}', String(i))] = new ort.Tensor('float32', new Float32Array(0), [1, g.heads, 0, g.head_dim]);
}
await dec.run(feeds);
process.stdout.write(`${JSON.stringify({ load_s: loadS, rss_mb: rss, rss_after_run_mb: mb() })}\n`);
await enc.release();
await dec.release();
