#!/usr/bin/env node
// Regenerates docs/eval-heldout.md: runs `concept eval` on the held-out summarization sets for lead-3, extractive
// and both mini LCMs, then writes the tables. Kept as a script (not a test) because it takes minutes and its
// numbers describe the models, not the code: rerun it whenever models/mini changes.
//
//   node scripts/eval-heldout.mjs [--out docs/eval-heldout.md] [--work .work/eval]
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const out = resolve(root, arg('out', 'docs/eval-heldout.md'));
const work = resolve(root, arg('work', '.work/eval'));
mkdirSync(work, { recursive: true });

const SETS = [['xlsum_45lang', 'XL-Sum'], ['wikilingua', 'WikiLingua'], ['mlsum', 'MLSUM']];
const RUNS = [
  ['base', ['--method', 'lead-3,extractive']],
  ['mini-base-lcm', ['--method', 'lcm', '--lcm', 'mini-base-lcm']],
  ['mini-two-tower-lcm', ['--method', 'lcm', '--lcm', 'mini-two-tower-lcm']],
];
const LABEL = { 'lead-3': 'lead-3', extractive: 'extractive', 'lcm:mini-base-lcm': 'mini Base-LCM', 'lcm:mini-two-tower-lcm': 'mini Two-Tower' };

// a throwaway concept cache: the evaluation must not depend on (or fill) the user's database
const db = join(work, 'eval.db');
rmSync(db, { force: true });
const reports = {};
for (const [file, setName] of SETS) {
  for (const [tag, flags] of RUNS) {
    const cmd = ['bin/concept.mjs', 'eval', `test/fixtures/eval/heldout_${file}.jsonl`, ...flags, '--sentences', '3', '--json', '--db', db];
    process.stderr.write(`${setName}: ${tag}\n`);
    const r = spawnSync(process.execPath, cmd, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`concept eval failed (${r.status}): ${r.stderr.slice(-2000)}`);
    writeFileSync(join(work, `${file}_${tag}.json`), r.stdout);
    const parsed = JSON.parse(r.stdout); // one method prints a report, several print a list
    for (const rep of Array.isArray(parsed) ? parsed : [parsed]) (reports[setName] ??= []).push(rep);
  }
}

const f1 = (x) => (100 * x).toFixed(1);
const lines = [
  '# Held-out summarization evaluation (mini packs)',
  '',
  'Reproduce (a few minutes on 2 cores): `node scripts/eval-heldout.mjs` — it runs, for each set,',
  '```',
  'npx concept eval test/fixtures/eval/heldout_<set>.jsonl --method lead-3,extractive --sentences 3 --json',
  'npx concept eval test/fixtures/eval/heldout_<set>.jsonl --method lcm --lcm mini-base-lcm --sentences 3 --json',
  'npx concept eval test/fixtures/eval/heldout_<set>.jsonl --method lcm --lcm mini-two-tower-lcm --sentences 3 --json',
  '```',
  'and rewrites this page. Pairs never trained on (test/fixtures/eval/README.md). ROUGE-L F ×100 with the multilingual tokenizer (Unicode letters kept), 95% bootstrap CI; OVL-3 and REP-4 as fractions; WR = output words / document words. Output in the document\'s own language: 3 sentences (extractive, lead-3) or up to 3 concepts (LCM; stops at end-of-text or repetition), beam 5.',
  '',
  '| set | method | n | ROUGE-L [95% CI] | OVL-3 | REP-4 | WR |',
  '|---|---|---|---|---|---|---|',
];
for (const [, setName] of SETS) {
  for (const rep of reports[setName]) {
    const o = rep.overall;
    const rl = o.rouge.rougeL;
    lines.push(`| ${setName} | ${LABEL[rep.method] ?? rep.method} | ${o.n} | ${f1(rl.mid.fmeasure)} [${f1(rl.low.fmeasure)}, ${f1(rl.high.fmeasure)}] | ` +
      `${o.extra.ovl3.mean.toFixed(3)} | ${o.extra.rep4.mean.toFixed(3)} | ${o.extra.wordRatio.mean.toFixed(3)} |`);
  }
}
lines.push('', '## ROUGE-L per language', '');
const methods = reports[SETS[0][1]].map((r) => r.method);
lines.push(`| set | lang | n | ${methods.map((m) => LABEL[m] ?? m).join(' | ')} |`, `|---|---|---|${methods.map(() => '---').join('|')}|`);
for (const [, setName] of SETS) {
  const reps = reports[setName];
  for (const lang of Object.keys(reps[0].byLanguage).sort()) {
    const cells = reps.map((r) => f1(r.byLanguage[lang]?.rouge.rougeL.mid.fmeasure ?? 0));
    lines.push(`| ${setName} | ${lang} | ${reps[0].byLanguage[lang].n} | ${cells.join(' | ')} |`);
  }
}
lines.push('');
writeFileSync(out, lines.join('\n'));
process.stderr.write(`wrote ${out}\n`);
