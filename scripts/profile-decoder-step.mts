/**
 * Issue 15: where a decoder step's time goes at each batch size — onnxruntime's own per-node profile of the pack's
 * step graph, fed as the search feeds it (top-k outputs and the cache fetched, `logprobs` not), summed by operator
 * type, plus each step's wall time. Answers why 40 rows (8 sentences × beam 5) cost more than 40/1 × the FLOP-bound
 * share of one row.
 *
 *   npx tsx scripts/profile-decoder-step.mts --pack PACK/sonar [--rows 1,8,40] [--past 12] [--steps 6] [--threads 2]
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { loadSonarPack } from '../main/engine/packs/load.js';

const { values: a } = parseArgs({ options: {
  pack: { type: 'string' }, rows: { type: 'string', default: '1,8,40' }, past: { type: 'string', default: '12' },
  steps: { type: 'string', default: '6' }, threads: { type: 'string', default: '2' },
} });
if (!a.pack) {
  process.stderr.write('usage: profile-decoder-step.mts --pack DIR [--rows 1,8,40] [--past 12] [--steps 6] [--threads 2]\n');
  process.exit(1);
}
const pack = loadSonarPack(a.pack);
const g = pack.json.graphs.decoder;
const { layers, heads, head_dim: hd } = g as unknown as { layers: number; heads: number; head_dim: number };
const P = Number(a.past);
const steps = Number(a.steps);

interface Event { cat: string; name: string; dur: number; args?: { op_name?: string } }

async function profile(rows: number) {
  const session = await ort.InferenceSession.create(pack.graphPath('decoder'), {
    executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: Number(a.threads),
    interOpNumThreads: 1, enableProfiling: true, profileFilePrefix: join(tmpdir(), `decoder-step-${process.pid}-${rows}`),
  });
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from({ length: rows }, (_, i) => BigInt(10 + i)), [rows, 1]),
    sentence_embedding: new ort.Tensor('float32', Float32Array.from({ length: rows * pack.json.dim }, (_, i) => Math.sin(i) * 0.05), [rows, pack.json.dim]),
    topk: new ort.Tensor('int64', BigInt64Array.from([10n]), [1]),
  };
  // a graph that reorders the cache in the graph reads a permutation of the rows, as a beam step does
  if (g.inputs.beam_index) feeds[g.inputs.beam_index] = new ort.Tensor('int64', BigInt64Array.from({ length: rows }, (_, i) => BigInt((i * 7 + 3) % rows)), [rows]);
  const cache = new Float32Array(rows * heads * P * hd).map((_, i) => Math.cos(i) * 0.1);
  for (let i = 0; i < layers; i++) {
    for (const kind of ['key', 'value']) feeds[`past_${kind}_${i}`] = new ort.Tensor('float32', cache, [rows, heads, P, hd]);
  }
  // a step after the first: the cross-attention constants come from the cache (models/FORMAT.md)
  if (g.inputs.past_cross) {
    const cross = Float32Array.from({ length: rows * layers * pack.json.dim }, (_, i) => Math.sin(i * 0.3) * 0.1);
    feeds[g.inputs.past_cross] = new ort.Tensor('float32', cross, [rows, layers, pack.json.dim]);
  }
  const fetches = session.outputNames.filter((n) => n !== 'logprobs');
  await session.run(feeds, fetches); // warm-up: kernel selection, first-touch of the weights
  const wall: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    await session.run(feeds, fetches);
    wall.push(performance.now() - t0);
  }
  session.endProfiling(); // onnxruntime-node returns nothing: the file is <prefix>_<timestamp>.json
  await session.release();
  const name = readdirSync(tmpdir()).find((n) => n.startsWith(`decoder-step-${process.pid}-${rows}_`));
  if (!name) throw new Error('onnxruntime wrote no profile file');
  const file = join(tmpdir(), name);
  const events = JSON.parse(readFileSync(file, 'utf8')) as Event[];
  rmSync(file, { force: true });
  const byOp = new Map<string, number>();
  let total = 0;
  // the first run's nodes are the warm-up: keep the last `steps` runs' node events (each run lists every node once)
  const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  const perRun = nodes.length / (steps + 1);
  for (const e of nodes.slice(nodes.length - perRun * steps)) {
    const op = e.args?.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    total += e.dur;
  }
  wall.sort((x, y) => x - y);
  const ms = wall[Math.floor(wall.length / 2)];
  const ops = [...byOp.entries()].sort((x, y) => y[1] - x[1]).slice(0, 8)
    .map(([op, us]) => ({ op, msPerStep: us / steps / 1000, share: us / total }));
  return { rows, msPerStepMedian: ms, kernelMsPerStep: total / steps / 1000, ops };
}

for (const r of a.rows.split(',').map(Number)) {
  const p = await profile(r);
  process.stdout.write(`${JSON.stringify(p)}\n`);
}
