/**
 * The sentence-boundary suites of ../shared/data/segmentation (pragmatic_segmenter's Golden Rules and specs, pySBD's
 * tests), run against our segmenter. Accuracy per file and per language is printed; floors sit a few points below
 * what the segmenter reaches so that a regression fails.
 *
 * A case passes when the sentence list equals the expected one after trimming, with whitespace runs compared as one
 * space: the suites' `clean`/`pdf` cases expect line breaks inside sentences cleaned, which is a normalisation of the
 * text, not a boundary decision (our sentences keep the original text so their offsets stay exact).
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { segment } from '../../../main/engine/text/segmenter.js';
import { sharedPath } from './shared-data.js';

interface Case {
  lang: string;
  input: string;
  expected: string[];
  options?: { clean?: boolean; doc_type?: string };
}

const FILES = ['golden_rules', 'pysbd_tests', 'pragmatic_segmenter_specs'] as const;
/** Floors (%) per file and for the deduplicated union, a few points under the accuracy reached. */
const FILE_FLOORS: Record<string, number> = { golden_rules: 90, pysbd_tests: 84, pragmatic_segmenter_specs: 83 };
const UNION_FLOOR = 83;
/** Per-language floors where the suites have enough cases to mean something. */
const LANG_FLOORS: Record<string, number> = { en: 75, de: 94, es: 83, it: 92, ru: 95, da: 87, hy: 95, kk: 72, ja: 55 };

const normalize = (s: string) => s.replace(/\s+/gu, ' ').trim();

function passes(c: Case): boolean {
  const joinLines = c.options?.doc_type === 'pdf' ? true : 'auto';
  const got = segment(c.input, { lang: c.lang, joinLines, maxChars: 1_000_000 }).map((s) => normalize(s.text));
  const want = c.expected.map(normalize).filter(Boolean);
  return JSON.stringify(got) === JSON.stringify(want);
}

const dir = sharedPath('segmentation');
const available = existsSync(dir);

describe('segmentation suites (../shared/data/segmentation)', () => {
  const perFile: Record<string, Case[]> = {};
  for (const f of FILES) {
    perFile[f] = readFileSync(`${dir}/${f}.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Case);
  }
  // The three files overlap: the union is deduplicated on (lang, input, options).
  const union = new Map<string, Case>();
  for (const f of FILES) for (const c of perFile[f]!) union.set(JSON.stringify([c.lang, c.input, c.options ?? {}]), c);

  const score = (cases: Case[]) => {
    const ok = cases.filter(passes).length;
    return { ok, total: cases.length, pct: (100 * ok) / cases.length };
  };

  it('reaches the per-file floors', () => {
    const rows = FILES.map((f) => ({ file: f, ...score(perFile[f]!) }));
    const all = score([...union.values()]);
    console.log('\nSegmentation accuracy per file\n' + rows.map((r) =>
      `  ${r.file.padEnd(28)} ${String(r.ok).padStart(4)}/${String(r.total).padEnd(4)} ${r.pct.toFixed(1).padStart(5)}%`).join('\n') +
      `\n  ${'deduplicated union'.padEnd(28)} ${String(all.ok).padStart(4)}/${String(all.total).padEnd(4)} ${all.pct.toFixed(1).padStart(5)}%`);
    for (const r of rows) expect(r.pct, r.file).toBeGreaterThanOrEqual(FILE_FLOORS[r.file]!);
    expect(all.pct).toBeGreaterThanOrEqual(UNION_FLOOR);
  });

  it('reaches the per-language floors (deduplicated)', () => {
    const byLang = new Map<string, Case[]>();
    for (const c of union.values()) byLang.set(c.lang, [...(byLang.get(c.lang) ?? []), c]);
    const rows = [...byLang].map(([lang, cases]) => ({ lang, ...score(cases) })).sort((a, b) => b.total - a.total);
    console.log('\nSegmentation accuracy per language (deduplicated)\n' + rows.map((r) =>
      `  ${r.lang.padEnd(4)} ${String(r.ok).padStart(4)}/${String(r.total).padEnd(4)} ${r.pct.toFixed(1).padStart(5)}%`).join('\n'));
    for (const r of rows) if (LANG_FLOORS[r.lang] !== undefined) expect(r.pct, r.lang).toBeGreaterThanOrEqual(LANG_FLOORS[r.lang]!);
  });
});
