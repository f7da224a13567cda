/**
 * Evaluation over `{document, summary, lang, prediction}` records: per-record ROUGE-1/2/L/Lsum (rouge-score
 * compatible; tokenizer: multilingual by default, rouge-score's ASCII one on request), OVL-3, REP-4, word ratio;
 * aggregates with bootstrap confidence intervals (rouge-score's BootstrapAggregator, seeded); a per-language table;
 * markdown and JSON output; lead-k baselines.
 *
 * rougeLsum needs one sentence per line: reference and prediction are split into sentences with the given
 * `splitSentences` (existing newlines are kept as boundaries) and joined with '\n', as is done for rouge-score
 * with nltk's sent_tokenize.
 */

import { BootstrapAggregator, RougeScorer, type Score } from './rouge.js';
import { bootstrapValues, pairedBootstrap, type Interval, type PairedDifference } from './bootstrap.js';
import { ovlTokens, repTokens, resolveTokenizer, type TokenizerKind } from './metrics.js';
import type { Tokenizer } from './tokenize.js';

export interface EvalRecord {
  id?: string;
  document: string;
  summary: string;
  lang: string;
  prediction: string;
}

/** Sentences of a text; `lang` is the record's language (a splitter may ignore it). */
export type SentenceSplitter = (text: string, lang?: string) => string[];

/**
 * Default sentence splitter: newlines, and a sentence-final mark (. ! ? and the CJK, Devanagari, Arabic,
 * Ethiopic, Myanmar, Armenian... full stops) followed by whitespace — or directly by the next character for the
 * full-width CJK marks, which are written without a space.
 */
export function regexSplitSentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const parts = line.split(/(?<=[.!?…]["'”’»)\]]*)\s+|(?<=[।॥؟۔።፧။։])\s*|(?<=[。！？])\s*/u);
    for (const p of parts) {
      const s = p.trim();
      if (s) out.push(s);
    }
  }
  return out;
}

/** The first k sentences of a document, one per line. */
export function leadK(document: string, k = 3, splitSentences: SentenceSplitter = regexSplitSentences, lang?: string): string {
  return splitSentences(document, lang).slice(0, k).join('\n');
}

/** Records with `prediction` = lead-k of the document (a baseline). */
export function leadKBaseline<T extends Omit<EvalRecord, 'prediction'>>(
  records: readonly T[],
  k = 3,
  splitSentences: SentenceSplitter = regexSplitSentences,
): (T & { prediction: string })[] {
  return records.map((r) => ({ ...r, prediction: leadK(r.document, k, splitSentences, r.lang) }));
}

export const ROUGE_TYPES = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const;
export const EXTRA_METRICS = ['ovl3', 'rep4', 'wordRatio', 'lengthRatio'] as const;
export type ExtraMetric = (typeof EXTRA_METRICS)[number];

export interface RecordMetrics {
  id?: string;
  lang: string;
  rouge: Record<(typeof ROUGE_TYPES)[number], Score>;
  /** OVL-3 of the prediction against the document. */
  ovl3: number;
  /** REP-4 of the prediction. */
  rep4: number;
  /** prediction words / document words (the paper's WR). */
  wordRatio: number;
  /** prediction words / reference summary words. */
  lengthRatio: number;
  predictionWords: number;
  documentWords: number;
  summaryWords: number;
}

export interface MetricSummary {
  mean: number;
  /** Bootstrap interval; for ROUGE: the F-measure's low/mid(median)/high from the BootstrapAggregator. */
  ci: Interval;
}

export interface RougeAggregate {
  mean: Score;
  low: Score;
  mid: Score;
  high: Score;
}

export interface GroupSummary {
  n: number;
  rouge: Record<(typeof ROUGE_TYPES)[number], RougeAggregate>;
  extra: Record<ExtraMetric, MetricSummary>;
}

export interface EvalReport {
  method?: string;
  settings: {
    tokenizer: TokenizerKind | 'custom';
    useStemmer: boolean;
    confidenceInterval: number;
    nSamples: number;
    seed: number;
    /** sentences asked of the method (lead-k, extractive, lcm); absent for given predictions */
    sentences?: number;
    /** what cut documents into sentences for lead-k and rougeLsum */
    segmenter?: string;
  };
  n: number;
  /** paired bootstrap differences (this method − `against`) of the per-record F-measures */
  paired?: PairedComparison;
  overall: GroupSummary;
  byLanguage: Record<string, GroupSummary>;
  records?: RecordMetrics[];
}

export interface EvaluateOptions {
  /** Tokenizer for ROUGE and the word metrics (default 'multilingual'). */
  tokenizer?: TokenizerKind | Tokenizer;
  useStemmer?: boolean;
  splitSentences?: SentenceSplitter;
  confidenceInterval?: number; // default 0.95
  nSamples?: number; // default 1000
  seed?: number; // default 123
  /** Keep per-record metrics in the report (default true). */
  includeRecords?: boolean;
  method?: string;
  /** recorded in the report's settings */
  sentences?: number;
  segmenter?: string;
}

function toLines(text: string, split: SentenceSplitter, lang: string): string {
  return split(text, lang).join('\n');
}

/** Metrics of one record. */
export function scoreRecord(record: EvalRecord, options: EvaluateOptions = {}): RecordMetrics {
  return makeRecordScorer(options)(record);
}

function makeRecordScorer(options: EvaluateOptions): (r: EvalRecord) => RecordMetrics {
  const tok = resolveTokenizer({ tokenizer: options.tokenizer, useStemmer: options.useStemmer });
  const split = options.splitSentences ?? regexSplitSentences;
  const scorer = new RougeScorer([...ROUGE_TYPES], { tokenizer: tok });
  return (r) => {
    const ref = toLines(r.summary, split, r.lang);
    const pred = toLines(r.prediction, split, r.lang);
    const rouge = scorer.score(ref, pred) as RecordMetrics['rouge'];
    const docT = tok(r.document);
    const predT = tok(r.prediction);
    const sumT = tok(r.summary);
    return {
      ...(r.id !== undefined ? { id: r.id } : {}),
      lang: r.lang,
      rouge,
      ovl3: ovlTokens(docT, predT, 3, 'source'),
      rep4: repTokens(predT, 4),
      wordRatio: docT.length ? predT.length / docT.length : 0,
      lengthRatio: sumT.length ? predT.length / sumT.length : 0,
      predictionWords: predT.length,
      documentWords: docT.length,
      summaryWords: sumT.length,
    };
  };
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

function summarize(rows: RecordMetrics[], ci: number, nSamples: number, seed: number): GroupSummary {
  const agg = new BootstrapAggregator({ confidenceInterval: ci, nSamples, seed });
  for (const r of rows) agg.addScores(r.rouge);
  const boot = rows.length ? agg.aggregate() : {};
  const rouge = {} as GroupSummary['rouge'];
  for (const t of ROUGE_TYPES) {
    const m: Score = {
      precision: mean(rows.map((r) => r.rouge[t].precision)),
      recall: mean(rows.map((r) => r.rouge[t].recall)),
      fmeasure: mean(rows.map((r) => r.rouge[t].fmeasure)),
    };
    const b = boot[t];
    const nan: Score = { precision: NaN, recall: NaN, fmeasure: NaN };
    rouge[t] = { mean: m, low: b?.low ?? nan, mid: b?.mid ?? nan, high: b?.high ?? nan };
  }
  const extra = {} as GroupSummary['extra'];
  for (const k of EXTRA_METRICS) {
    const xs = rows.map((r) => r[k]);
    extra[k] = { mean: mean(xs), ci: bootstrapValues(xs, { confidenceInterval: ci, nSamples, seed }) };
  }
  return { n: rows.length, rouge, extra };
}

/** Per-record metrics, overall aggregates with bootstrap CIs, and the same per language. */
export function evaluate(records: readonly EvalRecord[], options: EvaluateOptions = {}): EvalReport {
  const ci = options.confidenceInterval ?? 0.95;
  const nSamples = options.nSamples ?? 1000;
  const seed = options.seed ?? 123;
  const scoreOne = makeRecordScorer(options);
  const rows = records.map(scoreOne);
  const langs = [...new Set(rows.map((r) => r.lang))].sort();
  const byLanguage: Record<string, GroupSummary> = {};
  for (const l of langs) byLanguage[l] = summarize(rows.filter((r) => r.lang === l), ci, nSamples, seed);
  const tk = options.tokenizer ?? 'multilingual';
  return {
    ...(options.method ? { method: options.method } : {}),
    settings: {
      tokenizer: typeof tk === 'function' ? 'custom' : tk,
      useStemmer: options.useStemmer ?? false,
      confidenceInterval: ci,
      nSamples,
      seed,
      ...(options.sentences !== undefined ? { sentences: options.sentences } : {}),
      ...(options.segmenter !== undefined ? { segmenter: options.segmenter } : {}),
    },
    n: rows.length,
    overall: summarize(rows, ci, nSamples, seed),
    byLanguage,
    ...(options.includeRecords === false ? {} : { records: rows }),
  };
}

export interface PairedComparison {
  against: string;
  n: number;
  rouge1: PairedDifference;
  rouge2: PairedDifference;
  rougeL: PairedDifference;
}

/**
 * Paired bootstrap of `report` against `baseline` on the same records (both must keep their records, in the same
 * order): F-measure differences with their confidence interval, wins and losses.
 */
export function comparePaired(report: EvalReport, baseline: EvalReport): PairedComparison {
  const a = report.records;
  const b = baseline.records;
  if (!a || !b) throw new Error('comparePaired needs reports with their records (includeRecords)');
  if (a.length !== b.length) throw new Error(`comparePaired: ${a.length} records against ${b.length}`);
  a.forEach((r, i) => {
    if (r.id !== b[i].id) throw new Error(`comparePaired: record ${i} is ${r.id} in one report and ${b[i].id} in the other`);
  });
  const o = { confidenceInterval: report.settings.confidenceInterval, nSamples: report.settings.nSamples, seed: report.settings.seed };
  const diff = (t: 'rouge1' | 'rouge2' | 'rougeL') => pairedBootstrap(a.map((r) => r.rouge[t].fmeasure), b.map((r) => r.rouge[t].fmeasure), o);
  return { against: baseline.method ?? 'baseline', n: a.length, rouge1: diff('rouge1'), rouge2: diff('rouge2'), rougeL: diff('rougeL') };
}

/** Parse JSONL text of `{document, summary, lang, ...}` lines (blank lines skipped). */
export function parseJsonl<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch (e) {
        throw new Error(`line ${i + 1}: ${(e as Error).message}`);
      }
    });
}

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(2) : '–');
const num = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '–');

/** Markdown: an overall table with CIs, then one row per language (ROUGE in percent F-measure). */
export function formatMarkdown(report: EvalReport): string {
  const s = report.settings;
  const lines: string[] = [];
  const what = [s.sentences !== undefined ? `${s.sentences} sentence${s.sentences === 1 ? '' : 's'}` : '', s.segmenter ? `${s.segmenter} segmenter` : '']
    .filter(Boolean)
    .join(', ');
  lines.push(`## Evaluation${report.method ? `: ${report.method}` : ''}${what ? ` (${what})` : ''}`);
  lines.push('');
  lines.push(
    `${report.n} records; tokenizer ${s.tokenizer}${s.useStemmer ? ' + Porter stemmer' : ''}; ` +
      `${Math.round(100 * s.confidenceInterval)}% bootstrap intervals (${s.nSamples} resamples, seed ${s.seed}). ` +
      'ROUGE: F-measure ×100 (mean, [low, high]); OVL-3, REP-4, WR (prediction/document words) and LR ' +
      '(prediction/reference words) as fractions.',
  );
  lines.push('');
  lines.push('| metric | mean | low | high |');
  lines.push('|---|---|---|---|');
  const o = report.overall;
  for (const t of ROUGE_TYPES) {
    const r = o.rouge[t];
    lines.push(`| ${t} | ${pct(r.mean.fmeasure)} | ${pct(r.low.fmeasure)} | ${pct(r.high.fmeasure)} |`);
  }
  const label: Record<ExtraMetric, string> = { ovl3: 'OVL-3', rep4: 'REP-4', wordRatio: 'WR', lengthRatio: 'LR' };
  for (const k of EXTRA_METRICS) {
    const e = o.extra[k];
    lines.push(`| ${label[k]} | ${num(e.mean)} | ${num(e.ci.low)} | ${num(e.ci.high)} |`);
  }
  if (report.paired) {
    const p = report.paired;
    lines.push('');
    lines.push(`Paired bootstrap against ${p.against} (${p.n} records): difference in F ×100 [${Math.round(100 * s.confidenceInterval)}% CI], wins/losses.`);
    lines.push('');
    lines.push('| metric | Δ | low | high | wins | losses |');
    lines.push('|---|---|---|---|---|---|');
    for (const t of ['rouge1', 'rouge2', 'rougeL'] as const) {
      const d = p[t];
      lines.push(`| ${t} | ${pct(d.mean)}${d.significant ? ' *' : ''} | ${pct(d.low)} | ${pct(d.high)} | ${d.wins} | ${d.losses} |`);
    }
  }
  lines.push('');
  lines.push('| lang | n | R-1 | R-2 | R-L | R-Lsum | R-L 95% CI | OVL-3 | REP-4 | WR | LR |'.replace('95%', `${Math.round(100 * s.confidenceInterval)}%`));
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [lang, g] of Object.entries(report.byLanguage)) {
    const r = g.rouge;
    lines.push(
      `| ${lang} | ${g.n} | ${pct(r.rouge1.mean.fmeasure)} | ${pct(r.rouge2.mean.fmeasure)} | ${pct(r.rougeL.mean.fmeasure)} | ` +
        `${pct(r.rougeLsum.mean.fmeasure)} | [${pct(r.rougeL.low.fmeasure)}, ${pct(r.rougeL.high.fmeasure)}] | ` +
        `${num(g.extra.ovl3.mean)} | ${num(g.extra.rep4.mean)} | ${num(g.extra.wordRatio.mean)} | ${num(g.extra.lengthRatio.mean)} |`,
    );
  }
  return lines.join('\n') + '\n';
}

/** JSON text of the report (NaN → null). */
export function formatJson(report: EvalReport, pretty = true): string {
  return JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), pretty ? 2 : 0);
}
