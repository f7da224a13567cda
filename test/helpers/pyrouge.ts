/**
 * A scorer compatible with Diego999/py-rouge (a Python re-implementation of ROUGE-1.5.5: multi-reference
 * "Avg"/"Best"/individual aggregation, word or byte length limits, ROUGE-N, summary-level ROUGE-L and ROUGE-W,
 * alpha-weighted F). It reproduces that package's arithmetic, including its quirks, at the version its README
 * example was produced with (2018-09-14):
 *  - stemming = WordNet-exception lookup, else Porter in ORIGINAL_ALGORITHM mode, for tokens longer than 3 chars;
 *    the exception table (py-rouge's `wordnet_key_value*.txt`) is passed in by the caller — without it tokens are
 *    only Porter-stemmed;
 *  - tokens: lowercase, non [A-Za-z0-9] → space, whitespace split, with nltk-Treebank's splitting of
 *    gimme/gonna/gotta/lemme/wanna and 'cannot' kept whole;
 *  - in ROUGE-L/W the reference-side unigram budget is never decremented (py-rouge decrements a wrong key);
 *  - the ROUGE-W weight factor is also applied to ROUGE-L precision/recall (p^(1/w)) when `weightFactor != 1`.
 * Test-only: it checks the porter stemmer and tokenizer against published ROUGE-1.5.5-style numbers; the app's
 * metric is RougeScorer (main/engine/eval/rouge.ts).
 */

import { PorterStemmer } from '../../main/engine/eval/porter.js';

export interface PyRougeOptions {
  metrics: ('rouge-n' | 'rouge-l' | 'rouge-w')[];
  maxN?: number;
  limitLength?: boolean;
  lengthLimit?: number;
  lengthLimitType?: 'words' | 'bytes';
  aggregation?: 'avg' | 'best' | 'individual';
  stemming?: boolean;
  alpha?: number;
  weightFactor?: number;
  /** WordNet exception table (surface → form), consulted before the Porter stemmer. */
  stemExceptions?: ReadonlyMap<string, string>;
}

export interface PRF {
  p: number;
  r: number;
  f: number;
}

const REMOVE_CHAR = /[^A-Za-z0-9]/g;
const TREEBANK_SPLITS: Record<string, [string, string]> = {
  gimme: ['gim', 'me'],
  gonna: ['gon', 'na'],
  gotta: ['got', 'ta'],
  lemme: ['lem', 'me'],
  wanna: ['wan', 'na'],
};

export class PyRouge {
  private readonly o: Required<Omit<PyRougeOptions, 'stemExceptions'>> & { stemExceptions: ReadonlyMap<string, string> };
  private readonly stemmer = new PorterStemmer('ORIGINAL_ALGORITHM');
  readonly metricNames: string[];

  constructor(options: PyRougeOptions) {
    this.o = {
      maxN: 1,
      limitLength: true,
      lengthLimit: 665,
      lengthLimitType: 'bytes',
      aggregation: 'avg',
      stemming: true,
      alpha: 0.5,
      weightFactor: 1.0,
      stemExceptions: new Map(),
      ...options,
    } as PyRouge['o'];
    if (this.o.lengthLimit === 0) this.o.limitLength = false;
    if (this.o.weightFactor <= 0) throw new Error('ROUGE-W weight factor must greater than 0.');
    const names: string[] = [];
    if (this.o.metrics.includes('rouge-n')) for (let n = 1; n <= this.o.maxN; n++) names.push(`rouge-${n}`);
    if (this.o.metrics.includes('rouge-l')) names.push('rouge-l');
    if (this.o.metrics.includes('rouge-w')) names.push('rouge-w');
    this.metricNames = names;
  }

  private tokenizeClean(text: string): string[] {
    // text is already lowercase [a-z0-9 ]; 'cannot' is protected as one token
    const protectedText = text.replace(/cannot/g, '_cannot_');
    const tokens: string[] = [];
    for (const t of protectedText.split(/\s+/)) {
      if (!t) continue;
      const split = TREEBANK_SPLITS[t];
      if (split) tokens.push(...split);
      else tokens.push(t);
    }
    return tokens;
  }

  private stemTokens(tokens: string[]): string[] {
    return tokens.map((t) => {
      if (t.length <= 3) return t;
      const e = this.o.stemExceptions.get(t);
      return e !== undefined ? e : this.stemmer.stem(t);
    });
  }

  private finishTokens(text: string): string {
    let tokens = this.tokenizeClean(text);
    if (this.o.stemming) tokens = this.stemTokens(tokens);
    return tokens.join(' ').replace(/_cannot_/g, 'cannot');
  }

  /** Preprocessed summary as one string (ROUGE-N). */
  preprocessWhole(summary: string): string {
    const sentences = summary.split('\n');
    let text: string;
    if (this.o.limitLength) {
      if (this.o.lengthLimitType === 'words') {
        text = sentences.join(' ').split(/\s+/).filter(Boolean).slice(0, this.o.lengthLimit).join(' ');
      } else {
        text = '';
        let cur = 0;
        for (const raw of sentences) {
          const s = raw.trim();
          if (cur + s.length < this.o.lengthLimit) {
            if (cur !== 0) text += ' ';
            text += s;
            cur += s.length;
          } else {
            if (cur > 0) text += ' ';
            text += s.slice(0, this.o.lengthLimit - cur);
            break;
          }
        }
      }
    } else text = sentences.join(' ');
    text = text.toLowerCase().replace(REMOVE_CHAR, ' ').trim();
    return this.finishTokens(text);
  }

  /** Preprocessed sentences (ROUGE-L/W). */
  preprocessSentences(summary: string): string[] {
    let sentences = summary.split('\n');
    if (this.o.limitLength) {
      const out: string[] = [];
      let cur = 0;
      for (const raw of sentences) {
        if (this.o.lengthLimitType === 'words') {
          const toks = raw.trim().split(/\s+/).filter(Boolean);
          if (cur + toks.length < this.o.lengthLimit) {
            out.push(toks.join(' '));
            cur += toks.length;
          } else {
            out.push(toks.slice(0, this.o.lengthLimit - cur).join(' '));
            break;
          }
        } else {
          const s = raw.trim();
          if (cur + s.length < this.o.lengthLimit) {
            out.push(s);
            cur += s.length;
          } else {
            out.push(s.slice(0, this.o.lengthLimit - cur));
            break;
          }
        }
      }
      sentences = out;
    }
    return sentences.map((s) => this.finishTokens(s.toLowerCase().replace(REMOVE_CHAR, ' ').trim()));
  }

  private prf(evaluated: number, reference: number, overlap: number, weight = 1.0): PRF {
    let p = evaluated === 0 ? 0 : overlap / evaluated;
    let r = reference === 0 ? 0 : overlap / reference;
    if (weight !== 1.0) {
      p = p ** (1 / weight);
      r = r ** (1 / weight);
    }
    const a = this.o.alpha;
    const f = p === 0 || r === 0 ? 0 : (p * r) / ((1 - a) * p + a * r);
    return { p, r, f };
  }

  private static ngramCounts(tokens: string[], n: number): Map<string, number> {
    const m = new Map<string, number>();
    for (let i = 0; i + n <= tokens.length; i++) {
      const k = tokens.slice(i, i + n).join(' ');
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  }

  /** [evaluated n-gram count, reference n-gram count, overlap] for one (hypothesis, reference) pair. */
  static computeNgrams(hyp: string[], ref: string[], n: number): [number, number, number] {
    const ht = hyp.flatMap((s) => s.split(/\s+/).filter(Boolean));
    const rt = ref.flatMap((s) => s.split(/\s+/).filter(Boolean));
    const hg = PyRouge.ngramCounts(ht, n);
    const rg = PyRouge.ngramCounts(rt, n);
    let overlap = 0;
    for (const [g, c] of hg) {
      const d = rg.get(g);
      if (d !== undefined) overlap += Math.min(c, d);
    }
    return [ht.length - (n - 1), rt.length - (n - 1), overlap];
  }

  /** Summary-level (W)LCS counts as py-rouge's `_compute_ngrams_lcs`. */
  static computeLcs(hypSents: string[], refSents: string[], weight: number): [number, number, number] {
    const unigrams = (sents: string[]) => {
      const m = new Map<string, number>();
      let count = 0;
      for (const s of sents) for (const t of s.split(/\s+/).filter(Boolean)) m.set(t, (m.get(t) ?? 0) + 1), count++;
      return [m, count] as const;
    };
    const [hypUni, hypCount] = unigrams(hypSents);
    const [, refCount0] = unigrams(refSents);
    const useW = weight !== 1.0;
    let evaluatedCount = useW ? hypCount ** weight : hypCount;
    let referenceCount = useW ? 0 : refCount0;
    let overlap = 0;
    for (const refSentence of refSents) {
      const x = refSentence.split(/\s+/).filter(Boolean);
      if (useW) referenceCount += x.length ** weight;
      const mask = new Uint8Array(x.length);
      for (const hypSentence of hypSents) {
        const y = hypSentence.split(/\s+/).filter(Boolean);
        markLcs(mask, x, y, weight);
      }
      let run = 0;
      for (let k = 0; k < mask.length; k++) {
        if (mask[k] !== 1) continue;
        const token = x[k];
        // py-rouge also tests the reference budget, but never decrements it (wrong key): only the hypothesis
        // budget limits the hits.
        if ((hypUni.get(token) ?? 0) > 0) {
          hypUni.set(token, (hypUni.get(token) ?? 0) - 1);
          if (useW) {
            run++;
            if ((k + 1 < mask.length && mask[k + 1] === 0) || k + 1 === mask.length) {
              overlap += run ** weight;
              run = 0;
            }
          } else overlap += 1;
        }
      }
    }
    if (useW) referenceCount = referenceCount ** weight;
    void evaluatedCount;
    return [evaluatedCount, referenceCount, overlap];
  }

  /**
   * Scores for parallel lists of hypotheses and references (each a string or a list of strings).
   * 'avg' and 'best' give one PRF per metric; 'individual' gives, per metric, per hypothesis, one PRF per reference.
   */
  getScores(hypotheses: string[], references: (string | string[])[]): Record<string, PRF | PRF[][]> {
    if (hypotheses.length !== references.length) throw new Error("'hyps' and 'refs' do not have the same length");
    const agg = this.o.aggregation;
    const out: Record<string, PRF | PRF[][]> = {};
    for (const name of this.metricNames) {
      const isN = /^rouge-\d+$/.test(name);
      const isW = name === 'rouge-w';
      const n = isN ? Number(name.slice(6)) : 0;
      const sum: PRF = { p: 0, r: 0, f: 0 };
      const all: PRF[][] = [];
      hypotheses.forEach((hyp, h) => {
        const refs = Array.isArray(references[h]) ? (references[h] as string[]) : [references[h] as string];
        const counts = (ref: string): [number, number, number] =>
          isN
            ? PyRouge.computeNgrams([this.preprocessWhole(hyp)], [this.preprocessWhole(ref)], n)
            : PyRouge.computeLcs(this.preprocessSentences(hyp), this.preprocessSentences(ref), isW ? this.o.weightFactor : 1.0);
        // py-rouge (2018-09-14) passes weight_factor to the final P/R for ROUGE-L as well as ROUGE-W
        const w = isN ? 1.0 : this.o.weightFactor;
        if (agg === 'avg') {
          let e = 0, r = 0, o = 0;
          for (const ref of refs) {
            const [ce, cr, co] = counts(ref);
            e += ce; r += cr; o += co;
          }
          const s = this.prf(e, r, o, w);
          sum.p += s.p; sum.r += s.r; sum.f += s.f;
        } else if (agg === 'best') {
          let best: PRF | null = null;
          let bestW: number | null = null;
          for (const ref of refs) {
            const [ce, cr, co] = counts(ref);
            const s = this.prf(ce, cr, co, w);
            if (isW) {
              const sw = (co / cr ** (1 / this.o.weightFactor)) ** (1 / this.o.weightFactor);
              if (bestW === null || sw > bestW) (best = s), (bestW = sw);
            } else if (best === null || s.r > best.r) best = s;
          }
          sum.p += best!.p; sum.r += best!.r; sum.f += best!.f;
        } else {
          all.push(refs.map((ref) => {
            const [ce, cr, co] = counts(ref);
            return this.prf(ce, cr, co, w);
          }));
        }
      });
      if (agg === 'individual') out[name] = all;
      else {
        const k = hypotheses.length > 1 ? hypotheses.length : 1;
        out[name] = { p: sum.p / k, r: sum.r / k, f: sum.f / k };
      }
    }
    return out;
  }
}

/** py-rouge's `_lcs`/`_wlcs` + `_mark_lcs`: mark in `mask` the positions of x on the chosen (W)LCS with y. */
function markLcs(mask: Uint8Array, x: string[], y: string[], weight: number): void {
  const m = x.length;
  const n = y.length;
  if (!m || !n) return;
  const W = n + 1;
  const vals = new Float64Array((m + 1) * W);
  const lens = new Int32Array((m + 1) * W);
  const dirs = new Uint8Array((m + 1) * W); // 1 = diag '|', 2 = up '^', 3 = left '<'
  const useW = weight !== 1.0;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const k = i * W + j;
      if (x[i - 1] === y[j - 1]) {
        if (useW) {
          const l = lens[(i - 1) * W + j - 1];
          vals[k] = vals[(i - 1) * W + j - 1] + (l + 1) ** weight - l ** weight;
          lens[k] = l + 1;
        } else vals[k] = vals[(i - 1) * W + j - 1] + 1;
        dirs[k] = 1;
      } else if (vals[(i - 1) * W + j] >= vals[i * W + j - 1]) {
        vals[k] = vals[(i - 1) * W + j];
        dirs[k] = 2;
      } else {
        vals[k] = vals[i * W + j - 1];
        dirs[k] = 3;
      }
    }
  }
  let i = m;
  let j = n;
  while (i !== 0 && j !== 0) {
    const d = dirs[i * W + j];
    if (d === 1) {
      i--;
      j--;
      mask[i] = 1;
    } else if (d === 2) i--;
    else j--;
  }
}
