/**
 * Load a SONAR pack with the engine, encode a few sentences and greedy-decode them, with load time, speed and peak
 * RSS — a smoke check for converted full-size packs (random or real weights).
 *
 *   npx tsx scripts/sonar-pack-smoke.mts PACK_DIR [--threads 2]
 */
import { parseArgs } from 'node:util';
import { SonarModel } from '../main/engine/sonar/model.js';

const { values: a, positionals } = parseArgs({ allowPositionals: true, options: { threads: { type: 'string', default: '2' } } });
const t0 = performance.now();
const m = await SonarModel.load(positionals[0], { provider: 'cpu', threads: Number(a.threads) });
const loadS = (performance.now() - t0) / 1000;
const texts = ['The cat sleeps on the mat.', 'Two birds sing in the old tree near the river.', 'Hello world.', 'I have two cats.',
  'The weather is warm today.', 'She reads a book every evening.', 'We walked to the station together.', 'Numbers: 1, 2, 3.'];
let t = performance.now();
const embs = await m.encodeTexts(texts, 'eng_Latn');
const encS = (performance.now() - t) / 1000;
t = performance.now();
const dec = await m.decodeTexts(embs, 'eng_Latn', { greedy: true, maxTokens: 16 });
const decS = (performance.now() - t) / 1000;
const tokens = dec.reduce((s, d) => s + d.tokens.length + 1, 0);
await m.dispose();
process.stdout.write(`${JSON.stringify({
  pack: positionals[0], bytes: m.pack.bytes, loadSeconds: loadS, dim: embs[0].length,
  finite: embs.every((e) => e.every(Number.isFinite)), encoderSentencesPerS: texts.length / encS,
  decoderTokensPerS: tokens / decS, decodedTokens: tokens, peakRssBytes: process.resourceUsage().maxRSS * 1024,
})}\n`);
