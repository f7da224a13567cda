/**
 * Drift, size, load time and RSS of the SONAR variants (fp32, fp16, int8) against fp32, in one run
 * (bench/lib/sonar-variants.ts says what each figure is): random checkpoints at the committed small template size and
 * the bundled mini pack's weights. Prints Markdown tables (the ones in docs/sonar-variants.md) and, with --json, the
 * raw report.
 *
 *   npx tsx scripts/sonar-variants.mts [--n 60] [--threads 2] [--source random,mini] [--pack models/mini/sonar] [--json FILE]
 *       [--sentences FILE]   (one sentence a line instead of the fixture's 60, e.g. 300 held-out English sentences:
 *                             /usr/bin/python3 scripts/make-heldout-fixture.py --english-lines 300 > FILE)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { heldoutSentences, measureVariants, packCheckpoints, randomCheckpoints, variantsMarkdown, type VariantsReport } from '../bench/lib/sonar-variants.js';

const ROOT = resolve(import.meta.dirname, '..');
const { values: a } = parseArgs({ options: {
  n: { type: 'string', default: '60' }, threads: { type: 'string', default: '2' }, source: { type: 'string', default: 'random,mini' },
  pack: { type: 'string', default: 'models/mini/sonar' }, json: { type: 'string' }, keep: { type: 'boolean', default: false },
  sentences: { type: 'string' },
} });
const work = mkdtempSync(join(tmpdir(), 'sonar-variants-'));
const log = (s: string) => process.stderr.write(`${s}\n`);
const sentences = a.sentences
  ? readFileSync(a.sentences, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean)
  : heldoutSentences(ROOT, Number(a.n));
const reports: VariantsReport[] = [];
try {
  for (const src of a.source!.split(',')) {
    const ck = src === 'random' ? randomCheckpoints(ROOT, work)
      : src === 'mini' ? packCheckpoints(ROOT, resolve(ROOT, a.pack!), work, `trained mini pack (${a.pack})`)
        : (() => { throw new Error(`--source: random or mini (got ${src})`); })();
    const r = await measureVariants(ROOT, ck, join(work, `packs-${src}`), sentences, { threads: Number(a.threads), log });
    reports.push(r);
    process.stdout.write(`${variantsMarkdown(r)}\n\n`);
  }
  process.stdout.write(`load average at the end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  if (a.json) writeFileSync(a.json, JSON.stringify(reports, null, 2) + '\n');
} finally {
  if (!a.keep) rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
}
