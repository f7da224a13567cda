/**
 * `npm run bench` — onnxruntime-node (the engine's code paths) against the PyTorch reference implementation of the
 * same graphs with the same weights (read from the same ONNX files) and the same thread count, in one run, on one
 * machine; plus the machine's matrix-multiply peak. Prints a table, writes bench/results/latest.json.
 * What every figure means: bench/README.md.
 *
 *   npm run bench -- [--pack-dir DIR] [--threads N] [--full-size] [--quick] [--to LANG] [--out FILE]
 *                    [--bundled-data] [--sections peak,encoder,decoder,e2e,lcm,full,variants]
 *   npm run bench -- --full [--full-scale full|small] [--rounds N]   # SONAR at its real size, every variant
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { SonarModel } from '../main/engine/sonar/model.js';
import { planBatches } from '../main/engine/sonar/encoder.js';
import { createSession } from '../main/engine/runtime/session.js';
import { sessionRunner } from '../main/engine/runtime/tensors.js';
import { benchLcmWorker } from './lib/lcm-worker.js';
import { benchDecoderPaths } from './lib/decoder-paths.js';
import { segment } from '../main/engine/text/segmenter.js';
import { selectSentences } from '../main/engine/tasks/extractive.js';
import { createBaseLcm, createTwoTowerLcm, readLcmPack, type LcmPackJson } from '../main/engine/lcm/pack.js';
import { Rng } from '../main/engine/lcm/rng.js';
import type { Normalizer } from '../main/engine/lcm/normalizer.js';
import { loadBenchData } from './lib/data.js';
import { encoderBatchFlops, encoderFlops, type EncoderShape } from './lib/flops.js';
import { measure, policyJson, roundPolicy, timingOf, type Policy, type Timing } from './lib/measure.js';
import { TorchChild, type TorchAnswer } from './lib/torch.js';
import { benchVariants as benchFullVariants, type FullScale, type VariantSummary } from './lib/full.js';
import { heldoutSentences, measureVariants, packCheckpoints, randomCheckpoints, variantsMarkdown, type VariantsReport } from './lib/sonar-variants.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ------------------------------------------------------------------------------------------------ options
interface Options {
  packDir: string;
  threads: number;
  fullSize: boolean;
  quick: boolean;
  to: string;
  out: string;
  bundledData: boolean;
  sections: Set<string>;
  /** --full: a random full-size checkpoint converted to every variant (bench/lib/full.ts) */
  full: boolean;
  fullScale: FullScale;
  rounds: number;
}

const ALL_SECTIONS = ['peak', 'encoder', 'decoder', 'e2e', 'lcm', 'full', 'variants', 'full-variants'];

function usage(): never {
  console.log(`usage: npm run bench -- [--pack-dir DIR] [--threads N] [--full-size] [--quick] [--to LANG] [--out FILE]
                      [--bundled-data] [--sections ${ALL_SECTIONS.join(',')}]
  --pack-dir      folder holding sonar/, base-lcm/, two-tower-lcm/ (default models/mini if present, else
                  test/fixtures/random)
  --threads       intra-op threads on both sides (default 2)
  --full-size     also time one SONAR-shaped encoder layer (d=1024, ffn 8192, 16 heads, random weights)
  --quick         shorter timing budgets (a smoke run; numbers are noisier)
  --to            target language of the end-to-end summaries (default fra_Latn)
  --bundled-data  use bench/data/udhr_en.jsonl even when ../shared/data is present
  --out           results file (default bench/results/latest.json)
  --full          SONAR at its real size: a random official-format checkpoint (written once under .work/bench-full/)
                  converted by the app's converter to every variant the template has (fp32, int8, ...); the encoder
                  and decoder sections run on the fp32 pack against PyTorch, and each variant is probed in its own
                  process (load time, RSS ÷ weights, speed, drift from fp32). Takes 20-40 min the first time.
  --full-scale    small: the same path on the small template (a smoke run of --full in seconds)
  --rounds        probe rounds per variant with --full (default 2; alternating order)`);
  process.exit(0);
}

function parseArgs(argv: string[]): Options {
  const mini = join(ROOT, 'models', 'mini');
  const o: Options = {
    packDir: existsSync(join(mini, 'sonar', 'pack.json')) ? mini : join(ROOT, 'test', 'fixtures', 'random'),
    threads: 2,
    fullSize: false,
    quick: false,
    to: 'fra_Latn',
    out: join(ROOT, 'bench', 'results', 'latest.json'),
    bundledData: false,
    sections: new Set(ALL_SECTIONS),
    full: false,
    fullScale: 'full',
    rounds: 2,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--pack-dir') o.packDir = resolve(val());
    else if (a === '--threads') o.threads = Number(val());
    else if (a === '--full-size') o.fullSize = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--to') o.to = val();
    else if (a === '--out') o.out = resolve(val());
    else if (a === '--bundled-data') o.bundledData = true;
    else if (a === '--sections') o.sections = new Set(val().split(',').map((s) => s.trim()));
    else if (a === '--full') o.full = true;
    else if (a === '--full-scale') o.fullScale = val() as FullScale;
    else if (a === '--rounds') o.rounds = Number(val());
    else if (a === '--help' || a === '-h') usage();
    else throw new Error(`unknown option ${a} (--help)`);
  }
  if (!(Number.isInteger(o.threads) && o.threads >= 1)) throw new Error('--threads must be a positive integer');
  for (const s of o.sections) if (!ALL_SECTIONS.includes(s)) throw new Error(`unknown section ${s}`);
  if (!o.fullSize) o.sections.delete('full');
  if (!o.full) o.sections.delete('full-variants');
  else o.sections.add('full');
  if (!['full', 'small'].includes(o.fullScale)) throw new Error('--full-scale must be full or small');
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) throw new Error('--rounds must be a positive integer');
  if (o.full) {
    // the real-size packs have no LCM, and an end-to-end summary on random weights measures nothing new
    // (the 'variants' section's drift figures on small packs run without --full)
    for (const s of ['e2e', 'lcm', 'full', 'variants']) o.sections.delete(s);
    o.sections.add('full-variants');
  }
  return o;
}

// ------------------------------------------------------------------------------------------------ results
interface Row {
  section: string;
  metric: string;
  unit: string;
  ort: number | null;
  torch: number | null;
  /** ORT speed over PyTorch speed (>1: onnxruntime faster); null when not a comparison */
  speedup: number | null;
  note?: string;
}

const rows: Row[] = [];
const details: Record<string, unknown> = {};
const notes: string[] = [];

/** higher-is-better figures (throughputs): speedup = ort / torch; times: speedup = torch / ort */
function row(section: string, metric: string, unit: string, ortV: number | null, torchV: number | null,
  higherIsBetter: boolean, note?: string): void {
  let speedup: number | null = null;
  if (ortV !== null && torchV !== null && ortV > 0 && torchV > 0) speedup = higherIsBetter ? ortV / torchV : torchV / ortV;
  rows.push({ section, metric, unit, ort: ortV, torch: torchV, speedup, ...(note ? { note } : {}) });
}

function fmt(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 10) return x.toFixed(2);
  if (a >= 1) return x.toFixed(3);
  return x.toPrecision(3);
}

function printTable(): void {
  const head = ['section', 'metric', 'unit', 'onnxruntime', 'PyTorch', 'ORT speed-up', 'note'];
  const body = rows.map((r) => [r.section, r.metric, r.unit, fmt(r.ort), fmt(r.torch),
    r.speedup === null ? '—' : `×${r.speedup.toFixed(2)}`, r.note ?? '']);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 && i <= 5 ? c.padStart(w[i]) : c.padEnd(w[i]))).join(' | ').trimEnd();
  console.log('\n' + line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('-|-'));
  for (const b of body) console.log(line(b));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}


function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function timingJson(t: Timing): Record<string, unknown> {
  return { median_s: t.median_s, min_s: t.min_s, reps: t.reps };
}

interface Compared {
  ort: Timing;
  torch: Timing;
  /** the PyTorch answer of the last round (outputs for the parity checks) */
  answer: TorchAnswer;
}

/**
 * One figure for both runtimes: `p.rounds` rounds, each timing onnxruntime and then PyTorch (the order alternates
 * from round to round), samples pooled, so a slow drift in background load hits both sides alike.
 */
async function compare(torch: TorchChild, ortFn: () => Promise<unknown> | unknown, job: Record<string, unknown>, p: Policy): Promise<Compared> {
  const ortS: number[] = [];
  const torchS: number[] = [];
  let answer: TorchAnswer | undefined;
  for (let r = 0; r < (p.rounds ?? 1); r++) {
    const rp = roundPolicy(p, r);
    const runOrt = async () => { ortS.push(...(await measure(ortFn, rp)).samples); };
    const runTorch = async () => {
      answer = await torch.call({ ...job, ...policyJson(rp) });
      torchS.push(...(answer.samples as number[]));
    };
    if (r % 2 === 0) { await runOrt(); await runTorch(); } else { await runTorch(); await runOrt(); }
  }
  return { ort: timingOf(ortS), torch: timingOf(torchS), answer: answer as TorchAnswer };
}

// ------------------------------------------------------------------------------------------------ main
async function main(): Promise<void> {
  const opt = parseArgs(process.argv.slice(2));
  const q = opt.quick;
  const fast: Policy = q ? { warmup: 1, budgetS: 0.3, minReps: 2, rounds: 2 } : { warmup: 1, budgetS: 1.5, minReps: 3, rounds: 3 };
  const slow: Policy = q ? { warmup: 0, budgetS: 0, minReps: 1, rounds: 1 } : { warmup: 1, budgetS: 0, minReps: 2, rounds: 2 };
  let full: { fp32Dir: string; variants: VariantSummary[] } | null = null;
  if (opt.full) {
    // probed first, each variant in its own process, while nothing else of the bench holds memory
    const sentences = loadBenchData(ROOT, 32, 0, opt.bundledData).sentences;
    full = benchFullVariants({ root: ROOT, scale: opt.fullScale, threads: opt.threads, rounds: q ? 1 : opt.rounds, sentences,
      decode: 8, maxTokens: 24, log }); // the issue's measure of beam batching: 8 sentences at once
    opt.packDir = dirname(full.fp32Dir);
  }
  const sonarDir = join(opt.packDir, 'sonar');
  const cfg = { threads: opt.threads, provider: 'cpu' as const };
  const started = Date.now();
  const load0 = loadavg();
  log(`packs ${opt.packDir}, ${opt.threads} thread(s) per side, load average ${load0.map((x) => x.toFixed(2)).join(' ')}`);
  if (load0[0] > cpus().length - opt.threads + 0.5) {
    notes.push(`load average ${load0[0].toFixed(2)} at start on ${cpus().length} CPUs: other processes compete for the cores; ratios are less reliable than usual`);
  }

  const torch = new TorchChild(ROOT, opt.threads);
  const work = mkdtempSync(join(tmpdir(), 'concept-bench-'));
  try {
    const hello = await torch.call({ op: 'hello' });
    details.environment = {
      node: process.version, onnxruntime: ort.env.versions?.common ?? 'unknown', cpu: cpus()[0]?.model, cpus: cpus().length,
      memory_gib: +(totalmem() / 2 ** 30).toFixed(1), torch: hello.torch, numpy: hello.numpy, python: hello.python,
      torch_threads: hello.threads, torch_interop_threads: hello.interop_threads,
    };
    const data = loadBenchData(ROOT, 64, 3, opt.bundledData);
    details.data = { source: data.source, sentences: data.sentences.length, documents: data.docs.map((d) => d.id) };

    const sonar = await SonarModel.load(sonarDir, cfg);
    const sc = sonar.pack.json.config as Record<string, number>;
    const shape: EncoderShape = { dim: sc.model_dim, ffn: sc.ffn_dim, layers: sc.encoder_layers };
    // the peak: a square sgemm and the encoder's FFN product at batch 8 (8 × 32 tokens): on some CPUs the wide FFN
    // shape runs faster than 1024³, and a peak below what the encoder itself reaches reads as > 100% utilization
    const peakShapes = [[1024, 1024, 1024], [256, sc.model_dim, sc.ffn_dim]];
    const graphs = await torch.call({ op: 'make_graphs', dir: work, shapes: peakShapes,
      ...(opt.sections.has('full') ? { layer: { dim: 1024, ffn: 8192, heads: 16, layers: 1, vocab: 1024 } } : {}) });

    // ------------------------------------------------------------------ peak
    // measured at the start and again at the end of the run; the peak is the FASTEST sample of either runtime in
    // either measurement, the layers' rates are medians. A peak from one median on a busy machine (a slow moment)
    // gave "utilization" of 102-127%, which cannot be. Utilization rows are written once the final peak is known.
    const matmuls = graphs.matmuls as { shape: [number, number, number]; path: string }[];
    const peakRuns = [];
    for (const mm of matmuls) peakRuns.push(await measurePeak(torch, mm, cfg, fast));
    const utilization: { metric: string; ortGflops: number; torchGflops: number }[] = [];

    // token ids of the sentences (the engine's tokenizer; the PyTorch side gets the same ids)
    const ids = data.sentences.map((s) => sonar.tokenize(s, 'eng_Latn'));

    // ------------------------------------------------------------------ encoder
    let embeddings: Float32Array[] = [];
    if (opt.sections.has('encoder') || opt.sections.has('decoder') || opt.sections.has('lcm')) {
      embeddings = await sonar.encodeIds(ids);
    }
    if (opt.sections.has('encoder')) {
      const enc: Record<string, unknown>[] = [];
      for (const bs of [1, 8, 32]) {
        log(`encoder, ${ids.length} sentences in batches of ≤ ${bs}`);
        const plan = planBatches(ids.map((s) => s.length), { maxBatchSize: bs });
        const batches = plan.map((b) => b.map((i) => ids[i]));
        const flops = encoderFlops(shape, batches);
        const c = await compare(torch, () => sonar.encodeIds(ids, { maxBatchSize: bs }),
          { op: 'encoder', pack: sonarDir, batches, return_embeddings: bs === 8 }, fast);
        const { ort: t, torch: tt, answer: pt } = c;
        const sOrt = ids.length / t.median_s;
        const sTorch = ids.length / tt.median_s;
        const gOrt = flops / t.median_s / 1e9;
        const gTorch = flops / tt.median_s / 1e9;
        let parity: number | undefined;
        if (pt.embeddings) {
          const flat = (pt.embeddings as number[][][]).flatMap((b) => b);
          const order = plan.flat();
          parity = Math.max(...order.map((i, k) => maxAbsDiff(embeddings[i], flat[k])));
        }
        row('encoder', `sentences/s, batch ≤ ${bs}`, 'sent/s', sOrt, sTorch, true);
        utilization.push({ metric: `encoder, batch ≤ ${bs}`, ortGflops: gOrt, torchGflops: gTorch });
        enc.push({ batch: bs, batches: plan.length, padded_tokens: batches.reduce((s, b) => s + b.length * Math.max(...b.map((x) => x.length)), 0),
          real_tokens: ids.reduce((s, x) => s + x.length, 0), gflop: flops / 1e9, ort: timingJson(t), torch: timingJson(tt),
          ort_gflops: gOrt, torch_gflops: gTorch, ...(parity !== undefined ? { max_abs_diff_embeddings: parity } : {}) });
        if (parity !== undefined && parity > 1e-3) notes.push(`encoder outputs differ between runtimes by ${parity.toExponential(2)}`);
      }
      details.encoder = { shape, runs: enc };
    }

    // ------------------------------------------------------------------ decoder
    if (opt.sections.has('decoder')) {
      // at the real size PyTorch's one-at-a-time beam search runs ~1 token/s: fewer, shorter outputs
      const n = opt.full ? 4 : 8;
      const maxLen = opt.full ? 16 : 64;
      const embs = embeddings.slice(0, n);
      const langId = sonar.tokenizer.langId('eng_Latn');
      const dec: Record<string, unknown> = { sentences: n, max_positions: maxLen, lang: 'eng_Latn' };
      for (const mode of ['greedy', 'beam'] as const) {
        log(`decoder ${mode}, ${n} sentences`);
        let res: Awaited<ReturnType<typeof sonar.decodeIds>> = [];
        const { ort: t, torch: tt, answer: pt } = await compare(torch, async () => {
          res = await sonar.decodeIds(embs, 'eng_Latn', { greedy: mode === 'greedy', beam: 5, maxTokens: maxLen });
        }, { op: 'decoder', pack: sonarDir, embeddings: embs.map((e) => Array.from(e)), lang_id: langId, mode, beam: 5, max_len: maxLen },
        mode === 'greedy' ? fast : slow);
        const tokOrt = res.map((r) => r.tokens);
        const tokTorch = pt.tokens as number[][];
        // output tokens = content tokens + EOS (a sentence forced to stop at the last position still ends in EOS)
        const count = (toks: number[][]) => toks.reduce((s, x) => s + x.length + 1, 0);
        const same = tokOrt.filter((x, i) => JSON.stringify(x) === JSON.stringify(tokTorch[i])).length;
        const label = mode === 'greedy' ? 'greedy' : 'beam 5';
        row('decoder', `tokens/s, ${label}, ${n} sentences`, 'tok/s', count(tokOrt) / t.median_s, count(tokTorch) / tt.median_s, true,
          `${same}/${n} identical outputs${mode === 'beam' ? '; reference decodes one sentence at a time' : ''}`);
        dec[mode] = { ort: timingJson(t), torch: timingJson(tt), tokens_ort: count(tokOrt), tokens_torch: count(tokTorch), identical: same };
        if (same < n) notes.push(`decoder ${mode}: ${n - same}/${n} outputs differ between runtimes (near-tie argmax / float rounding)`);
      }
      // the decoder's own two paths, same session and inputs: top-k rows vs full log-softmax rows (issue 15 item 2)
      log(`decoder top-k vs full rows, ${n} sentences`);
      const paths = await benchDecoderPaths(ROOT, sonarDir, work, embs, langId, maxLen, cfg, fast);
      for (const m of paths.modes) {
        const label = m.mode === 'greedy' ? 'greedy' : 'beam 5';
        const tps = (x: typeof m.topk) => x.tokens / x.timing.median_s;
        row('decoder', `top-k ÷ full-row tokens/s, ${label}`, '×', tps(m.topk) / tps(m.full), null, true,
          `${fmt(tps(m.topk))} vs ${fmt(tps(m.full))} tok/s; ${m.identical}/${m.sentences} identical outputs` +
          `${paths.derived ? '; top-k outputs added to a copy of the pack (tools/decoder_search_io.py)' : ''}`);
        row('decoder', `time outside session.run, ${label}, top-k | full rows`, '% of decode', 100 * m.topk.outsideRun, null, false,
          `full rows: ${fmt(100 * m.full.outsideRun)}%; steps top-k/full per decode ${m.topk.topkSteps}/${m.topk.fullSteps}`);
        if (m.identical < m.sentences) notes.push(`decoder ${m.mode}: top-k and full-row paths differ on ${m.sentences - m.identical}/${m.sentences} inputs (a bug: they must agree)`);
      }
      dec.paths = {
        derived_pack: paths.derived,
        modes: paths.modes.map((m) => ({ mode: m.mode, identical: m.identical, sentences: m.sentences,
          topk: { ...timingJson(m.topk.timing), tokens: m.topk.tokens, outside_run: m.topk.outsideRun, topk_steps: m.topk.topkSteps, full_steps: m.topk.fullSteps },
          full: { ...timingJson(m.full.timing), tokens: m.full.tokens, outside_run: m.full.outsideRun, topk_steps: m.full.topkSteps, full_steps: m.full.fullSteps } })),
      };
      details.decoder = dec;
    }

    // ------------------------------------------------------------------ end to end
    let docEmbeddings: Float32Array[] | null = null;
    if (opt.sections.has('e2e')) {
      const langs = sonar.tokenizer.languages;
      const trained = Object.keys(sonar.pack.json.languages_trained ?? {}).filter((l) => sonar.pack.json.languages_trained?.[l]);
      const to = opt.to;
      if (!langs.includes(to)) throw new Error(`--to ${to} is not a language of the pack`);
      if (trained.length && !trained.includes(to)) notes.push(`e2e target ${to} is not among the pack's trained languages`);
      const k = 3;
      // the pack's max_tokens (256), capped at 128 positions: real sentences end well before, and a model that does
      // not stop (random weights) cannot blow the time budget
      const e2eMaxTokens = Math.min(sonar.pack.json.decoding.max_tokens, 128);
      const out: Record<string, unknown>[] = [];
      for (const doc of data.docs) {
        log(`end to end ${doc.id} → ${to}`);
        const sentences = segment(doc.text, { lang: 'en' }).map((x) => x.text);
        let st: { pick: number[]; texts: string[]; segS: number } = { pick: [], texts: [], segS: 0 };
        const { ort: t, torch: tt, answer: pd } = await compare(torch, async () => {
          const t0 = performance.now();
          const sents = segment(doc.text, { lang: 'en' }).map((x) => x.text);
          const segS = (performance.now() - t0) / 1000;
          const sids = sents.map((x) => sonar.tokenize(x, 'eng_Latn'));
          const embs = await sonar.encodeIds(sids);
          const pick = selectSentences(embs, k);
          const dec = await sonar.decodeTexts(pick.map((i) => embs[i]), to, { maxTokens: e2eMaxTokens });
          st = { pick, texts: dec.map((d) => d.text), segS };
          docEmbeddings ??= embs;
        }, { op: 'e2e', pack: sonarDir, to, max_len: e2eMaxTokens, sentences, lang: 'eng_Latn', k }, slow);
        const sameText = (pd.texts as string[]).filter((x, i) => x === st.texts[i]).length;
        const samePick = JSON.stringify(pd.pick) === JSON.stringify(st.pick);
        const sameIds = (pd.ids as number[][]).every((x, i) => JSON.stringify(x) === JSON.stringify(sonar.tokenize(sentences[i], 'eng_Latn')));
        row('e2e', `s/document: ${doc.id.slice(0, 40)} (${sentences.length} sent.)`, 's', t.median_s, tt.median_s, false,
          `${samePick ? 'same' : 'DIFFERENT'} picks, ${sameText}/${k} same texts${sameIds ? '' : ', token ids differ'}`);
        out.push({ id: doc.id, chars: doc.text.length, sentences: sentences.length, k, to, segment_s: st.segS,
          ort: timingJson(t), torch: timingJson(tt), pick_ort: st.pick, pick_torch: pd.pick, texts_ort: st.texts, texts_torch: pd.texts,
          same_token_ids: sameIds });
        if (!samePick || sameText < k) notes.push(`e2e ${doc.id}: outputs differ between runtimes`);
      }
      details.e2e = out;
    }

    // ------------------------------------------------------------------ LCM
    if (opt.sections.has('lcm')) {
      const lcm: Record<string, unknown> = {};
      for (const variant of ['base', 'two-tower'] as const) {
        const dir = join(opt.packDir, variant === 'base' ? 'base-lcm' : 'two-tower-lcm');
        if (!existsSync(join(dir, 'pack.json'))) {
          notes.push(`no ${variant} LCM pack in ${opt.packDir}: skipped`);
          continue;
        }
        const { pack, normalizer } = readLcmPack(dir);
        const prefix = lcmPrefix(pack, normalizer, docEmbeddings ?? embeddings, 16);
        if (variant === 'base') {
          const n = 8;
          log(`Base-LCM, ${n} concepts after a ${prefix.length}-concept prefix`);
          const { session } = await createSession(join(dir, pack.graphs.base.file), cfg);
          const model = createBaseLcm(pack, normalizer, sessionRunner(session));
          let outs: Float32Array[] = [];
          const { ort: t, torch: tt, answer: pt } = await compare(torch, async () => {
            const p = [...prefix];
            outs = [];
            for (let i = 0; i < n; i++) {
              const x = await model.predictNext(p);
              outs.push(x);
              p.push(x);
            }
          }, { op: 'lcm', variant, pack: dir, prefix: prefix.map((e) => Array.from(e)), n }, fast);
          await session.release();
          const diff = Math.max(...(pt.outputs as number[][]).map((o, i) => maxAbsDiff(o, outs[i])));
          row('lcm', `Base-LCM s/concept (prefix ${prefix.length})`, 's', t.median_s / n, tt.median_s / n, false,
            `max |Δ| ${diff.toExponential(1)} over ${n} concepts`);
          lcm.base = { concepts: n, prefix: prefix.length, ort: timingJson(t), torch: timingJson(tt), max_abs_diff: diff };
        } else {
          const n = 2;
          const c = await createSession(join(dir, pack.graphs.contextualizer.file), cfg);
          const d = await createSession(join(dir, pack.graphs.denoiser.file), cfg);
          const model = createTwoTowerLcm(pack, normalizer, { contextualizer: sessionRunner(c.session), denoiser: sessionRunner(d.session) });
          const rng = new Rng(11);
          const noises = Array.from({ length: n }, () => rng.randn(model.dim));
          const s = model.sampler;
          const samplerJson = { steps: s.steps, spacing: s.spacing, guidance_scale: s.guidanceScale, guidance_rescale: s.guidanceRescale,
            initial_noise_scale: s.initialNoiseScale, epsilon_scaling: s.epsilonScaling, eta: s.eta, clip_noise: s.clipNoise };
          const res: Record<string, { ort: Timing; torch: Timing; calls: number; torchCalls: number; diff: number }> = {};
          for (const mode of ['batched', 'separate'] as const) {
            log(`Two-Tower LCM (${mode} guidance), ${n} concepts after a ${prefix.length}-concept prefix`);
            let outs: Float32Array[] = [];
            let calls = 0;
            const { ort: t, torch: tt, answer: pt } = await compare(torch, async () => {
              const p = [...prefix];
              outs = [];
              const r0 = model.denoiserRuns;
              for (const noise of noises) {
                const x = await model.predictNext(p, { noise, sampler: { guidanceMode: mode } });
                outs.push(x);
                p.push(x);
              }
              calls = model.denoiserRuns - r0;
            }, { op: 'lcm', variant, pack: dir, prefix: prefix.map((e) => Array.from(e)),
              noises: noises.map((z) => Array.from(z)), sampler: samplerJson, guidance: mode }, slow);
            const diff = Math.max(...(pt.outputs as number[][]).map((o, i) => maxAbsDiff(o, outs[i])));
            res[mode] = { ort: t, torch: tt, calls: calls / n, torchCalls: (pt.denoiser_calls as number) / n, diff };
            row('lcm', `Two-Tower s/concept, ${mode} guidance`, 's', t.median_s / n, tt.median_s / n, false,
              `${res[mode].calls} | ${res[mode].torchCalls} denoiser runs/concept; max |Δ| ${diff.toExponential(1)}`);
          }
          const b = res.batched;
          const sep = res.separate;
          row('lcm', 'batched-guidance gain (separate ÷ batched time)', '×', sep.ort.median_s / b.ort.median_s,
            sep.torch.median_s / b.torch.median_s, true, 'per runtime; speed-up column compares the gains');
          lcm.two_tower = {
            concepts: n, prefix: prefix.length, sampler: samplerJson,
            batched: { ort: timingJson(b.ort), torch: timingJson(b.torch), denoiser_runs_per_concept: b.calls, max_abs_diff: b.diff },
            separate: { ort: timingJson(sep.ort), torch: timingJson(sep.torch), denoiser_runs_per_concept: sep.calls, max_abs_diff: sep.diff },
            gain_ort: sep.ort.median_s / b.ort.median_s, gain_torch: sep.torch.median_s / b.torch.median_s,
          };
          await c.session.release();
          await d.session.release();
          log('Two-Tower through the engine worker: per-step round trips vs one request per generation');
          const w = await benchLcmWorker(dir, prefix, 3, cfg, fast);
          row('lcm', 'Two-Tower s/concept via worker, one request/generation', 's', w.oneRequest.median_s, null, false,
            `${w.oneRequestRequests} request(s) per generation of ${w.concepts} concept(s)`);
          row('lcm', 'Two-Tower s/concept via worker, per-step round trips (before)', 's', w.perStep.median_s, null, false,
            `${w.perStepRequests} requests per generation; max |Δ| between paths ${w.maxAbsDiff.toExponential(1)}`);
          row('lcm', 'worker gain (per-step ÷ one-request time)', '×', w.perStep.median_s / w.oneRequest.median_s, null, true);
          lcm.two_tower_worker = { concepts: w.concepts, one_request: timingJson(w.oneRequest), per_step: timingJson(w.perStep),
            requests_one: w.oneRequestRequests, requests_per_step: w.perStepRequests, max_abs_diff: w.maxAbsDiff };
        }
      }
      details.lcm = lcm;
    }

    // ------------------------------------------------------------------ SONAR-shaped layer
    if (opt.sections.has('full')) {
      const lc = graphs.layer_config as Record<string, number>;
      const batch = 8;
      const tokens = 32;
      log(`SONAR-shaped encoder layer d=${lc.model_dim} ffn=${lc.ffn_dim}, batch ${batch}×${tokens}`);
      const rng = new Rng(5);
      const seqs = Array.from({ length: batch }, () => Array.from({ length: tokens }, () => 4 + Math.floor(rng.uniform() * (lc.vocab_size - 4))));
      const ids64 = new ort.Tensor('int64', BigInt64Array.from(seqs.flat(), (v) => BigInt(v)), [batch, tokens]);
      const mask = new ort.Tensor('int64', new BigInt64Array(batch * tokens).fill(1n), [batch, tokens]);
      const { session } = await createSession(graphs.layer as string, cfg);
      let first: Float32Array = new Float32Array(0);
      const { ort: t, torch: tt, answer: pt } = await compare(torch, async () => {
        const out = await session.run({ input_ids: ids64, attention_mask: mask });
        first = (out.sentence_embedding.data as Float32Array).slice(0, 8);
      }, { op: 'full_layer', config: lc, weights: join(work, 'layer.pt'), batch: seqs }, fast);
      await session.release();
      const flops = encoderBatchFlops({ dim: lc.model_dim, ffn: lc.ffn_dim, layers: lc.encoder_layers }, batch, tokens);
      const gOrt = flops / t.median_s / 1e9;
      const gTorch = flops / tt.median_s / 1e9;
      const diff = maxAbsDiff(first, pt.embedding0 as number[]);
      row('full-size', `1 layer d=1024 ffn 8192, ${batch}×${tokens} tokens`, 'ms', 1000 * t.median_s, 1000 * tt.median_s, false,
        `max |Δ| ${diff.toExponential(1)}`);
      utilization.push({ metric: 'one SONAR-shaped layer', ortGflops: gOrt, torchGflops: gTorch });
      row('full-size', 'est. 24-layer SONAR encoder', 'sent/s', batch / (24 * t.median_s), batch / (24 * tt.median_s), true,
        'extrapolated: 24 × one layer');
      details.full_size = { config: lc, batch, tokens, gflop: flops / 1e9, ort: timingJson(t), torch: timingJson(tt), ort_gflops: gOrt,
        torch_gflops: gTorch, max_abs_diff: diff };
    }

    if (utilization.length) {
      for (const mm of matmuls) peakRuns.push(await measurePeak(torch, mm, cfg, fast, 'again'));
      const peak = Math.max(...peakRuns.map((p) => p.best));
      for (const u of utilization) {
        row('utilization', `FLOP utilization, ${u.metric}`, '% of peak', 100 * u.ortGflops / peak, 100 * u.torchGflops / peak, true,
          `${fmt(u.ortGflops)} | ${fmt(u.torchGflops)} GFLOP/s of ${fmt(peak)}`);
      }
      details.peak_gflops = peak;
    }
    details.peak = peakRuns;
    if (full) variantRows(full.variants, details);

    await sonar.dispose();
  } finally {
    await torch.close().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }

  // ------------------------------------------------------------------ SONAR pack variants (no PyTorch side)
  const variantTables: string[] = [];
  if (opt.sections.has('variants')) variantTables.push(...await benchVariants(opt, sonarDir));

  const load1 = loadavg();
  const result = {
    date: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    pack_dir: opt.packDir,
    threads: opt.threads,
    quick: opt.quick,
    duration_s: (Date.now() - started) / 1000,
    load_average: { start: load0, end: load1 },
    rows,
    notes,
    details,
  };
  printTable();
  for (const t of variantTables) console.log(`\n${t}`);
  if (opt.full) printGoals();
  if (notes.length) console.log('\nnotes:\n' + notes.map((n) => `- ${n}`).join('\n'));
  mkdirSync(dirname(opt.out), { recursive: true });
  writeFileSync(opt.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`\n${rows.length} figures in ${result.duration_s.toFixed(0)} s; written to ${opt.out}`);
}

const MB = 1e6;

/** sgemm [m,k]@[k,n] on both runtimes (and numpy's BLAS): one row each; `best` is the fastest sample's rate. */
async function measurePeak(torch: TorchChild, mm: { shape: [number, number, number]; path: string },
  cfg: { threads: number; provider: 'cpu' }, p: Policy, when = '') {
  const [m, k, n] = mm.shape;
  const name = m === k && k === n ? `sgemm ${n}³` : `sgemm ${m}×${k}×${n}`;
  log(`matmul peak (${name})${when ? ` ${when}` : ''}`);
  const flops = 2 * m * k * n;
  const { session } = await createSession(mm.path, cfg);
  const a = new ort.Tensor('float32', new Rng(3).randn(m * k), [m, k]);
  const c = await compare(torch, () => session.run({ a }), { op: 'matmul', m, k, n, which: 'torch' }, p);
  await session.release();
  const np = (await torch.call({ op: 'matmul', m, k, n, which: 'numpy', ...policyJson(p) })).numpy as Record<string, number>;
  const gOrt = flops / c.ort.median_s / 1e9;
  const gTorch = flops / c.torch.median_s / 1e9;
  row('peak', `${name} (ORT MatMul | torch.mm)`, 'GFLOP/s', gOrt, gTorch, true, `fastest ${fmt(flops / c.ort.min_s / 1e9)} | ${fmt(flops / c.torch.min_s / 1e9)}`);
  row('peak', `${name} numpy (BLAS)`, 'GFLOP/s', null, np.gflops, true, 'numpy in the PyTorch column');
  return { shape: mm.shape, ort: { ...timingJson(c.ort), gflops: gOrt }, torch: { ...timingJson(c.torch), gflops: gTorch }, numpy: np,
    best: flops / Math.min(c.ort.min_s, c.torch.min_s) / 1e9 };
}

/** One block of rows per variant; the ratios are to fp32 of the same run. */
function variantRows(vs: VariantSummary[], out: Record<string, unknown>): void {
  const ref = vs.find((v) => v.variant === 'fp32') as VariantSummary;
  const spread = (xs: number[]) => xs.length > 1 ? `; rounds ${xs.map((x) => fmt(x)).join(', ')}` : '';
  for (const v of vs) {
    const sec = `variant ${v.variant}`;
    const r = (x: number, y: number) => ` (×${(x / y).toFixed(2)} fp32)`;
    row(sec, 'pack size', 'MB', v.packBytes / MB, null, false, v.variant === 'fp32' ? '' : r(v.packBytes, ref.packBytes));
    row(sec, 'conversion (TypeScript, streaming)', 's', v.convert.seconds, null, false, `peak RSS ${fmt(v.convert.peakRssBytes / MB)} MB`);
    row(sec, 'load (both sessions)', 's', v.loadSeconds, null, false, spread(v.samples.loadSeconds).slice(2));
    row(sec, 'RSS after load ÷ weight bytes', '×', v.rssOverWeights, null, false, `peak over the probe ×${v.peakRssOverWeights.toFixed(2)}`);
    for (const [g, m] of Object.entries(v.graphs ?? {})) {
      row(sec, `${g} alone: RSS after load ÷ its weight bytes`, '×', m.rssLoadedBytes / m.weightBytes, null, false,
        `peak ×${(m.peakRssBytes / m.weightBytes).toFixed(2)}; the process before loading ${fmt(m.rssBeforeBytes / MB)} MB`);
    }
    row(sec, 'encoder, batch ≤ 8', 'sent/s', v.encoderSentencesPerS, null, true, r(v.encoderSentencesPerS, ref.encoderSentencesPerS).trim() + spread(v.samples.encoderSentencesPerS));
    row(sec, 'greedy, batched', 'tok/s', v.greedyBatchedTokensPerS, null, true,
      `${r(v.greedyBatchedTokensPerS, ref.greedyBatchedTokensPerS).trim()}; ×${(v.greedyBatchedTokensPerS / v.greedyOneTokensPerS).toFixed(2)} one at a time`);
    row(sec, 'beam 5, batched', 'tok/s', v.beamBatchedTokensPerS, null, true,
      `${r(v.beamBatchedTokensPerS, ref.beamBatchedTokensPerS).trim()}; ×${(v.beamBatchedTokensPerS / v.beamOneTokensPerS).toFixed(2)} one at a time`);
    if (v.rerankOverBeam !== undefined) {
      row(sec, 'concept reranking ÷ the batched beam 5 it follows', '×', v.rerankOverBeam, null, false,
        'one encoder pass over the finished hypotheses (decoding.rerank)');
    }
    if (v.drift) {
      row(sec, 'embedding cosine to fp32 (min | mean)', 'cos', v.drift.cosineMin, null, true, `mean ${v.drift.cosineMean.toFixed(5)}`);
      row(sec, 'outputs identical to fp32 (greedy | beam 5)', '%', 100 * v.drift.greedyIdentical, null, true,
        `beam ${(100 * v.drift.beamIdentical).toFixed(0)}% of ${v.drift.outputs} (random weights: near-ties are common)`);
    }
  }
  out.full_variants = vs;
}

/** The goals of the performance and Get-SONAR issues next to what this run measured. */
function printGoals(): void {
  const get = (sec: string, metric: string) => rows.find((r) => r.section === sec && r.metric.startsWith(metric));
  const enc8 = get('encoder', 'sentences/s, batch ≤ 8');
  const util8 = get('utilization', 'FLOP utilization, encoder, batch ≤ 8');
  const vs = (details.full_variants ?? []) as VariantSummary[];
  const fp32 = vs.find((v) => v.variant === 'fp32');
  const int8 = vs.find((v) => v.variant === 'int8');
  const maxUtil = Math.max(...rows.filter((r) => r.unit === '% of peak').flatMap((r) => [r.ort ?? 0, r.torch ?? 0]));
  const goals: [string, number | null | undefined, (x: number) => boolean, string][] = [
    ['encoder ORT ÷ PyTorch, batch 8', enc8?.speedup, (x) => x >= 1.25, '≥ 1.25×'],
    ['encoder % of sgemm peak, batch 8', util8?.ort, (x) => x >= 80, '≥ 80%'],
    ['FLOP utilization, highest figure', maxUtil, (x) => x <= 100, '≤ 100%'],
    ['beam 5 batched ÷ one at a time (fp32)', fp32 && fp32.beamBatchedTokensPerS / fp32.beamOneTokensPerS, (x) => x >= 3, '≥ 3×'],
    ['RSS after load ÷ weights (fp32)', fp32?.rssOverWeights, (x) => x <= 1.15, '≤ 1.15×'],
    ['RSS after load ÷ weights, fp32 encoder alone', fp32?.graphs && fp32.graphs.encoder.rssLoadedBytes / fp32.graphs.encoder.weightBytes, (x) => x <= 1.15, '≤ 1.15×'],
    ['RSS after load ÷ weights, fp32 decoder alone', fp32?.graphs && fp32.graphs.decoder.rssLoadedBytes / fp32.graphs.decoder.weightBytes, (x) => x <= 1.15, '≤ 1.15×'],
    ['int8 encoder ÷ fp32', int8 && fp32 && int8.encoderSentencesPerS / fp32.encoderSentencesPerS, (x) => x >= 4, '≥ 4×'],
    ['int8 greedy decoder ÷ fp32', int8 && fp32 && int8.greedyBatchedTokensPerS / fp32.greedyBatchedTokensPerS, (x) => x >= 2.5, '≥ 2.5×'],
    ['int8 size ÷ fp32', int8 && fp32 && int8.packBytes / fp32.packBytes, (x) => x <= 0.3, '≤ 0.3×'],
    ['int8 greedy outputs identical to fp32', int8?.drift && 100 * int8.drift.greedyIdentical, (x) => x >= 95, '≥ 95%'],
  ];
  console.log('\ngoals:');
  for (const [what, x, ok, goal] of goals) {
    const v = x === undefined || x === null || !Number.isFinite(x) ? null : x;
    console.log(`- ${what}: ${v === null ? 'not measured' : fmt(v)} (goal ${goal})${v === null ? '' : ok(v) ? ' — met' : ' — NOT met'}`);
  }
}

/**
 * fp32 / fp16 / int8 packs converted from the same checkpoints (random ones at the small template size, and the
 * weights of the bench's SONAR pack): drift against fp32, size, load time and RSS (bench/lib/sonar-variants.ts).
 * Rows carry the variant's figure in the onnxruntime column, as a ratio to or a difference from fp32.
 */
async function benchVariants(opt: Options, sonarDir: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'concept-bench-variants-'));
  const tables: string[] = [];
  try {
    const sentences = heldoutSentences(ROOT, opt.quick ? 20 : 60);
    const sources = [randomCheckpoints(ROOT, dir), packCheckpoints(ROOT, sonarDir, dir, `the bench's SONAR pack (${sonarDir.replace(`${ROOT}/`, '')})`)];
    const reports: VariantsReport[] = [];
    for (const [k, ck] of sources.entries()) {
      const r = await measureVariants(ROOT, ck, join(dir, `packs-${k}`), sentences, { threads: opt.threads, maxTokens: opt.quick ? 24 : 48, log });
      reports.push(r);
      tables.push(variantsMarkdown(r));
      const tag = k === 0 ? 'random' : 'pack';
      const fp32 = r.variants.find((x) => x.variant === 'fp32')!;
      for (const v of r.variants.filter((x) => x.variant !== 'fp32')) {
        const m = (what: string) => `${v.variant} (${tag}): ${what}`;
        row('variants', m('1 − cosine to fp32, max'), '', 1 - v.cosine_to_fp32.min, null, false, `cosine mean ${v.cosine_to_fp32.mean.toFixed(8)}`);
        row('variants', m('|Δ log p| of the target token, max'), 'nats', v.logprob_diff_target.max, null, false,
          `mean ${v.logprob_diff_target.mean.toExponential(2)}, ${r.teacher_forced_steps} teacher-forced steps`);
        row('variants', m('greedy output identical to fp32'), '%', 100 * v.greedy_identical.share, null, true,
          `${r.sentences} held-out sentences; its decoder on fp32's concepts ${(100 * v.greedy_identical_fp32_concepts.share).toFixed(0)} %`);
        row('variants', m('round-trip chrF minus fp32\'s (greedy)'), 'chrF', v.roundtrip.delta.mean, null, true,
          `95 % interval ${v.roundtrip.delta.lo.toFixed(2)} … ${v.roundtrip.delta.hi.toFixed(2)}; fp32 ${fp32.roundtrip.chrf.toFixed(1)}, ` +
          `fp32 on another sentence's concept ${r.baseline_roundtrip_chrf_other_concept.toFixed(1)}`);
        row('variants', m('pack size'), '× fp32', v.size_ratio, null, false, `graphs + weights ${v.weights_ratio.toFixed(3)}×`);
        row('variants', m('load time'), '× fp32', v.load_ratio, null, false, `${v.load.load_s.toFixed(2)} s`);
        row('variants', m('RSS after load'), '× fp32', v.rss_ratio, null, false, `${v.load.rss_mb.toFixed(0)} MB`);
      }
    }
    details.variants = reports;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return tables;
}

/** A raw prefix for the LCM: the document's concepts when the spaces match, else seeded Gaussian vectors scaled
 * back through the normalizer. */
function lcmPrefix(pack: LcmPackJson, nz: Normalizer, embs: Float32Array[], n: number): Float32Array[] {
  if (embs.length && embs[0].length === pack.dim) return embs.slice(0, n);
  const rng = new Rng(7);
  return Array.from({ length: n }, () => nz.denormalize(rng.randn(pack.dim)));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});

