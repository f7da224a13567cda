/**
 * One SONAR graph alone in a process of its own: RSS after opening it and the peak over a small run, ÷ that graph's
 * weight bytes (its .onnx + external data). bench/lib/pack-probe.mts measures both graphs together; this tells which of
 * the two holds memory beyond its weights (issue 15 saw a decoder-only process at 1.3×). stdout is one JSON line.
 *
 *   npx tsx bench/lib/graph-memory.mts --pack PACK/sonar --graph encoder|decoder [--threads 2] [--sentences FILE.json]
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadSonarPack } from '../../main/engine/packs/load.js';
import { decodeEmbeddings } from '../../main/engine/sonar/beam.js';
import { SonarDecoder } from '../../main/engine/sonar/decoder.js';
import { SonarEncoder } from '../../main/engine/sonar/encoder.js';
import { SonarTokenizer } from '../../main/engine/sonar/tokenizer.js';

const { values: a } = parseArgs({ options: {
  pack: { type: 'string' }, graph: { type: 'string' }, threads: { type: 'string', default: '2' }, sentences: { type: 'string' },
} });
if (!a.pack || (a.graph !== 'encoder' && a.graph !== 'decoder')) {
  process.stderr.write('usage: graph-memory.mts --pack DIR --graph encoder|decoder [--threads N] [--sentences FILE.json]\n');
  process.exit(1);
}
const graph = a.graph;
const pack = loadSonarPack(a.pack);
const file = pack.graphPath(graph);
// the graph's weights: inline in the .onnx (small packs) or beside it as external data
const weightBytes = statSync(file).size + (existsSync(`${file}.data`) ? statSync(`${file}.data`).size : 0);
const cfg = { provider: 'cpu' as const, threads: Number(a.threads) };
const sentences: string[] = a.sentences ? JSON.parse(readFileSync(a.sentences, 'utf8'))
  : ['The cat sleeps on the mat.', 'Two birds sing in the old tree near the river.', 'We walked to the station together.'];
const rssBefore = process.memoryUsage().rss;
let rssLoaded: number;
if (graph === 'encoder') {
  const tok = await SonarTokenizer.load(pack.file(pack.json.tokenizer.file), pack.json.tokenizer);
  const enc = await SonarEncoder.fromPack(pack, cfg);
  rssLoaded = process.memoryUsage().rss;
  await enc.encodeIds(sentences.map((s) => tok.encodeSource(s, 'eng_Latn')), { maxBatchSize: 8 });
  await enc.dispose();
} else {
  const dec = await SonarDecoder.fromPack(pack, cfg);
  rssLoaded = process.memoryUsage().rss;
  // any concept serves for memory: a fixed pseudo-random one per sentence
  const embs = sentences.slice(0, 4).map((_, k) => Float32Array.from({ length: pack.json.dim }, (_, i) => Math.sin(i * 0.37 + k) * 0.05));
  const eng = pack.json.tokenizer.lang_offset + pack.json.tokenizer.languages.indexOf('eng_Latn');
  await decodeEmbeddings(dec, embs, embs.map(() => eng), { beam: 5, maxTokens: 16 });
  await dec.dispose();
}
process.stdout.write(`${JSON.stringify({
  pack: a.pack, graph, weightBytes, rssBeforeBytes: rssBefore, rssLoadedBytes: rssLoaded,
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
})}\n`);
