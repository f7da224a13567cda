/**
 * Writes test/fixtures/segmentation/ntrex128/: a compact copy of ../shared/data/parallel/ntrex128 for the CI floors of
 * test/unit/text/segmentation-ntrex.test.ts (every DOC_STEP-th document, in the languages below), so CI does not need
 * ../shared. Run: npx tsx scripts/make-segmentation-fixture.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

/** Languages the issue named, those with rules of their own, and those closest to the baseline. */
export const FIXTURE_LANGS = ['eng_Latn', 'spa_Latn', 'ind_Latn', 'urd_Arab', 'arb_Arab', 'pes_Arab', 'jpn_Jpan',
  'tha_Thai', 'ita_Latn', 'vie_Latn', 'tam_Taml', 'amh_Ethi', 'bod_Tibt', 'fra_Latn', 'kor_Hang', 'mya_Mymr', 'slv_Latn',
  'swe_Latn', 'zho_Hans', 'pan_Guru', 'pbt_Arab'];
const DOC_STEP = 6;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = process.env.CONCEPT_SHARED_DATA ? path.join(process.env.CONCEPT_SHARED_DATA, 'parallel/ntrex128') : path.resolve(root, '../shared/data/parallel/ntrex128');
const dst = path.join(root, 'test/fixtures/segmentation/ntrex128');
mkdirSync(dst, { recursive: true });
const docs = readFileSync(path.join(src, 'documents.tsv'), 'utf8').split('\n').filter(Boolean);
const ids = [...new Set(docs)];
const keepDocs = new Set(ids.filter((_, i) => i % DOC_STEP === 0));
const keep = docs.map((d) => keepDocs.has(d));
writeFileSync(path.join(dst, 'documents.tsv'), docs.filter((_, i) => keep[i]).join('\n') + '\n');
let bytes = 0;
for (const code of FIXTURE_LANGS) {
  const lines = gunzipSync(readFileSync(path.join(src, `${code}.txt.gz`))).toString('utf8').split('\n');
  const gz = gzipSync(lines.slice(0, docs.length).filter((_, i) => keep[i]).join('\n') + '\n', { level: 9 });
  writeFileSync(path.join(dst, `${code}.txt.gz`), gz);
  bytes += gz.length;
}
console.log(`${keepDocs.size} of ${ids.length} documents, ${keep.filter(Boolean).length} lines, ${FIXTURE_LANGS.length} languages: ${(bytes / 1024).toFixed(0)} KB`);
