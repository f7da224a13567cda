/**
 * `concept summarize FILE --json` on the bundled packs with a held-out news article: per-sentence fidelity, the run's
 * flagged count and thresholds, the stop reason, and how `auto` chose its method; the text mode prints the same on
 * stderr; --help explains length and fidelity; the decoding expectation the pack's held-out figures give, before the
 * run, only when the run decodes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conceptProcess } from '../../helpers/cli.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

const concept = (args: string[]) => conceptProcess(args, { env: { CONCEPT_PACKS: '' } });

/** A held-out news article in `lang` (never trained on: test/fixtures/eval/README.md). */
function heldoutArticle(lang = 'eng_Latn'): string {
  const lines = readFileSync(join(ROOT, 'test', 'fixtures', 'eval', 'heldout_xlsum_45lang.jsonl'), 'utf8').split('\n').filter(Boolean);
  const rec = lines.map((l) => JSON.parse(l)).find((r) => r.lang === lang && r.document.length > 1500);
  return rec.document as string;
}

let dir: string;
let file: string;
let french: string;
const fast = ['--greedy', '--max-tokens', '48'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'concept-fidelity-'));
  file = join(dir, 'news.txt');
  writeFileSync(file, heldoutArticle());
  french = join(dir, 'nouvelles.txt');
  writeFileSync(french, heldoutArticle('fra_Latn'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('concept summarize: fidelity and stop reason', () => {
  it('--help explains auto, the stop reasons and fidelity', async () => {
    const r = await concept(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/end of the text/);
    expect(r.stdout).toMatch(/repeated itself/);
    expect(r.stdout).toMatch(/budget/);
    expect(r.stdout).toMatch(/fidelity/);
    expect(r.stdout).toMatch(/expectation .*decoding_quality/s);
  });

  // French news into English: the mini decoders loop into French ("de de de …", a run that now fails as it should:
  // api/empty-decode.test.ts), so the decoded direction here is the one they write words in
  it('--json from French into English: every sentence has a fidelity, the run says how many are flagged and why it stopped', async () => {
    const r = await concept(['summarize', french, '--to', 'eng_Latn', '--sentences', '3', '--json', '--db', join(dir, 'c.db'), ...fast]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const run = j.run;
    expect(run.method).toBe('extractive'); // auto with the demonstration packs
    expect(run.methodChoice).toEqual({ requested: 'auto', used: 'extractive', reason: 'demo-packs' });
    expect(run.sentences.length).toBeGreaterThan(0);
    for (const s of run.sentences) {
      expect(s.fidelity.score).toBeGreaterThanOrEqual(-1);
      expect(s.fidelity.score).toBeLessThanOrEqual(1);
      expect(['high', 'medium', 'low']).toContain(s.fidelity.level);
      expect(s.fidelity.exact).toBeUndefined(); // decoded, not verbatim
    }
    expect(run.fidelity).toMatchObject({ scored: run.sentences.length });
    expect(run.fidelity.flagged).toBe(run.sentences.filter((s: any) => s.fidelity.level === 'low').length);
    expect(typeof run.fidelity.threshold).toBe('number');
    expect(j.fidelity).toEqual(run.fidelity);
    expect(run.stop).toMatchObject({ requested: 3, produced: run.sentences.length });
    expect(['length', 'repetition']).toContain(run.stop.reason);
    expect(run.stop.early).toBe(run.sentences.length < 3);
    expect(j.stop).toEqual(run.stop);
    // never the same sentence twice
    const texts = run.sentences.map((s: any) => s.text.toLowerCase().trim());
    expect(new Set(texts).size).toBe(texts.length);
    expect(run.timings.fidelity).toBeGreaterThanOrEqual(0);
    expect(run.quality).toMatchObject({ sonar: 'demo' });
    // said before the run, from the pack's held-out figures: French -> English carries nothing on the mini pack
    expect(j.expectation).toMatchObject({ source: 'fra_Latn', target: 'eng_Latn', tier: 'none', basis: 'pair' });
    expect(j.expectation.measure.chrf).toBeLessThan(1.5 * j.expectation.measure.baseline);
    expect(r.stderr).toMatch(/warning: measured on held-out text, fra_Latn -> eng_Latn output is no closer to its input than the decoder given an unrelated sentence \(chrF \d+\.\d vs \d+\.\d\)/);
  });

  it('in its own language, auto is extractive and verbatim (exact fidelity); text mode reports on stderr', async () => {
    const r = await concept(['summarize', file, '--sentences', '3', '--db', join(dir, 'c.db'), ...fast]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out).toHaveLength(3);
    const source = readFileSync(file, 'utf8');
    for (const line of out) expect(source).toContain(line); // the article's own sentences, word for word
    expect(r.stderr).toMatch(/fidelity\s+0 of 3 sentences flagged/);
    expect(r.stderr.match(/ exact /g)).toHaveLength(3);
    expect(r.stderr).toMatch(/method\s+extractive: the installed packs are demonstrations/);
    expect(r.stderr).not.toMatch(/held-out text/); // verbatim: the decoder's quality does not apply
  });
});
