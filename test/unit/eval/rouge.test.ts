import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BootstrapAggregator,
  MT19937,
  PorterStemmer,
  RougeScorer,
  findUnion,
  isValidRougeType,
  lcsIndices,
  lcsTable,
  summaryLevelLcs,
  tokenizeDefault,
  tokenizeMultilingual,
  unionLcs,
  type Score,
} from '../../../main/engine/eval/rouge.js';
import { PyRouge, type PRF } from '../../helpers/pyrouge.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/rouge');
const google = JSON.parse(readFileSync(join(FIX, 'google_rouge_score_tests.json'), 'utf8'));
const pyrougeExample = JSON.parse(readFileSync(join(FIX, 'py_rouge_readme_example.json'), 'utf8'));
const numpyBoot = JSON.parse(readFileSync(join(FIX, 'numpy_bootstrap_reference.json'), 'utf8'));

type Field = keyof Score;
const FIELDS: Field[] = ['precision', 'recall', 'fmeasure'];

describe('rouge-score reference cases (google_rouge_score_tests.json)', () => {
  for (const c of google.score_cases) {
    it(c.id, () => {
      let target: string = c.target;
      let prediction: string = c.prediction;
      if (c.target_file) target = readFileSync(join(FIX, c.target_file), 'utf8');
      if (c.prediction_file) prediction = readFileSync(join(FIX, c.prediction_file), 'utf8');
      const scorer = new RougeScorer(c.rouge_types, { useStemmer: c.use_stemmer, splitSummaries: c.split_summaries });
      const got = scorer.score(target, prediction);
      for (const type of Object.keys(c.expected)) {
        for (const f of Object.keys(c.expected[type]) as Field[]) {
          const places: number = c.assert_places_per_field?.[f] ?? c.assert_places;
          const tol = places !== undefined ? 0.5 * 10 ** -places : c.tolerance;
          expect(Math.abs(got[type][f] - c.expected[type][f]), `${type}.${f}`).toBeLessThanOrEqual(tol);
        }
      }
    });
  }

  it('file inputs equal the transcribed strings', () => {
    for (const c of google.score_cases.filter((x: { target_file?: string }) => x.target_file)) {
      expect(readFileSync(join(FIX, c.target_file), 'utf8')).toBe(c.target);
      expect(readFileSync(join(FIX, c.prediction_file), 'utf8')).toBe(c.prediction);
    }
    const t = readFileSync(join(FIX, 'google_rouge_testdata/target.txt'), 'utf8').split('\n');
    const p = readFileSync(join(FIX, 'google_rouge_testdata/prediction.txt'), 'utf8').split('\n');
    const c0 = google.score_cases.find((c: { id: string }) => c.id === 'testRouge1AgainstRouge155#0');
    const c1 = google.score_cases.find((c: { id: string }) => c.id === 'testRouge1AgainstRouge155#1');
    expect([t[0], p[0], t[1], p[1]]).toEqual([c0.target, c0.prediction, c1.target, c1.prediction]);
  });

  it('rouge type validity', () => {
    for (const t of google.rouge_type_validity.valid) expect(isValidRougeType(t), t).toBe(true);
    for (const t of google.rouge_type_validity.invalid) {
      expect(isValidRougeType(t), t).toBe(false);
      expect(() => new RougeScorer([t])).toThrow();
    }
  });

  it('tokenizer cases', () => {
    for (const c of google.tokenizer_cases) expect(tokenizeDefault(c.input, c.use_stemmer)).toEqual(c.expected);
  });

  it('LCS internals', () => {
    for (const c of google.lcs_internal_cases) {
      if (c.fn === '_lcs_table + _backtrack_norec') {
        const t = lcsTable(c.ref, c.can);
        expect(t[c.ref.length][c.can.length]).toBe(c.lcs_length);
        const idx = lcsIndices(c.ref, c.can);
        expect(idx).toEqual(c.lcs_indices_into_ref);
        if (c.lcs_values) expect(idx.map((i: number) => c.ref[i])).toEqual(c.lcs_values);
      } else if (c.fn === '_find_union') {
        expect(findUnion(c.lcs_lists)).toEqual(c.expected);
      } else if (c.fn === '_union_lcs') {
        expect(unionLcs(c.ref, c.candidates)).toEqual(c.expected);
      } else if (c.fn === '_summary_level_lcs') {
        const s = summaryLevelLcs(c.ref_sents, c.can_sents);
        expect(s.recall).toBeCloseTo(c.expected.recall, 7);
        if (c.expected.precision !== undefined) expect(s.precision).toBeCloseTo(c.expected.precision, 7);
        if (c.expected.fmeasure_3places !== undefined) expect(s.fmeasure).toBeCloseTo(c.expected.fmeasure_3places, 3);
      } else throw new Error(`unknown case ${c.fn}`);
    }
  });

  it('bootstrap aggregator cases', () => {
    for (const c of google.bootstrap_aggregator_cases) {
      const agg = new BootstrapAggregator({ confidenceInterval: c.confidence_interval });
      for (const s of c.scores_rouge1) agg.addScores({ rouge1: s });
      const r = agg.aggregate().rouge1;
      for (const f of FIELDS) {
        const [lo, mid, hi] = c.expected_low_mid_high[f];
        expect(Math.abs(r.low[f] - lo), `${c.test} low ${f}`).toBeLessThanOrEqual(c.delta);
        expect(Math.abs(r.mid[f] - mid), `${c.test} mid ${f}`).toBeLessThanOrEqual(c.delta);
        expect(Math.abs(r.high[f] - hi), `${c.test} high ${f}`).toBeLessThanOrEqual(c.delta);
      }
    }
  });

  it('bootstrap aggregator rejects invalid arguments', () => {
    expect(() => new BootstrapAggregator({ confidenceInterval: -0.1 })).toThrow();
    expect(() => new BootstrapAggregator({ confidenceInterval: 1.1 })).toThrow();
    expect(() => new BootstrapAggregator({ nSamples: 0 })).toThrow();
  });
});

describe('bootstrap RNG equals numpy legacy seeding (numpy_bootstrap_reference.json)', () => {
  it('first draws of np.random.seed(123) + choice', () => {
    const rng = new MT19937(123);
    const got = [0, 0, 0].map(() => rng.randint(3)).concat([0, 0, 0, 0, 0].map(() => rng.randint(1000)));
    expect(got).toEqual(numpyBoot.first_choices_seed123_n3);
  });
  for (const c of numpyBoot.cases) {
    it(`n=${c.n} ci=${c.confidence_interval} samples=${c.n_samples} seed=${c.seed}`, () => {
      const agg = new BootstrapAggregator({ confidenceInterval: c.confidence_interval, nSamples: c.n_samples, seed: c.seed });
      const types = Object.keys(c.scores);
      for (let i = 0; i < c.n; i++) {
        const rec: Record<string, Score> = {};
        for (const t of types) {
          const [precision, recall, fmeasure] = c.scores[t][i];
          rec[t] = { precision, recall, fmeasure };
        }
        agg.addScores(rec);
      }
      const res = agg.aggregate();
      for (const t of types) {
        const exp: number[][] = c.expected_low_mid_high_by_type[t];
        (['low', 'mid', 'high'] as const).forEach((k, row) =>
          FIELDS.forEach((f, col) => expect(Math.abs(res[t][k][f] - exp[row][col])).toBeLessThan(1e-12)),
        );
      }
    });
  }
});

describe('Porter stemmer modes', () => {
  const nltk = new PorterStemmer('NLTK_EXTENSIONS');
  const orig = new PorterStemmer('ORIGINAL_ALGORITHM');
  const martin = new PorterStemmer('MARTIN_EXTENSIONS');
  it('classic examples from the paper', () => {
    const pairs: [string, string][] = [
      ['caresses', 'caress'], ['ponies', 'poni'], ['caress', 'caress'], ['cats', 'cat'], ['feed', 'feed'],
      ['agreed', 'agre'], ['plastered', 'plaster'], ['bled', 'bled'], ['motoring', 'motor'], ['sing', 'sing'],
      ['conflated', 'conflat'], ['troubled', 'troubl'], ['sized', 'size'], ['hopping', 'hop'], ['tanned', 'tan'],
      ['falling', 'fall'], ['hissing', 'hiss'], ['fizzed', 'fizz'], ['failing', 'fail'], ['filing', 'file'],
      ['happy', 'happi'], ['relational', 'relat'], ['conditional', 'condit'], ['rational', 'ration'],
      ['valenci', 'valenc'], ['digitizer', 'digit'], ['conformabli', 'conform'], ['radicalli', 'radic'],
      ['differentli', 'differ'], ['vileli', 'vile'], ['analogousli', 'analog'], ['vietnamization', 'vietnam'],
      ['predication', 'predic'], ['operator', 'oper'], ['feudalism', 'feudal'], ['decisiveness', 'decis'],
      ['hopefulness', 'hope'], ['callousness', 'callous'], ['formaliti', 'formal'], ['sensitiviti', 'sensit'],
      ['sensibiliti', 'sensibl'], ['triplicate', 'triplic'], ['formative', 'form'], ['formalize', 'formal'],
      ['electriciti', 'electr'], ['electrical', 'electr'], ['hopeful', 'hope'], ['goodness', 'good'],
      ['revival', 'reviv'], ['allowance', 'allow'], ['inference', 'infer'], ['airliner', 'airlin'],
      ['gyroscopic', 'gyroscop'], ['adjustable', 'adjust'], ['defensible', 'defens'], ['irritant', 'irrit'],
      ['replacement', 'replac'], ['adjustment', 'adjust'], ['dependent', 'depend'], ['adoption', 'adopt'],
      ['homologou', 'homolog'], ['communism', 'commun'], ['activate', 'activ'], ['angulariti', 'angular'],
      ['homologous', 'homolog'], ['effective', 'effect'], ['bowdlerize', 'bowdler'], ['probate', 'probat'],
      ['rate', 'rate'], ['cease', 'ceas'], ['controll', 'control'], ['roll', 'roll'],
    ];
    for (const [w, s] of pairs) expect(orig.stem(w), w).toBe(s);
  });
  it('NLTK departures', () => {
    expect(nltk.stem('dies')).toBe('die');
    expect(orig.stem('dies')).toBe('di');
    expect(nltk.stem('spied')).toBe('spi');
    expect(nltk.stem('died')).toBe('die');
    expect(nltk.stem('dying')).toBe('die');
    expect(nltk.stem('skies')).toBe('sky');
    expect(nltk.stem('enjoy')).toBe('enjoy');
    expect(nltk.stem('meeting')).toBe('meet');
    expect(nltk.stem('friends')).toBe('friend');
    expect(nltk.stem('generously')).toBe('gener');
    expect(nltk.stem('geology')).toBe('geolog');
    expect(martin.stem('geology')).toBe('geologi');
    expect(nltk.stem('hopefully')).toBe('hope');
    expect(nltk.stem('is')).toBe('is');
  });
});

describe('multilingual tokenizer', () => {
  it('keeps non-Latin letters and marks, drops punctuation, lowercases', () => {
    expect(tokenizeMultilingual('Hello, World!')).toEqual(['hello', 'world']);
    expect(tokenizeMultilingual('नमस्ते, दुनिया।')).toEqual(['नमस्ते', 'दुनिया']);
    expect(tokenizeMultilingual('Привет — мир…')).toEqual(['привет', 'мир']);
    expect(tokenizeMultilingual('ሰላም፣ ዓለም።')).toEqual(['ሰላም', 'ዓለም']);
    expect(tokenizeDefault('नमस्ते दुनिया')).toEqual([]);
  });
  it('segments scripts without spaces', () => {
    expect(tokenizeMultilingual('我们今天去北京大学。')).toEqual(['我们', '今天', '去', '北京', '大学']);
    expect(tokenizeMultilingual('我们今天', { noSpaceScripts: 'chars' })).toEqual(['我', '们', '今', '天']);
    expect(tokenizeMultilingual('สวัสดีครับ').join('')).toBe('สวัสดีครับ');
    expect(tokenizeMultilingual('สวัสดีครับ').length).toBeGreaterThan(1);
  });
  it('stems only ASCII tokens', () => {
    expect(tokenizeMultilingual('The friends had a meeting', { useStemmer: true })).toEqual(['the', 'friend', 'had', 'a', 'meet']);
  });
  it('makes non-Latin ROUGE non-zero', () => {
    const ml = new RougeScorer(['rouge1', 'rougeL'], { tokenizer: (t) => tokenizeMultilingual(t) });
    const s = ml.score('नमस्ते दुनिया', 'नमस्ते');
    expect(s.rouge1.recall).toBeCloseTo(0.5, 12);
    expect(new RougeScorer(['rouge1']).score('नमस्ते दुनिया', 'नमस्ते').rouge1.fmeasure).toBe(0);
  });
});

function loadWordnet(): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of ['wordnet_key_value.txt', 'wordnet_key_value_special_cases.txt']) {
    for (const line of readFileSync(join(FIX, 'py_rouge_wordnet', f), 'utf8').split('\n')) {
      const l = line.trim();
      if (!l) continue;
      const [k, v] = l.split('|');
      m.set(k, v);
    }
  }
  return m;
}

describe('py-rouge README example (py_rouge_readme_example.json)', () => {
  const ex = pyrougeExample;
  const s = ex.settings;
  const exceptions = loadWordnet();
  const make = (aggregation: 'avg' | 'best' | 'individual') =>
    new PyRouge({
      metrics: s.metrics,
      maxN: s.max_n,
      limitLength: s.limit_length,
      lengthLimit: s.length_limit,
      lengthLimitType: s.length_limit_type,
      aggregation,
      alpha: s.alpha,
      weightFactor: s.weight_factor,
      stemming: s.stemming,
      stemExceptions: exceptions,
    });
  // hypothesis 1 has a single reference, given as a plain string in the README
  const refs: (string | string[])[] = ex.references.map((r: string[]) => (r.length === 1 ? r[0] : r));
  // printed with '{:5.2f}' of 100*x: the true value lies within 0.005 (+ float slack) of the printed one
  const TOL = 0.005 + 1e-9;
  const check = (got: PRF, exp: { precision_pct: number; recall_pct: number; f1_pct: number }, label: string) => {
    expect(Math.abs(100 * got.p - exp.precision_pct), `${label} P ${100 * got.p}`).toBeLessThanOrEqual(TOL);
    expect(Math.abs(100 * got.r - exp.recall_pct), `${label} R ${100 * got.r}`).toBeLessThanOrEqual(TOL);
    expect(Math.abs(100 * got.f - exp.f1_pct), `${label} F ${100 * got.f}`).toBeLessThanOrEqual(TOL);
  };
  for (const agg of ['Avg', 'Best'] as const) {
    for (const metric of Object.keys(ex.expected_percent_2dp[agg])) {
      it(`${agg} ${metric}`, () => {
        const scores = make(agg === 'Avg' ? 'avg' : 'best').getScores(ex.hypotheses, refs);
        check(scores[metric] as PRF, ex.expected_percent_2dp[agg][metric], `${agg} ${metric}`);
      });
    }
  }
  for (const e of ex.expected_percent_2dp.Individual) {
    it(`Individual ${e.metric} hyp ${e.hypothesis} ref ${e.reference}`, () => {
      const scores = make('individual').getScores(ex.hypotheses, refs);
      check((scores[e.metric] as PRF[][])[e.hypothesis][e.reference], e, `${e.metric}`);
    });
  }
});
