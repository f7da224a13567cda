/**
 * The pack self-test's checks: properties any faithful SONAR pack has, each measured against a threshold and next to
 * a trivial baseline from the same run. Pure functions over sentences, embeddings and decodings (run.ts gets them
 * from the pack), so the rules are tested on their own (test/unit/selftest/checks.test.ts).
 *
 * Why these thresholds (a faithful pack is the official SONAR text encoder/decoder, fp32 or a close variant):
 * - round trip ≥ 70 chrF (macro mean over the languages). SONAR's decoder was trained to reconstruct its encoder's
 *   input (auto-encoding is one of its training objectives and evaluations), and short everyday sentences come back
 *   verbatim or nearly so. On these sentences chrF is 100 for a copy, 97 for a dropped full stop, 76 for one changed
 *   word ("eight" for "seven"), 56 for a rephrasing ("Can you speak a bit more slowly?"), and lower in scripts
 *   without spaces, where one changed character weighs more (42 for 七→八 in a 9-character Chinese sentence). A
 *   mean of 70 holds when most sentences come back verbatim and a few rephrased (the small drift of an int8 or fp16
 *   variant), and sits far above what a decoder that does not read its concept writes (the baseline: its decoding
 *   of another sentence's concept, chrF ~4-20; the bundled mini decoder, a demonstration model, reaches ~6 here).
 * - alignment ≥ 0.9 retrieval accuracy: for every sentence and every other language, its translation must be the
 *   nearest (cosine) of the candidates in that language. SONAR's similarity-search error on FLORES-200 (1012
 *   candidates) is around a percent for these high-resource languages; among ten unrelated everyday sentences a
 *   faithful encoder finds every translation. 0.9 tolerates one confusion in ten; chance is 1/N, and the
 *   character-trigram baseline stays near it across scripts (it only helps where scripts share characters: Han).
 * - collapse: mean cosine of unrelated sentences ≤ 0.9. An encoder whose outputs all point one way (a collapsed or
 *   damaged encoder: cosine → 1) cannot tell sentences apart; trained encoders keep unrelated sentences far apart
 *   (the mini encoder: 0.64 on these sentences). The translations' mean cosine is shown beside it.
 * - finite: every embedding finite and non-zero (NaN or Inf weights, a broken graph).
 * - degenerate: at most 10% of the round-trip outputs empty, one word repeated (tasks/degenerate.ts), looping on a
 *   few characters (`loops`), or a repeat of another output in the same language (a decoder writing its prior
 *   instead of the concept). The baseline is the same rule applied to the input sentences (0: the rule does not
 *   misfire on these scripts).
 * - golden (only when golden vectors for the pack's space are installed, golden.ts): the pack's embeddings of the
 *   golden sentences against the official ones, min cosine ≥ 0.99 (fp32 reproduces them to ~1e-6; the int8
 *   variant stays above 0.9997 on the mini pack, README).
 */
import type { LangCode, SelftestCheck, SelftestExample } from '../types.js';
import { chrf } from '../eval/chrf.js';
import { cosine } from '../vec.js';
import { degenerateDecode } from '../tasks/degenerate.js';

export const SELFTEST_THRESHOLDS = {
  roundTripChrf: 70,
  alignmentAccuracy: 0.9,
  collapseCosine: 0.9,
  degenerateShare: 0.1,
  goldenCosine: 0.99,
} as const;

/** The test set: `texts[lang][i]` is sentence i in `lang`; sentence i means the same in every language. */
export interface SelftestSet {
  languages: LangCode[];
  texts: Record<LangCode, string[]>;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const round = (x: number, d = 4) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

function check(c: Omit<SelftestCheck, 'passed'>): SelftestCheck {
  const ok = Number.isFinite(c.value) && (c.direction === 'min' ? c.value >= c.threshold : c.value <= c.threshold);
  return { ...c, value: round(c.value), ...(c.baseline !== undefined ? { baseline: round(c.baseline) } : {}), passed: ok };
}

/**
 * Round trip: each sentence decoded from its own concept into its own language, chrF against the input; macro mean
 * over languages. Baseline: the decoding of the next sentence's concept scored against this sentence (what a decoder
 * that ignores its concept scores), from the same decodings.
 */
export function roundTripCheck(set: SelftestSet, outputs: Record<LangCode, string[]>): { check: SelftestCheck; examples: SelftestExample[] } {
  const perLang: Record<string, number> = {};
  const base: number[] = [];
  const examples: SelftestExample[] = [];
  for (const lang of set.languages) {
    const ins = set.texts[lang];
    const outs = outputs[lang];
    if (!outs || outs.length !== ins.length) throw new Error(`round trip: ${outs?.length ?? 0} outputs for ${ins.length} ${lang} sentences`);
    const scores = ins.map((s, i) => chrf(outs[i], s));
    perLang[lang] = round(mean(scores), 2);
    base.push(mean(ins.map((s, i) => chrf(outs[(i + 1) % outs.length], s))));
    examples.push({ lang, input: ins[0], output: outs[0], chrf: round(scores[0], 2) });
  }
  return {
    check: check({
      id: 'round_trip', value: mean(Object.values(perLang)), threshold: SELFTEST_THRESHOLDS.roundTripChrf, direction: 'min', unit: 'chrF',
      baseline: mean(base), baselineName: "the decoding of another sentence's concept, scored against this sentence",
      what: 'chrF of each sentence encoded and decoded into its own language (greedy), macro mean over the languages',
      detail: perLang,
    }),
    examples,
  };
}

/** Character-trigram count vector of a text (spaces kept as one boundary mark): the alignment baseline's "embedding". */
export function trigramVector(text: string): Map<string, number> {
  const cs = [...` ${text.normalize('NFKC').toLocaleLowerCase().replace(/\s+/g, ' ').trim()} `];
  const m = new Map<string, number>();
  for (let i = 0; i + 3 <= cs.length; i++) {
    const g = cs.slice(i, i + 3).join('');
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

export function trigramCosine(a: Map<string, number>, b: Map<string, number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (const [g, c] of a) {
    aa += c * c;
    ab += c * (b.get(g) ?? 0);
  }
  for (const c of b.values()) bb += c * c;
  return aa && bb ? ab / Math.sqrt(aa * bb) : 0;
}

interface Retrieval {
  accuracy: number;
  margin: number;
  queries: number;
}

/** For each ordered language pair and sentence: is its translation the nearest candidate in the other language? */
function retrieval(languages: LangCode[], n: number, sim: (a: LangCode, i: number, b: LangCode, j: number) => number): Retrieval {
  let hits = 0;
  let queries = 0;
  const margins: number[] = [];
  for (const a of languages) {
    for (const b of languages) {
      if (a === b) continue;
      for (let i = 0; i < n; i++) {
        const own = sim(a, i, b, i);
        let best = -Infinity;
        for (let j = 0; j < n; j++) if (j !== i) best = Math.max(best, sim(a, i, b, j));
        queries++;
        if (own > best) hits++;
        margins.push(own - best);
      }
    }
  }
  return { accuracy: queries ? hits / queries : 0, margin: mean(margins), queries };
}

/**
 * Alignment: share of cross-lingual queries whose translation is the nearest candidate (cosine of the embeddings),
 * with the mean margin (translation's cosine − best unrelated cosine). Baseline: the same retrieval with
 * character-trigram vectors of the texts.
 */
export function alignmentCheck(set: SelftestSet, vectors: Record<LangCode, Float32Array[]>): SelftestCheck {
  const n = set.texts[set.languages[0]].length;
  const emb = retrieval(set.languages, n, (a, i, b, j) => cosine(vectors[a][i], vectors[b][j]));
  const tri = Object.fromEntries(set.languages.map((l) => [l, set.texts[l].map(trigramVector)]));
  const base = retrieval(set.languages, n, (a, i, b, j) => trigramCosine(tri[a][i], tri[b][j]));
  const { translations, unrelated } = meanCosines(set, vectors);
  return check({
    id: 'alignment', value: emb.accuracy, threshold: SELFTEST_THRESHOLDS.alignmentAccuracy, direction: 'min', unit: 'share',
    baseline: base.accuracy, baselineName: 'the same retrieval with character-trigram vectors of the texts',
    what: `share of ${emb.queries} cross-lingual queries whose translation is the nearest of ${n} candidates (cosine)`,
    detail: {
      margin: round(emb.margin), baselineMargin: round(base.margin), chance: round(1 / n), translationsCosine: round(translations),
      unrelatedCosine: round(unrelated), queries: emb.queries,
    },
  });
}

/** Mean cosine of translation pairs (same sentence, other language) and of unrelated pairs (other sentence, any language). */
export function meanCosines(set: SelftestSet, vectors: Record<LangCode, Float32Array[]>): { translations: number; unrelated: number } {
  const same: number[] = [];
  const other: number[] = [];
  const all = set.languages.flatMap((l) => vectors[l].map((v, i) => ({ l, i, v })));
  for (let x = 0; x < all.length; x++) {
    for (let y = x + 1; y < all.length; y++) {
      const c = cosine(all[x].v, all[y].v);
      if (all[x].i === all[y].i) same.push(c);
      else other.push(c);
    }
  }
  return { translations: mean(same), unrelated: mean(other) };
}

/** Collapse: the mean cosine of unrelated sentences must stay well below 1. */
export function collapseCheck(set: SelftestSet, vectors: Record<LangCode, Float32Array[]>): SelftestCheck {
  const { translations, unrelated } = meanCosines(set, vectors);
  return check({
    id: 'collapse', value: unrelated, threshold: SELFTEST_THRESHOLDS.collapseCosine, direction: 'max', unit: 'cosine',
    baseline: translations, baselineName: "translations' mean cosine (same meaning, other language)",
    what: 'mean cosine of the embeddings of unrelated sentences (any language)',
  });
}

/** Finite: every embedding has only finite values and is not all zeros. */
export function finiteCheck(vectors: Record<LangCode, Float32Array[]>): SelftestCheck {
  const all = Object.values(vectors).flat();
  const good = all.filter((v) => v.every((x) => Number.isFinite(x)) && v.some((x) => x !== 0)).length;
  return check({
    id: 'finite', value: all.length ? good / all.length : 0, threshold: 1, direction: 'min', unit: 'share',
    what: 'share of embeddings with only finite values, not all zero',
  });
}

/**
 * A text that loops on a few characters ("إإإإإإإإ", "рарарарара", "ムムムムムム"): fewer than half of its character
 * trigrams (spaces dropped) are distinct, over at least 10 characters. Word-level repetition is degenerate.ts's rule;
 * this one also sees scripts and loops that form no repeated word. Real sentences have nearly all trigrams distinct.
 */
export function loops(text: string): boolean {
  const cs = [...text.replace(/\s+/g, '')];
  if (cs.length < 10) return false;
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= cs.length; i++) grams.add(cs.slice(i, i + 3).join(''));
  return grams.size / (cs.length - 2) < 0.5;
}

/** Outputs that are empty, one word repeated, looping characters, or a repeat of an earlier output of the same language. */
export function degenerateShare(texts: Record<LangCode, string[]>): { share: number; perLang: Record<string, number> } {
  let bad = 0;
  let total = 0;
  const perLang: Record<string, number> = {};
  for (const [lang, xs] of Object.entries(texts)) {
    const seen = new Set<string>();
    let b = 0;
    for (const t of xs) {
      const key = t.normalize('NFKC').toLocaleLowerCase().replace(/\s+/g, ' ').trim();
      if (degenerateDecode(t) || loops(t) || seen.has(key)) b++;
      seen.add(key);
    }
    perLang[lang] = xs.length ? round(b / xs.length) : 0;
    bad += b;
    total += xs.length;
  }
  return { share: total ? bad / total : 0, perLang };
}

export function degenerateCheck(set: SelftestSet, outputs: Record<LangCode, string[]>): SelftestCheck {
  const out = degenerateShare(outputs);
  const inputs = degenerateShare(set.texts);
  return check({
    id: 'degenerate', value: out.share, threshold: SELFTEST_THRESHOLDS.degenerateShare, direction: 'max', unit: 'share',
    baseline: inputs.share, baselineName: 'the same rule applied to the input sentences',
    what: 'share of round-trip outputs that are empty, one word or a few characters repeated, or a repeat of another output in the language',
    detail: out.perLang,
  });
}

/**
 * Golden vectors: the pack's embeddings of the golden sentences against the official ones (min cosine). Baseline:
 * the mean cosine between golden vectors of different sentences (what an unrelated vector scores).
 */
export function goldenCheck(golden: { vector: Float32Array }[], mine: Float32Array[]): SelftestCheck {
  const cos = golden.map((g, i) => cosine(g.vector, mine[i]));
  const other: number[] = [];
  for (let i = 0; i < golden.length; i++) for (let j = i + 1; j < golden.length; j++) other.push(cosine(golden[i].vector, golden[j].vector));
  return check({
    id: 'golden', value: cos.length ? Math.min(...cos) : 0, threshold: SELFTEST_THRESHOLDS.goldenCosine, direction: 'min', unit: 'cosine',
    baseline: mean(other), baselineName: 'mean cosine between golden vectors of different sentences',
    what: `lowest cosine between the pack's embedding and the official one, ${golden.length} golden sentences`,
    detail: { mean: round(mean(cos)) },
  });
}
