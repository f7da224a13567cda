/**
 * What a SONAR pack's decoder is measured to keep of a sentence's meaning, per language and language pair, so the app
 * can say *before* a run whether its output will mean anything. pack.json `decoding_quality` (written by
 * tools/concept_tools/decoding_quality.py from the pack's held-out evaluation; absent on packs nobody measured, e.g.
 * a converted SONAR, which then get no claim either way):
 *
 *   "decoding_quality": {
 *     "same_language": { "eng_Latn": {"chrf": 37.9, "baseline": 13.7, "n": 200}, "fra_Latn": {…}, … },
 *     "pairs": { "eng_Latn>fra_Latn": {"chrf": 11.7, "baseline": 10.9, "copy": 25.2, "n": 100}, … }
 *   }
 *
 * chrF of the decoded sentence against the reference (a round trip for `same_language`, a translation for `pairs`);
 * `baseline` is the same decoder given *another* sentence's concept, measured in the same run: what output that
 * ignores its input scores. The tiers use the bar issue 9 set for the mini models: output "keeps the meaning" at
 * chrF ≥ 30 and ≥ 2.5× that baseline; it "keeps fragments" at ≥ 1.5× the baseline; below that it is no closer to
 * its input than an unrelated sentence's decoding. The service answers expectRun with it (api/run-plan.ts; the task
 * panel shows the answer) and the CLI prints describeExpectation's line.
 */

import type { DecodingExpectation, DecodingMeasure, DecodingQualityTable, DecodingTier } from '../types.js';

export const MEANING_BAR = { chrf: 30, ratio: 2.5 } as const;
export const FRAGMENTS_RATIO = 1.5;

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function measureOf(v: unknown): DecodingMeasure | null {
  if (!isObj(v) || !finite(v.chrf) || !finite(v.baseline) || v.chrf < 0 || v.baseline < 0) return null;
  const m: DecodingMeasure = { chrf: v.chrf, baseline: v.baseline };
  if (finite(v.n) && v.n > 0) m.n = Math.floor(v.n);
  if (finite(v.copy) && v.copy >= 0) m.copy = v.copy;
  return m;
}

const LANG = /^[a-z]{3}_[A-Z][a-z]{3}$/;

/** pack.json `decoding_quality`, with malformed entries dropped; null when the pack states none. */
export function parseDecodingQuality(raw: unknown): DecodingQualityTable | null {
  if (!isObj(raw)) return null;
  const sameLanguage: Record<string, DecodingMeasure> = {};
  const pairs: Record<string, DecodingMeasure> = {};
  if (isObj(raw.same_language)) {
    for (const [lang, v] of Object.entries(raw.same_language)) {
      const m = measureOf(v);
      if (m && LANG.test(lang)) sameLanguage[lang] = m;
    }
  }
  if (isObj(raw.pairs)) {
    for (const [key, v] of Object.entries(raw.pairs)) {
      const [a, b, ...rest] = key.split('>');
      const m = measureOf(v);
      if (m && rest.length === 0 && LANG.test(a ?? '') && LANG.test(b ?? '') && a !== b) pairs[key] = m;
    }
  }
  if (Object.keys(sameLanguage).length === 0 && Object.keys(pairs).length === 0) return null;
  return { sameLanguage, pairs };
}

export function tierOf(m: DecodingMeasure): Exclude<DecodingTier, 'unmeasured'> {
  if (m.chrf >= MEANING_BAR.chrf && m.chrf >= MEANING_BAR.ratio * m.baseline) return 'meaning';
  if (m.chrf >= FRAGMENTS_RATIO * m.baseline) return 'fragments';
  return 'none';
}

/**
 * What decoding `source` concepts into `target` is measured to give. A pair nobody measured borrows the average of
 * the measured pairs only when that average says the output carries nothing (tier `none`): a pack that fails on
 * every pair it was tested on is not trusted on the others, but one that passes some is not credited with the rest.
 */
export function expectDecoding(table: DecodingQualityTable | null | undefined, source: string, target: string): DecodingExpectation {
  const none: DecodingExpectation = { source, target, tier: 'unmeasured', basis: 'none' };
  if (!table) return none;
  if (source === target) {
    const m = table.sameLanguage[target];
    return m ? { source, target, tier: tierOf(m), basis: 'same-language', measure: m } : none;
  }
  const m = table.pairs[`${source}>${target}`];
  if (m) return { source, target, tier: tierOf(m), basis: 'pair', measure: m };
  const all = Object.values(table.pairs);
  if (all.length === 0) return none;
  const mean = (f: (x: DecodingMeasure) => number) => all.reduce((s, x) => s + f(x), 0) / all.length;
  const avg: DecodingMeasure = { chrf: mean((x) => x.chrf), baseline: mean((x) => x.baseline) };
  if (tierOf(avg) !== 'none' || all.some((x) => tierOf(x) !== 'none')) return none;
  return { source, target, tier: 'none', basis: 'pairs-average', measure: avg, pairsAveraged: all.length };
}

/**
 * Whether a run writes new text through the decoder, given the method the run resolved to (chooseMethod: never
 * `auto`). A translation into the source's own language and an extractive summary in it copy source sentences
 * verbatim, so the decoder's quality does not apply to them.
 */
export function runDecodes(r: { task: string; method: 'lcm' | 'extractive'; source: string; target: string }): boolean {
  if (r.source !== r.target) return true;
  if (r.task === 'translate') return false; // sentences already in the target language are kept verbatim
  return r.task !== 'summarize' || r.method === 'lcm';
}

/** One English line for the CLI (the renderer words it in the interface language: locales `quality.*`). */
export function describeExpectation(x: DecodingExpectation, name: (code: string) => string = (c) => c): string {
  const lcm = x.generator?.demo ? ` ${describeGenerator(x.generator)}` : '';
  return describeDecoding(x, name) + lcm;
}

function describeGenerator(g: NonNullable<DecodingExpectation['generator']>): string {
  return g.summary?.baseline !== undefined
    ? `The concepts come from the concept model ${g.pack}, a demonstration: its held-out summaries score ROUGE-L ` +
      `${g.summary.value.toFixed(1)} where copying the document's first sentence scores ${g.summary.baseline.toFixed(1)}.`
    : `The concepts come from the concept model ${g.pack}, a demonstration nobody measured.`;
}

function describeDecoding(x: DecodingExpectation, name: (code: string) => string): string {
  const pair = `${name(x.source)} -> ${name(x.target)}`;
  const m = x.measure;
  if (!m || x.tier === 'unmeasured') return `${pair} was not measured on held-out text.`;
  const nums = `chrF ${m.chrf.toFixed(1)}; the decoder given an unrelated sentence scores ${m.baseline.toFixed(1)}`;
  switch (x.tier) {
    case 'meaning':
      return `measured on held-out text, the decoder keeps the meaning of ${pair} (${nums}).`;
    case 'fragments':
      return `measured on held-out text, ${pair} keeps only fragments of the meaning (${nums}); treat the output as a demonstration.`;
    default:
      return (x.basis === 'pairs-average'
        ? `${pair} was not measured; on the ${x.pairsAveraged} language pairs that were, output was no closer to its input than `
        : `measured on held-out text, ${pair} output is no closer to its input than `) +
        `the decoder given an unrelated sentence (chrF ${m.chrf.toFixed(1)} vs ${m.baseline.toFixed(1)}): expect text that does not say ` +
        'what the source says. Real SONAR does: `concept packs get sonar`.';
  }
}
