/**
 * One pack variant measured in a process of its own (so that its peak RSS is its own): load time, encoder
 * sentences/s at batch ≤ 8, greedy and beam-5 decoder tokens/s batched and one sentence at a time, the cost of concept
 * reranking the batched beam's hypotheses (÷ that beam's time), peak RSS after
 * loading and at the end, and the outputs that drift is computed from (embeddings, greedy tokens). bench/lib/full.ts
 * runs it once per variant and round; stdout is one JSON line.
 *
 *   npx tsx bench/lib/pack-probe.mts --pack PACK/sonar --sentences FILE.json [--threads 2] [--decode 4] [--max-tokens 16]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { contentTokens, type DecodeResult } from '../../main/engine/sonar/beam.js';
import { SonarModel } from '../../main/engine/sonar/model.js';
import { rerankByConcept } from '../../main/engine/sonar/rerank.js';

const { values: a } = parseArgs({ options: {
  pack: { type: 'string' }, sentences: { type: 'string' }, threads: { type: 'string', default: '2' },
  decode: { type: 'string', default: '4' }, 'max-tokens': { type: 'string', default: '16' },
} });
if (!a.pack || !a.sentences) {
  process.stderr.write('usage: pack-probe.mts --pack DIR --sentences FILE.json [--threads N] [--decode N] [--max-tokens N]\n');
  process.exit(1);
}
const sentences = JSON.parse(readFileSync(a.sentences, 'utf8')) as string[];
const nDecode = Number(a.decode);
const maxTokens = Number(a['max-tokens']);
const peakRss = () => process.resourceUsage().maxRSS * 1024;
const seconds = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
};

const rssBefore = process.memoryUsage().rss;
let model!: SonarModel;
const loadS = await seconds(async () => { model = await SonarModel.load(a.pack as string, { provider: 'cpu', threads: Number(a.threads) }); });
const rssLoaded = process.memoryUsage().rss;
const peakLoaded = peakRss();
const ids = sentences.map((s) => model.tokenize(s, 'eng_Latn'));
await model.encodeIds(ids.slice(0, 8), { maxBatchSize: 8 }); // warm-up: the first run pays for kernel selection
let embs: Float32Array[] = [];
const encS = await seconds(async () => { embs = await model.encodeIds(ids, { maxBatchSize: 8 }); });
const picked = embs.slice(0, nDecode);
// output tokens = content tokens + EOS (a sentence cut at the last position still ends in EOS)
const count = (rs: { tokens: number[] }[]) => rs.reduce((s, r) => s + r.tokens.length + 1, 0);
const decodeRun = async (greedy: boolean, oneAtATime: boolean) => {
  const opts = { greedy, beam: 5, maxTokens };
  const out: DecodeResult[] = [];
  const s = await seconds(async () => {
    if (!oneAtATime) out.push(...(await model.decodeIds(picked, 'eng_Latn', opts)));
    else for (const e of picked) out.push(...(await model.decodeIds([e], 'eng_Latn', opts)));
  });
  return { tokensPerS: count(out) / s, seconds: s, tokens: out.map((r) => r.tokens), results: out };
};
await model.decodeIds(picked.slice(0, 1), 'eng_Latn', { greedy: true, maxTokens: 4 }); // warm-up
const greedyBatched = await decodeRun(true, false);
const greedyOne = await decodeRun(true, true);
const beamBatched = await decodeRun(false, false);
const beamOne = await decodeRun(false, true);
// concept reranking (decoding.rerank) of the batched beam's finished hypotheses: its cost is the encoder pass over
// the candidates, reported as a share of the beam search it follows
const candidates = beamBatched.results.map((r) => r.hypotheses.map((h) => model.tokenizer.decode(contentTokens(h, model.decoder.spec.eos))));
const rerankS = await seconds(() => rerankByConcept(picked, candidates, picked.map(() => 'eng_Latn'),
  (t, l) => model.encodeTexts(t, l, { maxBatchSize: 8 })));
await model.dispose();

process.stdout.write(`${JSON.stringify({
  pack: a.pack, weightBytes: model.pack.bytes, loadSeconds: loadS,
  rssBeforeBytes: rssBefore, rssLoadedBytes: rssLoaded, peakRssLoadedBytes: peakLoaded, peakRssBytes: peakRss(),
  encoder: { sentences: ids.length, seconds: encS, sentencesPerS: ids.length / encS },
  decoder: {
    sentences: picked.length, maxTokens,
    greedyBatched: { tokensPerS: greedyBatched.tokensPerS, seconds: greedyBatched.seconds },
    greedyOneAtATime: { tokensPerS: greedyOne.tokensPerS, seconds: greedyOne.seconds },
    beamBatched: { tokensPerS: beamBatched.tokensPerS, seconds: beamBatched.seconds },
    beamOneAtATime: { tokensPerS: beamOne.tokensPerS, seconds: beamOne.seconds },
    rerank: { candidates: candidates.reduce((n, c) => n + c.length, 0), seconds: rerankS, overBeamBatched: rerankS / beamBatched.seconds },
  },
  embeddings: embs.slice(0, 16).map((e) => Array.from(e)),
  greedyTokens: greedyBatched.tokens,
  beamTokens: beamBatched.tokens,
})}\n`);
