/**
 * Two SONAR packs with the same weights and different decoder graphs (e.g. with and without the cross-attention
 * cache: `tools/decoder_search_io.py remove-cross PACK OUT`), timed step by step in one process: the same greedy
 * decode (`--rows` rows from the end-of-sentence token, `--steps` tokens, the search's feeds and fetches) alternates
 * between the two sessions for `--rounds` rounds; prints the median step time of each, their ratio, and whether both
 * chose the same tokens with bit-identical top-1 log-probs (the check that they are the same function).
 *
 *   npx tsx scripts/compare-decoder-graphs.mts --a PACK --b OTHER_PACK [--rows 1,4] [--steps 16] [--rounds 5] [--threads 2]
 */
import { parseArgs } from 'node:util';
import { loadSonarPack } from '../main/engine/packs/load.js';
import { SonarDecoder } from '../main/engine/sonar/decoder.js';

const { values: a } = parseArgs({ options: {
  a: { type: 'string' }, b: { type: 'string' }, rows: { type: 'string', default: '1,4' },
  steps: { type: 'string', default: '16' }, rounds: { type: 'string', default: '5' }, threads: { type: 'string', default: '2' },
} });
if (!a.a || !a.b) {
  process.stderr.write('usage: compare-decoder-graphs.mts --a PACK --b OTHER_PACK [--rows 1,4] [--steps 16] [--rounds 5]\n');
  process.exit(1);
}
const cfg = { provider: 'cpu' as const, threads: Number(a.threads) };
const decs = { a: await SonarDecoder.fromPack(loadSonarPack(a.a), cfg), b: await SonarDecoder.fromPack(loadSonarPack(a.b), cfg) };
const { dim, eos } = decs.a.spec;
if (decs.b.spec.dim !== dim) throw new Error('the two packs differ in dimension');

/** One greedy decode timed per step (the first step, which fills the caches, is left out of the times). */
async function decode(dec: SonarDecoder, rows: number, steps: number) {
  const emb = Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 0.37) * 0.1);
  let cache = dec.emptyCache(rows);
  let tokens: number[] = new Array(rows).fill(eos);
  const ms: number[] = [];
  const chosen: number[] = [];
  const scores: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    const r = await dec.stepTop(tokens, 1, emb, cache, 1);
    if (s > 0) ms.push(performance.now() - t0);
    cache = r.cache;
    tokens = Array.from(r.top.ids, Number);
    chosen.push(...tokens);
    scores.push(...r.top.values);
  }
  return { ms, chosen, scores };
}

const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)];
for (const rows of a.rows.split(',').map(Number)) {
  const times: Record<'a' | 'b', number[]> = { a: [], b: [] };
  let same = true;
  for (let round = 0; round < Number(a.rounds); round++) {
    const ra = await decode(decs.a, rows, Number(a.steps));
    const rb = await decode(decs.b, rows, Number(a.steps));
    times.a.push(median(ra.ms));
    times.b.push(median(rb.ms));
    same &&= ra.chosen.join() === rb.chosen.join() && ra.scores.every((v, i) => Object.is(v, rb.scores[i]));
  }
  const [ma, mb] = [median(times.a), median(times.b)];
  process.stdout.write(`${JSON.stringify({ rows, stepMsA: +ma.toFixed(2), stepMsB: +mb.toFixed(2), bOverA: +(mb / ma).toFixed(3),
    identical: same, rounds: times })}\n`);
}
await decs.a.dispose();
await decs.b.dispose();
