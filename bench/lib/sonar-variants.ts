/**
 * Drift, size, load time and memory of the SONAR pack variants (fp32, fp16, int8: main/engine/packs/convert/sonar.ts)
 * against fp32, measured in one run: `npm run bench -- --sections variants` and `scripts/sonar-variants.mts`.
 *
 * Every variant is converted by the app's TypeScript converter from the same official-format checkpoints — random
 * ones at the committed small template size (tools/tests/make_official_checkpoints.py), or a trained pack's weights
 * (the bundled mini pack, written as checkpoints by tools/tests/pack_to_official.py) — and compared with the fp32
 * pack of the same run on held-out English sentences (test/fixtures/heldout.json, Tatoeba; no UDHR):
 *   - embedding cosine to fp32 (min, mean), next to the trivial baseline (fp32 cosine between different sentences);
 *   - decoder log-prob drift on teacher-forced steps: both decoders get the fp32 embedding and the same target
 *     tokens ([eos, lang] + the sentence's pieces + [eos]); |Δ log p| of the target token (mean, max) and the largest
 *     |Δ log p| over the whole vocabulary;
 *   - identical greedy outputs: each variant decodes its own embedding; next to the fragility baseline: the fp32 pack
 *     decoding its own embeddings moved in a random direction to the cosine the int8 embeddings have (a concept change
 *     of that size alone, decoder untouched; five fixed random directions): how many outputs a pack's near-ties flip
 *     before any weight is quantized;
 *   - meaning: chrF of each variant's greedy round trip against its source, the paired difference to fp32 and the
 *     outputs that differ from fp32's scored on both sides (bench/lib/roundtrip-meaning.ts), next to fp32's decode of
 *     another sentence's concept; the same for the app's own decoding (the pack's beam and concept reranking), the
 *     text a user reads, with its identical-output count;
 *   - pack size on disk, and load time and RSS after loading both graphs, each in a fresh process
 *     (bench/lib/variant-load.ts), so one variant's memory does not hide another's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { convertSonar, type SonarVariant } from '../../main/engine/packs/convert/sonar.js';
import { loadSonarPack } from '../../main/engine/packs/load.js';
import { SonarModel } from '../../main/engine/sonar/model.js';
import { Rng } from '../../main/engine/lcm/rng.js';
import { otherConceptBaseline, roundTripMeaning, type RoundTripMeaning } from './roundtrip-meaning.js';

export const VARIANTS: readonly SonarVariant[] = ['fp32', 'fp16', 'int8'];

export interface LoadFigures {
  load_s: number;
  rss_mb: number;
  /** after encoder runs and decoder steps (arena; weights pages touched) */
  rss_after_run_mb: number;
  /** the anonymous part (not the mmapped weights files; Linux, else null) */
  anon_mb: number | null;
  anon_after_run_mb: number | null;
  encoder_run_ms: number;
  decoder_step_ms: number;
}

export interface VariantFigures {
  variant: SonarVariant;
  size_bytes: number;
  size_ratio: number;
  /** the graphs and their external data only (without the tokenizer and pack.json) */
  weights_bytes: number;
  weights_ratio: number;
  cosine_to_fp32: { mean: number; min: number };
  logprob_diff_target: { mean: number; max: number };
  logprob_diff_vocab_max: number;
  greedy_identical: { count: number; share: number };
  /** the variant's decoder on fp32's concepts: what its decoder alone keeps (its encoder's drift left out) */
  greedy_identical_fp32_concepts: { count: number; share: number };
  /** fp32's decoder on this variant's concepts: what its encoder alone keeps (its decoder's drift left out) */
  greedy_identical_fp32_decoder: { count: number; share: number };
  /** the greedy round trips' chrF against their sources, against fp32's */
  roundtrip: RoundTripMeaning;
  /** the app's decoding (pack defaults: beam, reranking): identical texts to fp32's and their meaning */
  app_identical: { count: number; share: number };
  app_roundtrip: RoundTripMeaning;
  load: LoadFigures;
  load_ratio: number;
  rss_ratio: number;
}

export interface VariantsReport {
  source: string;
  sentences: number;
  teacher_forced_steps: number;
  baseline_cosine_other_sentence: number;
  /** mean chrF of fp32's round trip of the next sentence's concept against each source: the meaning floor */
  baseline_roundtrip_chrf_other_concept: number;
  /** the app's decoding as the pack configures it, e.g. "beam 5, reranking on" */
  app_decoding: string;
  threads: number;
  variants: VariantFigures[];
  /** fp32 greedy on its embeddings perturbed to int8's cosine, per sentence (see the header) */
  fragility: { cosine_mean: number; draws: number[]; greedy_identical: { count: number; share: number } };
}

const PY = process.env.BENCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

function py(root: string, args: string[]): void {
  execFileSync(PY, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Held-out English sentences: Tatoeba test split of test/fixtures/heldout.json (never UDHR). */
export function heldoutSentences(root: string, n: number): string[] {
  const h = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'heldout.json'), 'utf8')) as { english: string[]; pairs: { eng: string }[] };
  return [...new Set([...h.english, ...h.pairs.map((p) => p.eng)])].slice(0, n);
}

export interface Checkpoints {
  encoder: string;
  decoder: string;
  spm: string;
  templatesDir?: string;
  label: string;
}

/** Random official-format checkpoints of the committed small template (d 64, 2+2 layers, test tokenizer). */
export function randomCheckpoints(root: string, work: string): Checkpoints {
  const spm = join(root, 'test', 'fixtures', 'random', 'test_model.model');
  py(root, [join(root, 'tools', 'tests', 'make_official_checkpoints.py'), '--out', join(work, 'ck-random'), '--spm', spm, '--dim', '64']);
  return { encoder: join(work, 'ck-random', 'sonar_text_encoder.pt'), decoder: join(work, 'ck-random', 'sonar_text_decoder.pt'), spm,
    label: 'random checkpoint, small template (d 64, 2+2 layers)' };
}

/** A trained pack's weights as official checkpoints, with a template generated for its size. */
export function packCheckpoints(root: string, packDir: string, work: string, label: string): Checkpoints {
  const json = loadSonarPack(packDir).json;
  const c = json.config as { model_dim: number; encoder_layers: number; ffn_dim: number };
  const ck = join(work, `ck-${label.replace(/\W+/g, '-')}`);
  py(root, [join(root, 'tools', 'tests', 'pack_to_official.py'), packDir, ck]);
  const tpl = join(ck, 'templates');
  py(root, [join(root, 'tools', 'make_sonar_templates.py'), '--out', tpl, '--spm', join(packDir, json.tokenizer.file),
    '--dim', String(c.model_dim), '--layers', String(c.encoder_layers), '--ffn', String(c.ffn_dim)]);
  return { encoder: join(ck, 'sonar_text_encoder.pt'), decoder: join(ck, 'sonar_text_decoder.pt'), spm: join(packDir, json.tokenizer.file),
    templatesDir: tpl, label };
}

export async function convertVariants(ck: Checkpoints, out: string): Promise<Record<SonarVariant, string>> {
  const dirs = {} as Record<SonarVariant, string>;
  for (const v of VARIANTS) {
    dirs[v] = join(out, v);
    if (!existsSync(dirs[v])) await convertSonar({ encoder: ck.encoder, decoder: ck.decoder, spm: ck.spm, templatesDir: ck.templatesDir, out: dirs[v], variant: v });
  }
  return dirs;
}

export function dirBytes(dir: string, only?: RegExp): number {
  return readdirSync(dir).filter((n) => !only || only.test(n)).reduce((s, n) => s + statSync(join(dir, n)).size, 0);
}

/** Load time and RSS of a pack in a fresh process (bench/lib/variant-load.ts). */
export function measureLoad(root: string, packDir: string, threads: number, extra: string[] = []): LoadFigures {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'lib', 'variant-load.ts'), packDir, '--threads', String(threads), ...extra],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').pop()!) as LoadFigures;
}

const cos = (x: Float32Array, y: Float32Array) => {
  let d = 0, nx = 0, ny = 0;
  for (let i = 0; i < x.length; i++) { d += x[i] * y[i]; nx += x[i] * x[i]; ny += y[i] * y[i]; }
  return d / Math.sqrt(nx * ny);
};
const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
const FRAGILITY_DRAWS = 5;

/**
 * `e` turned by the angle whose cosine is `c`, towards a random direction orthogonal to it, keeping its norm:
 * cos(e, result) = c exactly (up to rounding).
 */
export function perturbToCosine(e: Float32Array, c: number, next: () => number): Float32Array {
  const g = Float64Array.from(e, () => next());
  let ee = 0, ge = 0;
  for (let i = 0; i < e.length; i++) { ee += e[i] * e[i]; ge += g[i] * e[i]; }
  let gg = 0;
  for (let i = 0; i < e.length; i++) { g[i] -= (ge / ee) * e[i]; gg += g[i] * g[i]; }
  const scale = Math.sqrt(ee / gg) * Math.sqrt(Math.max(0, 1 - c * c));
  const cc = Math.min(1, c);
  return Float32Array.from(e, (x, i) => cc * x + scale * g[i]);
}

/** Greedy outputs of `m` on `embs` into English: token ids joined (compared as strings) and their text. */
export async function greedyOutputs(m: SonarModel, embs: Float32Array[], maxTokens: number): Promise<{ ids: string[]; texts: string[] }> {
  const res = await m.decodeIds(embs, 'eng_Latn', { greedy: true, maxTokens });
  return { ids: res.map((r) => r.tokens.join()), texts: res.map((r) => m.tokenizer.decode(r.tokens)) };
}

/** Log-probs at every teacher-forced step of `target` (the prediction of target[k+1] after target[0..k], k ≥ 1). */
async function teacherForced(m: SonarModel, emb: Float32Array, target: number[]): Promise<Float32Array[]> {
  let cache = m.decoder.emptyCache(1);
  const out: Float32Array[] = [];
  // position 0 (eos) alone, as the beam search runs it; then one token at a time
  for (let k = 0; k < target.length - 1; k++) {
    const r = await m.decoder.step([target[k]], 1, emb, cache);
    cache = r.cache;
    if (k >= 1) out.push(r.logprobs);
  }
  return out;
}

interface VariantRun {
  embs: Float32Array[];
  greedy: string[];
  texts: string[];
  /** the app's decoding of `embs` with the pack's defaults */
  appTexts: string[];
  greedyOnFp32: string[];
  /** per sentence, per step: log-probs with the fp32 embedding */
  forced: Float32Array[][];
}

/** Drift of every variant against fp32 on `sentences`, plus sizes and load figures; one run. */
export async function measureVariants(root: string, ck: Checkpoints, work: string, sentences: string[],
  opts: { threads: number; maxTokens?: number; log?: (s: string) => void }): Promise<VariantsReport> {
  const log = opts.log ?? (() => undefined);
  const maxTokens = opts.maxTokens ?? 48;
  const dirs = await convertVariants(ck, work);
  const cfg = { provider: 'cpu' as const, threads: opts.threads };
  const runs = {} as Record<SonarVariant, VariantRun>;
  let targets: number[][] = [];
  let fp32Embs: Float32Array[] = [];
  let appDecoding = '';
  for (const v of VARIANTS) {
    log(`variants: ${ck.label}: ${v}`);
    const m = await SonarModel.load(dirs[v], cfg);
    try {
      const embs = await m.encodeTexts(sentences, 'eng_Latn');
      if (v === 'fp32') {
        fp32Embs = embs;
        const lang = m.tokenizer.langId('eng_Latn');
        // decoder targets: [eos, lang] + the sentence's pieces + [eos] (the encoder ids are [lang] pieces [eos])
        targets = sentences.map((s) => [m.pack.json.tokenizer.eos, lang, ...m.tokenize(s, 'eng_Latn').slice(1)]);
      }
      const { ids: greedy, texts } = await greedyOutputs(m, embs, maxTokens);
      const greedyOnFp32 = v === 'fp32' ? greedy : (await greedyOutputs(m, fp32Embs, maxTokens)).ids;
      const appTexts = (await m.decodeTexts(embs, 'eng_Latn', { maxTokens })).map((d) => d.text);
      const dec = m.pack.json.decoding;
      appDecoding = `beam ${dec.beam ?? 5}, reranking ${dec.rerank ? 'on' : 'off'}`;
      const forced: Float32Array[][] = [];
      for (let i = 0; i < sentences.length; i++) forced.push(await teacherForced(m, fp32Embs[i], targets[i]));
      runs[v] = { embs, greedy, texts, appTexts, greedyOnFp32, forced };
    } finally {
      await m.dispose();
    }
  }
  const f = runs.fp32;
  const loads = {} as Record<SonarVariant, LoadFigures>;
  for (const v of VARIANTS) {
    log(`variants: ${ck.label}: load ${v}`);
    loads[v] = measureLoad(root, dirs[v], opts.threads);
  }
  const sizes = Object.fromEntries(VARIANTS.map((v) => [v, dirBytes(dirs[v])])) as Record<SonarVariant, number>;
  const weights = Object.fromEntries(VARIANTS.map((v) => [v, dirBytes(dirs[v], /\.onnx(\.data)?$/)])) as Record<SonarVariant, number>;
  const variantFigures = (v: SonarVariant): VariantFigures => {
    const r = runs[v];
    const cosines = r.embs.map((e, i) => cos(e, f.embs[i]));
    const dTarget: number[] = [];
    let dVocab = 0;
    for (let i = 0; i < sentences.length; i++) {
      for (let k = 0; k < r.forced[i].length; k++) {
        const a = f.forced[i][k], b = r.forced[i][k];
        dTarget.push(Math.abs(a[targets[i][k + 2]] - b[targets[i][k + 2]]));
        for (let j = 0; j < a.length; j++) dVocab = Math.max(dVocab, Math.abs(a[j] - b[j]));
      }
    }
    const same = r.greedy.filter((g, i) => g === f.greedy[i]).length;
    const sameDec = r.greedyOnFp32.filter((g, i) => g === f.greedy[i]).length;
    const sameApp = r.appTexts.filter((t, i) => t === f.appTexts[i]).length;
    return {
      variant: v, size_bytes: sizes[v], size_ratio: sizes[v] / sizes.fp32, weights_bytes: weights[v], weights_ratio: weights[v] / weights.fp32,
      cosine_to_fp32: { mean: mean(cosines), min: Math.min(...cosines) },
      logprob_diff_target: { mean: mean(dTarget), max: Math.max(...dTarget) }, logprob_diff_vocab_max: dVocab,
      greedy_identical: { count: same, share: same / sentences.length },
      greedy_identical_fp32_concepts: { count: sameDec, share: sameDec / sentences.length },
      greedy_identical_fp32_decoder: { count: byFp32Decoder[v], share: byFp32Decoder[v] / sentences.length },
      roundtrip: roundTripMeaning(sentences, f.texts, r.texts),
      app_identical: { count: sameApp, share: sameApp / sentences.length },
      app_roundtrip: roundTripMeaning(sentences, f.appTexts, r.appTexts),
      load: loads[v], load_ratio: loads[v].load_s / loads.fp32.load_s, rss_ratio: loads[v].rss_mb / loads.fp32.rss_mb,
    };
  };
  const other = f.embs.map((e, i) => cos(e, f.embs[(i + 1) % f.embs.length]));
  // the fragility baseline: fp32 decoding its own concepts turned by int8's angle, decoder untouched; one random
  // direction is one draw of which near-ties flip, so FRAGILITY_DRAWS directions, the same ones in every run
  const rng = new Rng(20261201);
  const next = () => rng.normal();
  const counts: number[] = [];
  const cosines: number[] = [];
  const byFp32Decoder = {} as Record<SonarVariant, number>;
  const m32 = await SonarModel.load(dirs.fp32, cfg);
  try {
    for (const v of VARIANTS) {
      const out = v === 'fp32' ? f.greedy : (await greedyOutputs(m32, runs[v].embs, maxTokens)).ids;
      byFp32Decoder[v] = out.filter((g, i) => g === f.greedy[i]).length;
    }
    for (let d = 0; d < FRAGILITY_DRAWS; d++) {
      const moved = f.embs.map((e, i) => perturbToCosine(e, cos(runs.int8.embs[i], e), next));
      cosines.push(...moved.map((e, i) => cos(e, f.embs[i])));
      const out = (await greedyOutputs(m32, moved, maxTokens)).ids;
      counts.push(out.filter((g, i) => g === f.greedy[i]).length);
    }
  } finally {
    await m32.dispose();
  }
  const variants = VARIANTS.map(variantFigures);
  return { source: ck.label, sentences: sentences.length, teacher_forced_steps: targets.reduce((s, t) => s + t.length - 2, 0),
    baseline_cosine_other_sentence: mean(other), baseline_roundtrip_chrf_other_concept: otherConceptBaseline(sentences, f.texts),
    app_decoding: appDecoding, threads: opts.threads, variants,
    fragility: { cosine_mean: mean(cosines), draws: counts, greedy_identical: { count: mean(counts), share: mean(counts) / sentences.length } } };
}

/** The report as a Markdown table (docs, the bench's printout). */
export function variantsMarkdown(r: VariantsReport): string {
  const num = (x: number, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : '—');
  const lines = [
    `${r.source}: ${r.sentences} held-out sentences, ${r.teacher_forced_steps} teacher-forced steps, ${r.threads} threads; ` +
      `baseline cosine between different sentences (fp32): ${num(r.baseline_cosine_other_sentence, 3)}`,
    '',
    '| variant | cosine to fp32 (mean / min) | Δ log p target (mean / max) | max Δ log p (vocab) | greedy identical | its decoder on fp32 concepts | fp32 decoder on its concepts | pack size (×fp32) | graphs + weights ×fp32 | load s (×fp32) | RSS MB (×fp32) | RSS after a run MB |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const v of r.variants) {
    lines.push(`| ${v.variant} | ${num(v.cosine_to_fp32.mean, 8)} / ${num(v.cosine_to_fp32.min, 8)} | ` +
      `${v.logprob_diff_target.mean.toExponential(2)} / ${v.logprob_diff_target.max.toExponential(2)} | ${v.logprob_diff_vocab_max.toExponential(2)} | ` +
      `${v.greedy_identical.count}/${r.sentences} (${(100 * v.greedy_identical.share).toFixed(0)} %) | ` +
      `${v.greedy_identical_fp32_concepts.count}/${r.sentences} (${(100 * v.greedy_identical_fp32_concepts.share).toFixed(0)} %) | ` +
      `${v.greedy_identical_fp32_decoder.count}/${r.sentences} (${(100 * v.greedy_identical_fp32_decoder.share).toFixed(0)} %) | ${(v.size_bytes / 1e6).toFixed(2)} MB (${num(v.size_ratio, 2)}) | ` +
      `${num(v.weights_ratio, 3)} | ${num(v.load.load_s, 3)} (${num(v.load_ratio, 2)}) | ${num(v.load.rss_mb, 0)} (${num(v.rss_ratio, 2)}) | ${num(v.load.rss_after_run_mb, 0)} |`);
  }
  const fr = r.fragility;
  lines.push('', `Fragility baseline: fp32 greedy on its own concepts turned to int8's cosine (mean ${num(fr.cosine_mean, 8)}), ` +
    `decoder unchanged, ${fr.draws.length} random directions: ${fr.draws.join(', ')} of ${r.sentences} identical ` +
    `(mean ${(100 * fr.greedy_identical.share).toFixed(0)} %).`);
  lines.push('', `Meaning (chrF of each round trip against its source sentence; fp32's greedy decode of another sentence's ` +
    `concept: ${num(r.baseline_roundtrip_chrf_other_concept, 1)}). Greedy, and the app's decoding (${r.app_decoding}):`, '',
  '| variant | decoding | identical to fp32 | round-trip chrF | Δ chrF vs fp32 (95 % interval) | their chrF where outputs differ: fp32 → variant | better / worse |',
  '|---|---|---|---|---|---|---|');
  for (const v of r.variants) {
    for (const [mode, same, t] of [['greedy', v.greedy_identical.count, v.roundtrip], ['app', v.app_identical.count, v.app_roundtrip]] as const) {
      lines.push(`| ${v.variant} | ${mode} | ${same}/${r.sentences} | ${num(t.chrf, 1)} | ${t.delta.mean >= 0 ? '+' : ''}${num(t.delta.mean, 2)} ` +
        `(${num(t.delta.lo, 2)} … ${num(t.delta.hi, 2)}) | ${t.changed.count ? `${num(t.changed.fp32, 1)} → ${num(t.changed.variant, 1)}` : '—'} | ` +
        `${t.changed.better} / ${t.changed.worse} |`);
    }
  }
  return lines.join('\n');
}
