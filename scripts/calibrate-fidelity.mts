/**
 * Calibrate the fidelity threshold of a SONAR pack on held-out pairs:
 *   own   = cos(encode(decode(c_i)), c_i)       a sentence decoded from its own concept
 *   other = cos(encode(decode(c_j)), c_i), j≠i  the decoder's output for another sentence (the trivial baseline)
 * prints both distributions per language and the threshold that best separates them (balanced accuracy), and the
 * `fidelity` block to put in the pack's pack.json. Usage:
 *   npx tsx scripts/calibrate-fidelity.mts [--pack DIR] [--langs eng_Latn,fra_Latn] [--n 24]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService } from '../main/api/service.js';
import { cosine } from '../main/engine/tasks/vec.js';

const arg = (k: string, d: string) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const pack = arg('pack', 'models/mini');
const langs = arg('langs', 'eng_Latn,fra_Latn,spa_Latn,deu_Latn').split(',');
const N = Number(arg('n', '24'));
const data = readFileSync('test/fixtures/eval/heldout_xlsum_45lang.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const dir = mkdtempSync(join(tmpdir(), 'calib-'));
const svc = await createService({ dbPath: join(dir, 'c.db'), bundledPackDir: pack });
const own: number[] = [];
const other: number[] = [];
for (const lang of langs) {
  const sents: string[] = [];
  for (const d of data.filter((r) => r.lang === lang)) {
    sents.push(...svc.segmentText(d.document, lang).sentences.map((s) => s.text).filter((t) => t.length > 30 && t.length < 200).slice(0, 3));
    if (sents.length >= N) break;
  }
  if (sents.length < 4) continue;
  const enc = await svc.encodeSentences(sents, lang);
  const dec = await svc.decodeVectors(enc.vectors, lang);
  const re = await svc.encodeSentences(dec, lang);
  const o = enc.vectors.map((c, i) => cosine(re.vectors[i], c));
  const b = enc.vectors.map((c, i) => cosine(re.vectors[(i + 1) % sents.length], c));
  own.push(...o);
  other.push(...b);
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)].toFixed(3);
  console.log(`${lang}\tn=${sents.length}\town median ${med(o)}\tother median ${med(b)}\tdistinct decodes ${new Set(dec).size}`);
}
await svc.close();
rmSync(dir, { recursive: true, force: true });
let best = { t: 0.9, acc: 0 };
for (let t = 0.3; t <= 0.995; t += 0.005) {
  const acc = (own.filter((x) => x >= t).length / own.length + other.filter((x) => x < t).length / other.length) / 2;
  if (acc > best.acc) best = { t, acc };
}
console.log(`best separating threshold ${best.t.toFixed(3)} (balanced accuracy ${best.acc.toFixed(3)} over ${own.length} pairs)`);
console.log(JSON.stringify({ fidelity: { threshold: +best.t.toFixed(3), good: +Math.min(0.99, best.t + 0.05).toFixed(3) } }));
