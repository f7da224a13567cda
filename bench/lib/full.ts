/**
 * `npm run bench -- --full`: SONAR at its real size without the official weights. A random checkpoint in the official
 * fairseq2 format (tools/tests/make_official_checkpoints.py, with a synthetic 256,000-piece SentencePiece model) is
 * written once under `.work/bench-full/`, converted once per variant by the app's own TypeScript converter
 * (scripts/convert-sonar.mts, whose time and peak RSS are the conversion figures), and each variant is then probed
 * in a process of its own (bench/lib/pack-probe.mts) so that RSS ÷ weight bytes is that variant's alone. Probes run
 * in alternating order over several rounds and the medians are reported, so background load drifts hit all
 * variants alike. `--full-scale small` runs the same path on the small template (seconds; used by the tests).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTemplate, templateFile, DEFAULT_TEMPLATES_DIR } from '../../main/engine/packs/convert/sonar.js';
import { cosine } from '../../main/engine/vec.js';
import { median } from './measure.js';

export type FullScale = 'full' | 'small';

export const SCALES: Record<FullScale, { pieces: number; dim: number; layers: number; ffn: number; template: string }> = {
  full: { pieces: 256000, dim: 1024, layers: 24, ffn: 8192, template: 'v256206-d1024-h16-f8192-e24-l24-p512' },
  small: { pieces: 1000, dim: 64, layers: 2, ffn: 128, template: 'v1206-d64-h1-f128-e2-l2-p512' },
};

export interface ConvertFigures {
  seconds: number;
  peakRssBytes: number;
  bytesWritten: number;
  /** which template graphs the pack was filled into (variantKey): a cached pack of an older template is redone */
  template?: string;
}

export interface ProbeAnswer {
  weightBytes: number;
  loadSeconds: number;
  rssLoadedBytes: number;
  peakRssLoadedBytes: number;
  peakRssBytes: number;
  encoder: { sentences: number; sentencesPerS: number };
  decoder: Record<'greedyBatched' | 'greedyOneAtATime' | 'beamBatched' | 'beamOneAtATime', { tokensPerS: number }> & {
    sentences: number;
    maxTokens: number;
    /** concept reranking of the batched beam's hypotheses (absent in probes from before it existed) */
    rerank?: { candidates: number; seconds: number; overBeamBatched: number };
  };
  embeddings: number[][];
  greedyTokens: number[][];
  beamTokens: number[][];
}

export interface VariantSummary {
  variant: string;
  packBytes: number;
  convert: ConvertFigures;
  rounds: number;
  loadSeconds: number;
  rssOverWeights: number;
  peakRssOverWeights: number;
  encoderSentencesPerS: number;
  greedyBatchedTokensPerS: number;
  greedyOneTokensPerS: number;
  beamBatchedTokensPerS: number;
  beamOneTokensPerS: number;
  /** concept reranking's time ÷ the batched beam search's (the encoder pass over its finished hypotheses) */
  rerankOverBeam?: number;
  /** each graph alone in a process (bench/lib/graph-memory.mts): RSS after opening it and the peak of a short run */
  graphs?: Record<'encoder' | 'decoder', GraphMemory>;
  /** vs the fp32 variant of the same run (absent for fp32 itself) */
  drift?: { cosineMin: number; cosineMean: number; greedyIdentical: number; beamIdentical: number; outputs: number };
  /** every round's probe figures, for the spread */
  samples: { loadSeconds: number[]; encoderSentencesPerS: number[]; greedyBatchedTokensPerS: number[]; beamBatchedTokensPerS: number[] };
}

const PYTHON = process.env.BENCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** Random official-format checkpoints + tokenizer of `scale` (written once). */
export function ensureCheckpoint(root: string, work: string, scale: FullScale, log: (m: string) => void): { dir: string; spm: string } {
  const s = SCALES[scale];
  const dir = join(work, 'checkpoint');
  const spm = join(dir, `sentencepiece.source.${s.pieces}.model`);
  if (existsSync(join(dir, 'sonar_text_decoder.pt')) && existsSync(spm)) return { dir, spm };
  mkdirSync(dir, { recursive: true });
  log(`writing a random ${scale}-size official-format checkpoint to ${dir} (once)`);
  const tools = join(root, 'tools', 'tests');
  execFileSync(PYTHON, ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(tools)}); import official_format as off; off.write_spm(${JSON.stringify(spm)}, ${s.pieces})`], { stdio: 'inherit' });
  execFileSync(PYTHON, [join(tools, 'make_official_checkpoints.py'), '--out', dir, '--spm', spm, '--dim', String(s.dim),
    '--layers', String(s.layers), '--ffn', String(s.ffn), '--lcm-dim', '64'], { stdio: 'inherit' });
  return { dir, spm };
}

/** Variants the bundled template of `scale` can produce: fp32 plus its `variants`. */
export function templateVariants(scale: FullScale, templatesDir = DEFAULT_TEMPLATES_DIR): string[] {
  const tpl = loadTemplate(templatesDir, SCALES[scale].template);
  return ['fp32', ...Object.keys(tpl.variants ?? {})];
}

/** A digest of the template graphs a variant is filled into: changes whenever the template's variant does. */
export function variantKey(scale: FullScale, variant: string, templatesDir = DEFAULT_TEMPLATES_DIR): string {
  const tpl = loadTemplate(templatesDir, SCALES[scale].template);
  const graphs = (variant === 'fp32' ? tpl.graphs : (tpl.variants as Record<string, unknown> | undefined)?.[variant]) as
    Record<string, { file: string }> | undefined;
  if (!graphs) throw new Error(`template ${SCALES[scale].template} has no ${variant} variant`);
  const h = createHash('sha256').update(JSON.stringify(graphs));
  // the graph files too: a change of nodes alone (same tensors) must convert again
  for (const g of Object.keys(graphs).sort()) h.update(templateFile(join(templatesDir, SCALES[scale].template, graphs[g].file)) ?? '');
  return h.digest('hex').slice(0, 16);
}

/** The converted pack of one variant (converted once per template version, in a child process: its time and peak
 * RSS are recorded). */
export function ensurePack(root: string, work: string, ckpt: { dir: string; spm: string }, variant: string,
  log: (m: string) => void, template: string): { dir: string; convert: ConvertFigures } {
  const base = join(work, 'packs', variant);
  const dir = join(base, 'sonar');
  const figures = join(base, 'convert.json');
  if (existsSync(join(dir, 'pack.json')) && existsSync(figures)) {
    const cached = JSON.parse(readFileSync(figures, 'utf8')) as ConvertFigures;
    if (cached.template === template) return { dir, convert: cached };
    log(`the cached ${variant} pack was converted from another version of its template: converting again`);
  }
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  log(`converting the ${variant} variant with the TypeScript converter (once)`);
  const res = childJson<ConvertFigures>(join(root, 'scripts', 'convert-sonar.mts'), [
    '--encoder', join(ckpt.dir, 'sonar_text_encoder.pt'), '--decoder', join(ckpt.dir, 'sonar_text_decoder.pt'),
    '--spm', ckpt.spm, '--out', dir, '--variant', variant], `converting the ${variant} variant`);
  const convert = { seconds: res.seconds, peakRssBytes: res.peakRssBytes, bytesWritten: res.bytesWritten, template };
  writeFileSync(figures, JSON.stringify(convert));
  return { dir, convert };
}

/**
 * A TypeScript script in a child process of its own (so that its peak RSS is its own), whose last stdout line is its
 * JSON answer; stderr passes through.
 */
function childJson<T>(script: string, args: string[], what: string): T {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as T;
}

export function probe(root: string, packDir: string, sentencesFile: string, threads: number, decode: number, maxTokens: number): ProbeAnswer {
  return childJson(join(root, 'bench', 'lib', 'pack-probe.mts'), ['--pack', packDir, '--sentences', sentencesFile,
    '--threads', String(threads), '--decode', String(decode), '--max-tokens', String(maxTokens)], `probing ${packDir}`);
}

export interface GraphMemory {
  weightBytes: number;
  rssBeforeBytes: number;
  rssLoadedBytes: number;
  peakRssBytes: number;
}

/** One graph of a pack opened alone in a child process: its memory figures. */
export function graphMemory(root: string, packDir: string, graph: 'encoder' | 'decoder', sentencesFile: string, threads: number): GraphMemory {
  return childJson(join(root, 'bench', 'lib', 'graph-memory.mts'), ['--pack', packDir, '--graph', graph,
    '--sentences', sentencesFile, '--threads', String(threads)], `measuring the ${graph} of ${packDir} alone`);
}

const same = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((v, i) => v === y[i]);

/** Drift of a variant's outputs from fp32's, on the same inputs. */
export function drift(ref: ProbeAnswer, v: ProbeAnswer): NonNullable<VariantSummary['drift']> {
  const cos = v.embeddings.map((e, i) => cosine(e, ref.embeddings[i]));
  return {
    cosineMin: Math.min(...cos),
    cosineMean: cos.reduce((s, x) => s + x, 0) / cos.length,
    greedyIdentical: v.greedyTokens.filter((t, i) => same(t, ref.greedyTokens[i])).length / v.greedyTokens.length,
    beamIdentical: v.beamTokens.filter((t, i) => same(t, ref.beamTokens[i])).length / v.beamTokens.length,
    outputs: v.greedyTokens.length,
  };
}

/** Medians over the rounds of one variant's probes. */
export function summarize(variant: string, convert: ConvertFigures, probes: ProbeAnswer[], ref?: ProbeAnswer): VariantSummary {
  const m = (f: (p: ProbeAnswer) => number) => median(probes.map(f));
  const p0 = probes[0];
  return {
    variant, packBytes: p0.weightBytes, convert, rounds: probes.length,
    loadSeconds: m((p) => p.loadSeconds),
    rssOverWeights: m((p) => p.rssLoadedBytes / p.weightBytes),
    peakRssOverWeights: m((p) => p.peakRssBytes / p.weightBytes),
    encoderSentencesPerS: m((p) => p.encoder.sentencesPerS),
    greedyBatchedTokensPerS: m((p) => p.decoder.greedyBatched.tokensPerS),
    greedyOneTokensPerS: m((p) => p.decoder.greedyOneAtATime.tokensPerS),
    beamBatchedTokensPerS: m((p) => p.decoder.beamBatched.tokensPerS),
    beamOneTokensPerS: m((p) => p.decoder.beamOneAtATime.tokensPerS),
    ...(probes.every((p) => p.decoder.rerank) ? { rerankOverBeam: m((p) => p.decoder.rerank!.overBeamBatched) } : {}),
    ...(ref && variant !== 'fp32' ? { drift: drift(ref, p0) } : {}),
    samples: {
      loadSeconds: probes.map((p) => p.loadSeconds), encoderSentencesPerS: probes.map((p) => p.encoder.sentencesPerS),
      greedyBatchedTokensPerS: probes.map((p) => p.decoder.greedyBatched.tokensPerS),
      beamBatchedTokensPerS: probes.map((p) => p.decoder.beamBatched.tokensPerS),
    },
  };
}

export interface FullOptions {
  root: string;
  scale: FullScale;
  threads: number;
  rounds: number;
  sentences: readonly string[];
  decode: number;
  maxTokens: number;
  log: (m: string) => void;
}

/** Prepare every variant, probe them round-robin (the order reversed every other round), summarize. */
export function benchVariants(o: FullOptions): { fp32Dir: string; variants: VariantSummary[] } {
  const work = join(o.root, '.work', o.scale === 'full' ? 'bench-full' : 'bench-full-small');
  const ckpt = ensureCheckpoint(o.root, work, o.scale, o.log);
  const names = templateVariants(o.scale);
  const packs = Object.fromEntries(names.map((v) => [v, ensurePack(o.root, work, ckpt, v, o.log, variantKey(o.scale, v))]));
  const sentencesFile = join(work, 'sentences.json');
  writeFileSync(sentencesFile, JSON.stringify(o.sentences));
  const probes: Record<string, ProbeAnswer[]> = Object.fromEntries(names.map((v) => [v, []]));
  for (let r = 0; r < o.rounds; r++) {
    for (const v of r % 2 ? [...names].reverse() : names) {
      o.log(`probing ${v} (round ${r + 1}/${o.rounds})`);
      probes[v].push(probe(o.root, packs[v].dir, sentencesFile, o.threads, o.decode, o.maxTokens));
      // kept on disk as they come: a run stopped in its later (PyTorch) sections still leaves the variant figures
      writeFileSync(join(work, 'probes.json'), JSON.stringify(probes));
    }
  }
  const ref = probes.fp32[0];
  const variants = names.map((v) => summarize(v, packs[v].convert, probes[v], ref));
  for (const v of variants) {
    o.log(`opening the ${v.variant} graphs one at a time (memory)`);
    v.graphs = {
      encoder: graphMemory(o.root, packs[v.variant].dir, 'encoder', sentencesFile, o.threads),
      decoder: graphMemory(o.root, packs[v.variant].dir, 'decoder', sentencesFile, o.threads),
    };
  }
  return { fp32Dir: packs.fp32.dir, variants };
}
