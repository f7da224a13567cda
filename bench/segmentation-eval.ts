/**
 * Boundary F1 per language, ours against plain Intl.Segmenter in the same run (issue 14), on NTREX-128 paragraphs and on
 * the shared suites. See bench/segmentation.ts for how cases are built and scored.
 *
 *   npx tsx bench/segmentation-eval.ts                       # ../shared/data (all 112 NTREX languages) if present
 *   npx tsx bench/segmentation-eval.ts --fixture             # the compact copy CI uses (test/fixtures/segmentation)
 *   npx tsx bench/segmentation-eval.ts --langs tha_Thai,jpn_Jpan --json out.json
 *   npx tsx bench/segmentation-eval.ts --glued                # also NTREX paragraphs glued without a space
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, f1, formatTable, groupByLang, macro, ntrexCases, readNtrex, suiteCases, total, type Row } from './segmentation.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
const fixture = args.includes('--fixture');
const shared = process.env.CONCEPT_SHARED_DATA ?? path.resolve(root, '..', 'shared', 'data');
const ntrexDir = fixture || !existsSync(path.join(shared, 'parallel/ntrex128')) ? path.join(root, 'test/fixtures/segmentation/ntrex128') : path.join(shared, 'parallel/ntrex128');
const suiteDir = fixture || !existsSync(path.join(shared, 'segmentation')) ? path.join(root, 'test/fixtures/shared/segmentation') : path.join(shared, 'segmentation');
const langs = flag('langs')?.split(',');

const t0 = performance.now();
const { docs, lines } = readNtrex(ntrexDir, langs);
const ntrexRows: Row[] = [];
for (const [code, ls] of lines) ntrexRows.push(...evaluate('ntrex', new Map([[code, ntrexCases(code, docs, ls)]])));
const gluedRows: Row[] = [];
if (args.includes('--glued')) {
  for (const [code, ls] of lines) if (!/_(Jpan|Hans|Hant)$/.test(code)) gluedRows.push(...evaluate('glued', new Map([[code, ntrexCases(code, docs, ls, undefined, true)]])));
}
const suites = suiteCases(suiteDir);
const suiteRows = evaluate('suites', groupByLang(suites.cases)).sort((a, b) => b.boundaries - a.boundaries);

const summary = (name: string, rows: Row[]) => {
  const t = total(rows);
  const m = macro(rows);
  const worst = rows.map((r) => ({ lang: r.lang, d: f1(r.ours) - f1(r.intl) })).sort((a, b) => a.d - b.d)[0];
  return `${name.padEnd(7)} ${String(rows.length).padStart(3)} languages, ${t.boundaries} gold boundaries: micro F1 ours ${f1(t.ours).toFixed(2)} `
    + `vs Intl ${f1(t.intl).toFixed(2)} (Δ ${(f1(t.ours) - f1(t.intl)).toFixed(2)}); macro ${m.ours.toFixed(2)} vs ${m.intl.toFixed(2)}`
    + (worst ? `; worst language ${worst.lang} Δ ${worst.d.toFixed(2)}` : '');
};
console.log(`NTREX: ${ntrexDir}\nsuites: ${suiteDir} (${suites.skipped} cases whose expected text differs from the input left out)\n`);
console.log(formatTable([...ntrexRows, ...gluedRows, ...suiteRows]));
console.log('\n' + summary('ntrex', ntrexRows) + (gluedRows.length ? '\n' + summary('glued', gluedRows) : '') + '\n' + summary('suites', suiteRows)
  + '\n' + summary('all', [...ntrexRows, ...suiteRows]) + ' (NTREX space-joined and suites)');
console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
const out = flag('json');
if (out) writeFileSync(out, JSON.stringify({ ntrex: ntrexRows, glued: gluedRows, suites: suiteRows }, null, 1));
