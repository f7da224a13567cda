/**
 * Issue 14: sentence boundaries on running text, ours against plain Intl.Segmenter (granularity 'sentence', same
 * locale) in the same run. Cases: NTREX-128 news paragraphs (test/fixtures/segmentation/ntrex128, a compact copy made
 * by scripts/make-segmentation-fixture.ts: 17 of the 99 documents in 21 languages) and the shared suites. Scoring and
 * case building: bench/segmentation.ts; the full table over all 112 NTREX languages: `npx tsx bench/segmentation-eval.ts`.
 *
 * Floors come from what was measured (bench/segmentation-eval.ts --fixture), not from wishes: absolute per-language
 * floors a point under the measured F1, and the margins over Intl.Segmenter the issue asks for. On this sample one
 * boundary is half a point, so the per-language margin is checked at 1.5 points here; over the whole NTREX set the
 * worst language is 0.4 points under Intl.Segmenter (pbt_Arab).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate, f1, formatTable, groupByLang, macro, ntrexCases, readNtrex, suiteCases, total, type Row } from '../../../bench/segmentation.js';
import { sharedPath } from './shared-data.js';

const FIXTURE = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../fixtures/segmentation/ntrex128');

/** Measured F1 minus one point (ours; fixture run of 2026-11-30). */
const NTREX_FLOORS: Record<string, number> = {
  amh_Ethi: 84, arb_Arab: 95, bod_Tibt: 80, eng_Latn: 98, fra_Latn: 90, ind_Latn: 97, ita_Latn: 98, jpn_Jpan: 86,
  kor_Hang: 88, mya_Mymr: 77, pan_Guru: 66, pbt_Arab: 90, pes_Arab: 96, slv_Latn: 94, spa_Latn: 95, swe_Latn: 95,
  tam_Taml: 86, tha_Thai: 38, urd_Arab: 95, vie_Latn: 97, zho_Hans: 82,
};
/** Suite languages with at least ten gold boundaries. */
const SUITE_FLOORS: Record<string, number> = { en: 89, de: 98, da: 90, es: 93, hy: 98, ja: 80, ar: 74, it: 93, ru: 98 };

const show = (title: string, rows: Row[]) => {
  const t = total(rows);
  const m = macro(rows);
  console.log(`\n${title}\n${formatTable(rows)}\n  micro F1 ours ${f1(t.ours).toFixed(2)} vs Intl ${f1(t.intl).toFixed(2)}; `
    + `macro ${m.ours.toFixed(2)} vs ${m.intl.toFixed(2)}`);
};

describe('sentence boundaries on running text (issue 14)', () => {
  it('NTREX-128 paragraphs: ≥ Intl.Segmenter + 2 points overall, no language far below it, per-language floors', () => {
    const { docs, lines } = readNtrex(FIXTURE);
    expect(lines.size).toBe(Object.keys(NTREX_FLOORS).length);
    const rows: Row[] = [];
    for (const [code, ls] of lines) rows.push(...evaluate('ntrex', new Map([[code, ntrexCases(code, docs, ls)]])));
    show('NTREX-128 fixture: boundary F1 per language', rows);
    const t = total(rows);
    expect(t.boundaries).toBeGreaterThan(4000);
    expect(f1(t.ours) - f1(t.intl), 'micro F1 margin').toBeGreaterThanOrEqual(2);
    const m = macro(rows);
    expect(m.ours - m.intl, 'macro F1 margin').toBeGreaterThanOrEqual(2);
    for (const r of rows) {
      expect(f1(r.ours) - f1(r.intl), `${r.lang} against Intl.Segmenter`).toBeGreaterThanOrEqual(-1.5);
      expect(f1(r.ours), r.lang).toBeGreaterThanOrEqual(NTREX_FLOORS[r.lang]!);
    }
  });

  it('shared suites: ≥ Intl.Segmenter + 2 points overall, no language more than 1 point below it', () => {
    const { cases, skipped } = suiteCases(sharedPath('segmentation'));
    expect(skipped).toBeLessThan(30); // cases whose expected sentences do not spell the input (the suites' cleaning)
    const rows = evaluate('suites', groupByLang(cases)).filter((r) => r.boundaries > 0).sort((a, b) => b.boundaries - a.boundaries);
    show('Shared suites: boundary F1 per language', rows);
    const t = total(rows);
    expect(f1(t.ours) - f1(t.intl)).toBeGreaterThanOrEqual(2);
    for (const r of rows) {
      expect(f1(r.ours) - f1(r.intl), `${r.lang} against Intl.Segmenter`).toBeGreaterThanOrEqual(-1);
      if (SUITE_FLOORS[r.lang] !== undefined) expect(f1(r.ours), r.lang).toBeGreaterThanOrEqual(SUITE_FLOORS[r.lang]!);
    }
  });
});
