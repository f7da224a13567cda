import { readFileSync } from 'node:fs';
import { SonarModel } from '../main/engine/sonar/model.js';
const [ref, ...cands] = process.argv.slice(2);
const sents = readFileSync('/tmp/h300.txt', 'utf8').split('\n').filter(Boolean);
const cfg = { provider: 'cpu' as const, threads: 2 };
const out = async (m: SonarModel, e: Float32Array[]) => (await m.decodeIds(e, 'eng_Latn', { greedy: true, maxTokens: 48 })).map((r) => r.tokens.join());
const m0 = await SonarModel.load(ref, cfg);
const e0 = await m0.encodeTexts(sents, 'eng_Latn');
const g0 = await out(m0, e0);
await m0.dispose();
for (const c of cands) {
  const m = await SonarModel.load(c, cfg);
  const e = await m.encodeTexts(sents, 'eng_Latn');
  const t0 = performance.now();
  const gd = await out(m, e0);
  const dt = performance.now() - t0;
  const g = await out(m, e);
  console.log(c, 'whole', g.filter((x, i) => x === g0[i]).length, 'decoder alone', gd.filter((x, i) => x === g0[i]).length, 'decode ms', dt.toFixed(0));
  await m.dispose();
}
