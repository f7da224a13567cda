/**
 * Sentence-boundary evaluation on running text (issue 14): our segmenter against plain `Intl.Segmenter` (granularity
 * 'sentence', same locale), scored in the same run on the same cases.
 *
 * Two kinds of cases:
 * - NTREX-128 (`../shared/data/parallel/ntrex128`, or the compact copy in test/fixtures/segmentation): line-aligned news
 *   documents in 112 languages. Each document's lines (without its headline, which carries no terminal punctuation and
 *   no segmenter could split off) are joined into paragraphs of PARAGRAPH_LINES lines, separated by one space only
 *   (Chinese, Japanese and Cantonese: by nothing, as they are written), so the gold boundaries are the line ends.
 * - the shared suites (Golden Rules, pySBD, pragmatic_segmenter specs): the expected sentences give the boundaries.
 *
 * A boundary is counted as the number of non-whitespace characters before a sentence start, so whitespace (a space, a
 * line break the suites clean away) never decides a match. Precision, recall and F1 are micro-averaged over the
 * boundaries inside paragraphs (a paragraph's own start is no decision).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { segment } from '../main/engine/text/segmenter.js';
import { resolveSonarCode, toBcp47 } from '../main/engine/text/languages.js';

/** Lines per NTREX paragraph: news paragraphs run to a few sentences. */
export const PARAGRAPH_LINES = 5;
/** Scripts written without spaces between sentences. */
const UNSPACED = /_(Jpan|Hans|Hant)$/;

export interface BoundaryCase {
  /** language tag as the segmenter is given it (a SONAR code for NTREX, ISO 639-1 for the suites) */
  lang: string;
  text: string;
  /** gold boundaries: non-whitespace characters before each sentence start after the first */
  gold: number[];
  /** segmenter settings of the suites' PDF cases */
  joinLines?: boolean | 'auto';
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export const f1 = (c: Counts) => (c.tp === 0 ? 0 : (200 * c.tp) / (2 * c.tp + c.fp + c.fn));
export const add = (a: Counts, b: Counts): Counts => ({ tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn });
export const ZERO: Counts = { tp: 0, fp: 0, fn: 0 };

/** For each position of `text`, the number of non-whitespace characters before it. */
function nonSpaceIndex(text: string): Int32Array {
  const idx = new Int32Array(text.length + 1);
  for (let i = 0; i < text.length; i++) idx[i + 1] = idx[i]! + (/\s/u.test(text[i]!) ? 0 : 1);
  return idx;
}

/** Boundaries (non-space offsets) of sentence starts, without 0 and without the text's end. */
function toBoundaries(text: string, starts: Iterable<number>): Set<number> {
  const idx = nonSpaceIndex(text);
  const total = idx[text.length]!;
  const out = new Set<number>();
  for (const s of starts) {
    const b = idx[s]!;
    if (b > 0 && b < total) out.add(b);
  }
  return out;
}

export type System = (c: BoundaryCase) => Set<number>;

export const ours: System = (c) =>
  toBoundaries(c.text, segment(c.text, { lang: c.lang, ...(c.joinLines !== undefined ? { joinLines: c.joinLines } : {}) }).map((s) => s.start));

/** The locale both systems use: BCP-47 of the SONAR language, else the tag itself. */
export function localeOf(lang: string): string {
  const code = resolveSonarCode(lang);
  const tag = code ? toBcp47(code) : lang;
  try {
    return Intl.Segmenter.supportedLocalesOf([tag])[0] ?? 'und';
  } catch {
    return 'und';
  }
}

const intlCache = new Map<string, Intl.Segmenter>();
export const intl: System = (c) => {
  const loc = localeOf(c.lang);
  let seg = intlCache.get(loc);
  if (!seg) intlCache.set(loc, (seg = new Intl.Segmenter(loc, { granularity: 'sentence' })));
  return toBoundaries(c.text, [...seg.segment(c.text)].map((s) => s.index));
};

export function score(system: System, cases: readonly BoundaryCase[]): Counts {
  let c = ZERO;
  for (const k of cases) {
    const got = system(k);
    const gold = new Set(k.gold);
    let tp = 0;
    for (const b of got) if (gold.has(b)) tp++;
    c = add(c, { tp, fp: got.size - tp, fn: gold.size - tp });
  }
  return c;
}

/** NTREX-128 as line arrays per language: `<dir>/<code>.txt.gz` (or .txt) plus `documents.tsv`. */
export function readNtrex(dir: string, langs?: readonly string[]): { docs: string[]; lines: Map<string, string[]> } {
  const docs = readFileSync(path.join(dir, 'documents.tsv'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t')[0]!);
  const codes = langs ?? readdirCodes(dir);
  const lines = new Map<string, string[]>();
  for (const code of codes) {
    const gz = path.join(dir, `${code}.txt.gz`);
    const raw = existsSync(gz) ? gunzipSync(readFileSync(gz)).toString('utf8') : readFileSync(path.join(dir, `${code}.txt`), 'utf8');
    const ls = raw.split('\n');
    if (ls[ls.length - 1] === '') ls.pop();
    if (ls.length !== docs.length) throw new Error(`${code}: ${ls.length} lines, documents.tsv has ${docs.length}`);
    lines.set(code, ls);
  }
  return { docs, lines };
}

function readdirCodes(dir: string): string[] {
  return readdirSync(dir).filter((f) => /^[a-z]{3}_[A-Z][a-z]{3}\.txt(\.gz)?$/.test(f)).map((f) => f.split('.')[0]!).sort();
}

/**
 * Paragraph cases of one language: each document without its headline, PARAGRAPH_LINES lines at a time, joined by one
 * space (or, `glued`, by nothing).
 */
export function ntrexCases(code: string, docs: readonly string[], lines: readonly string[], perParagraph = PARAGRAPH_LINES, glued = false): BoundaryCase[] {
  // glued: no separator at all ("said.The tremor"), as text extracted from PDFs or HTML often is
  const sep = UNSPACED.test(code) || glued ? '' : ' ';
  const out: BoundaryCase[] = [];
  let i = 0;
  while (i < docs.length) {
    let j = i;
    while (j < docs.length && docs[j] === docs[i]) j++;
    const body = lines.slice(i + 1, j).map((l) => l.trim()).filter(Boolean);
    for (let p = 0; p < body.length; p += perParagraph) {
      const part = body.slice(p, p + perParagraph);
      const gold: number[] = [];
      let n = 0;
      for (const l of part.slice(0, -1)) gold.push((n += l.replace(/\s/gu, '').length));
      out.push({ lang: code, text: part.join(sep), gold });
    }
    i = j;
  }
  return out;
}

interface SuiteCase {
  lang: string;
  input: string;
  expected: string[];
  options?: { clean?: boolean; doc_type?: string };
}

export const SUITE_FILES = ['golden_rules', 'pysbd_tests', 'pragmatic_segmenter_specs'] as const;

/**
 * The shared suites, deduplicated on (lang, input, options), as boundary cases. Cases whose expected sentences do not
 * spell the input's non-space characters (the suites' cleaning removes some) are left out and counted.
 */
export function suiteCases(dir: string): { cases: BoundaryCase[]; skipped: number } {
  const union = new Map<string, SuiteCase>();
  for (const f of SUITE_FILES) {
    for (const l of readFileSync(path.join(dir, `${f}.jsonl`), 'utf8').split('\n').filter(Boolean)) {
      const c = JSON.parse(l) as SuiteCase;
      union.set(JSON.stringify([c.lang, c.input, c.options ?? {}]), c);
    }
  }
  const cases: BoundaryCase[] = [];
  let skipped = 0;
  const strip = (s: string) => s.replace(/\s/gu, '');
  for (const c of union.values()) {
    const expected = c.expected.filter((s) => strip(s).length > 0);
    if (strip(expected.join('')) !== strip(c.input)) { skipped++; continue; }
    const gold: number[] = [];
    let n = 0;
    for (const s of expected.slice(0, -1)) gold.push((n += strip(s).length));
    cases.push({ lang: c.lang, text: c.input, gold, joinLines: c.options?.doc_type === 'pdf' ? true : 'auto' });
  }
  return { cases, skipped };
}

export interface Row {
  set: string;
  lang: string;
  boundaries: number;
  ours: Counts;
  intl: Counts;
}

export function evaluate(set: string, byLang: Map<string, BoundaryCase[]>): Row[] {
  return [...byLang].map(([lang, cases]) => ({
    set, lang, boundaries: cases.reduce((n, c) => n + c.gold.length, 0), ours: score(ours, cases), intl: score(intl, cases),
  }));
}

export function groupByLang(cases: readonly BoundaryCase[]): Map<string, BoundaryCase[]> {
  const m = new Map<string, BoundaryCase[]>();
  for (const c of cases) m.set(c.lang, [...(m.get(c.lang) ?? []), c]);
  return m;
}

export function total(rows: readonly Row[]): { ours: Counts; intl: Counts; boundaries: number } {
  return rows.reduce((t, r) => ({ ours: add(t.ours, r.ours), intl: add(t.intl, r.intl), boundaries: t.boundaries + r.boundaries }),
    { ours: ZERO, intl: ZERO, boundaries: 0 });
}

/** Macro average of per-language F1 (every language counts once, whatever its number of boundaries). */
export function macro(rows: readonly Row[]): { ours: number; intl: number } {
  const n = rows.length || 1;
  return { ours: rows.reduce((s, r) => s + f1(r.ours), 0) / n, intl: rows.reduce((s, r) => s + f1(r.intl), 0) / n };
}

export function formatTable(rows: readonly Row[]): string {
  const head = `${'set'.padEnd(7)} ${'lang'.padEnd(9)} ${'gold'.padStart(5)}  ${'ours F1'.padStart(7)}  ${'Intl F1'.padStart(7)}  ${'Δ'.padStart(6)}   ours P/R      Intl P/R`;
  const pr = (c: Counts) => {
    const p = c.tp + c.fp === 0 ? 0 : (100 * c.tp) / (c.tp + c.fp);
    const r = c.tp + c.fn === 0 ? 0 : (100 * c.tp) / (c.tp + c.fn);
    return `${p.toFixed(1).padStart(5)}/${r.toFixed(1).padEnd(5)}`;
  };
  const line = (r: Row) => `${r.set.padEnd(7)} ${r.lang.padEnd(9)} ${String(r.boundaries).padStart(5)}  ${f1(r.ours).toFixed(1).padStart(7)}  `
    + `${f1(r.intl).toFixed(1).padStart(7)}  ${(f1(r.ours) - f1(r.intl)).toFixed(1).padStart(6)}   ${pr(r.ours)}  ${pr(r.intl)}`;
  return [head, ...rows.map(line)].join('\n');
}
