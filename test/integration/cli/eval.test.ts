/**
 * `concept eval` without models: lead-k through the product's segmenter, --predictions matched by id, labels that
 * say what was computed, paired comparison with the lead baseline, and a --help that documents every option.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOL_FLAGS, VALUE_FLAGS } from '../../../main/cli/args.js';
import { ROOT } from '../api/packs.js';

const BIN = join(ROOT, 'bin', 'concept.mjs');
const concept = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

const RECORDS = [
  { id: 'q1', lang: 'en', summary: 'The tremor was felt in three towns.', document: 'The quake struck at dawn, officials said.The tremor was felt in three towns. Schools closed. Roads were cut.' },
  { id: 'q2', lang: 'en', summary: 'The river rose overnight.', document: 'Rain fell for days. The river rose overnight. Farmers moved their animals. Nobody was hurt.' },
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cs-eval-'));
  writeFileSync(join(dir, 'refs.jsonl'), RECORDS.map((r) => JSON.stringify(r)).join('\n'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('concept eval', () => {
  it('--help documents every option the command line accepts', () => {
    const r = concept(['--help']);
    expect(r.status).toBe(0);
    for (const f of [...VALUE_FLAGS, ...BOOL_FLAGS]) expect(r.stdout, `--${f}`).toMatch(new RegExp(`--${f}\\b`));
    expect(r.stdout).toMatch(/--predictions F .*\{"id": …, "prediction": "…"\}/);
  });

  it('lead-k is cut by the product segmenter: a glued "said.The" is two sentences', () => {
    const r = concept(['eval', join(dir, 'refs.jsonl'), '--method', 'lead-2', '--json', '--records']);
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.method).toBe('lead-2');
    expect(rep.settings).toMatchObject({ sentences: 2, segmenter: 'product' });
    // lead-2 of q1 = "…said." + "The tremor…": the reference is its second sentence, so recall is 1 and precision < 1
    expect(rep.records[0].rouge.rouge1.recall).toBe(1);
    expect(rep.records[0].predictionWords).toBe(14); // the regex splitter made it 16 ("Schools closed." too)
  });

  it('labels match the options: --method lead --sentences 1 is lead-1', () => {
    const r = concept(['eval', join(dir, 'refs.jsonl'), '--method', 'lead', '--sentences', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/## Evaluation: lead-1 \(1 sentence, product segmenter\)/);
    expect(r.stdout).not.toMatch(/lead-3/);
  });

  it('--predictions scores a given file, and compares it with lead-k in the same run', () => {
    const preds = RECORDS.map((x) => ({ id: x.id, prediction: x.summary })).reverse();
    writeFileSync(join(dir, 'p.jsonl'), preds.map((p) => JSON.stringify(p)).join('\n'));
    const r = concept(['eval', join(dir, 'refs.jsonl'), '--predictions', join(dir, 'p.jsonl'), '--method', 'lead-1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const [given, lead] = JSON.parse(r.stdout);
    expect(given.method).toBe('predictions:p.jsonl');
    expect(given.overall.rouge.rouge1.mean.fmeasure).toBe(1);
    expect(lead.method).toBe('lead-1');
    expect(lead.overall.rouge.rouge1.mean.fmeasure).toBeLessThan(1);
    expect(given.paired.against).toBe('lead-1');
    expect(given.paired.rouge1.mean).toBeGreaterThan(0);
    const named = concept(['eval', join(dir, 'refs.jsonl'), '--predictions', join(dir, 'p.jsonl'), '--label', 'oracle']);
    expect(named.stdout).toMatch(/## Evaluation: oracle/);
  });

  it('a predictions file that does not match the references is refused with the ids', () => {
    writeFileSync(join(dir, 'short.jsonl'), JSON.stringify({ id: 'q1', prediction: 'x' }));
    const r = concept(['eval', join(dir, 'refs.jsonl'), '--predictions', join(dir, 'short.jsonl')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no prediction for 1 of 2 reference records \(q2\)/);
    const bad = concept(['eval', join(dir, 'refs.jsonl'), '--method', 'textrank']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/lead-K/);
  });
});
