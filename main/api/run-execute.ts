/**
 * A run, as its stages: load the models → read the source (and encode mixed-language sentences in their own
 * languages) → generate (or re-decode a parent run) → record. Each stage is timed and reports progress; the signal
 * is checked between stages. The run is stored once, when it is done (runs.ts records runs that end otherwise).
 */
import type { LcmEngine } from '../engine/adapters/lcm.js';
import { storeConceptCache } from '../engine/adapters/cache.js';
import type { SonarEngine } from '../engine/adapters/sonar.js';
import {
  cachedEncode,
  continueText,
  expand,
  redecode,
  stopInfo,
  summarize,
  TaskError,
  translate,
  type SourceDocument,
  type TaskContext,
  type TaskProgress,
  type TaskResult,
} from '../engine/tasks/index.js';
import type { Store } from '../store/index.js';
import type { ApiEvent, RunRequest, RunResult } from './contract.js';
import type { Engines } from './engines.js';
import type { ServiceOptions } from './options.js';
import { packVersion, type PackRegistry } from './packs.js';
import type { RunPlan } from './run-plan.js';
import { b64ToVec, roundTimings, toRunResult, vecToB64, type StoredOutput } from './run-output.js';

export interface RunDeps {
  opts: ServiceOptions;
  store: Store;
  packs: PackRegistry;
  engines: Engines;
  emit: (ev: ApiEvent) => void;
}

/** What every stage of one run shares: its plan, request, signal, progress and stage timings. */
interface RunState {
  requestId: string;
  req: RunRequest;
  p: RunPlan;
  signal: AbortSignal;
  timings: Record<string, number>;
  time: <T>(stage: string, fn: () => Promise<T> | T) => Promise<T>;
  progress: (pr: TaskProgress) => void;
  cancelled: () => void;
}

type Sentences = ReturnType<Store['sentences']['list']>;
interface Source {
  sents: Sentences;
  docLang: string;
  source: SourceDocument;
  ctx: TaskContext;
  preHits: number;
  preMisses: number;
}

export async function execute(d: RunDeps, requestId: string, req: RunRequest, p: RunPlan, signal: AbortSignal): Promise<RunResult> {
  const timings: Record<string, number> = {};
  const s: RunState = {
    requestId,
    req,
    p,
    signal,
    timings,
    time: async (stage, fn) => {
      const t0 = performance.now();
      try {
        return await fn();
      } finally {
        timings[stage] = (timings[stage] ?? 0) + (performance.now() - t0);
      }
    },
    progress: (pr) => d.emit({ type: 'progress', requestId, ...pr }),
    cancelled: () => {
      if (signal.aborted) throw new TaskError('CANCELLED', 'The run was cancelled.');
    },
  };
  const { sonar, lcm } = await loadModels(d, s);
  const src = await readSource(d, s, sonar, lcm);
  const result = await generate(d, s, sonar, src);
  s.cancelled();
  return record(d, s, sonar, lcm, src, result);
}

async function loadModels(d: RunDeps, s: RunState): Promise<{ sonar: SonarEngine; lcm: LcmEngine | null }> {
  const { p, time: t, progress } = s;
  progress({ stage: 'load', done: 0, total: p.lcm ? 2 : 1, message: `loading ${p.sonar.pack.json.name}` });
  const sonar = await t('load', () => d.engines.sonarEngine(p.sonar.pack));
  s.cancelled();
  let lcm: LcmEngine | null = null;
  if (p.lcm && (!p.parent || p.regenerate) && (p.task !== 'summarize' || p.method !== 'extractive')) {
    progress({ stage: 'load', done: 1, total: 2, message: `loading ${p.lcm.pack.json.name}` });
    lcm = await t('load', () => d.engines.lcmEngine(p.lcm!.pack));
  }
  progress({ stage: 'load', done: 1, total: 1 });
  s.cancelled();
  return { sonar, lcm };
}

async function readSource(d: RunDeps, s: RunState, sonar: SonarEngine, lcm: LcmEngine | null): Promise<Source> {
  const { store, opts } = d;
  const { p, signal, time: t, progress } = s;
  const sents = await t('segment', () => store.sentences.list(p.doc.id));
  progress({ stage: 'segment', done: sents.length, total: sents.length });
  const docLang = p.doc.language ?? sents.find((s) => s.language)?.language ?? 'eng_Latn';
  const cache = storeConceptCache(store.concepts, sonar.encoder.dim);
  const ctx: TaskContext = {
    encoder: sonar.encoder,
    decoder: sonar.decoder,
    cache,
    generator: lcm?.generator ?? null,
    signal,
    onProgress: progress,
    ...(opts.decoding?.beam ? { beam: opts.decoding.beam } : {}),
    fidelity: d.packs.thresholds(p.sonar.pack),
  };
  // mixed-language documents: each sentence is encoded in its own language
  const langs = sents.map((s) => s.language ?? docLang);
  const source: SourceDocument = { sentences: sents.map((s) => s.text), lang: docLang, langs };
  let preHits = 0;
  let preMisses = 0;
  if (langs.some((l) => l !== docLang)) {
    const concepts = new Array<Float32Array>(sents.length);
    const groups = new Map<string, number[]>();
    langs.forEach((l, i) => groups.set(l, [...(groups.get(l) ?? []), i]));
    await t('encode', async () => {
      for (const [l, idx] of groups) {
        const r = await cachedEncode(sonar.encoder, cache, idx.map((i) => source.sentences[i]), l, { signal, onProgress: progress });
        idx.forEach((i, j) => (concepts[i] = r.vectors[j]));
        preHits += r.hits;
        preMisses += r.misses;
      }
    });
    source.concepts = concepts;
  }
  return { sents, docLang, source, ctx, preHits, preMisses };
}

async function generate(d: RunDeps, s: RunState, sonar: SonarEngine, src: Source): Promise<TaskResult> {
  const { p, req, signal, progress } = s;
  const { source, ctx } = src;
  const common = { targetLang: req.targetLang, length: req.length, pinned: req.pinned };
  let result: TaskResult;
  if (p.parent && !p.regenerate) {
    // the same output concepts in another language: only the decoder runs
    const po = p.parent.output as StoredOutput;
    const srcConcepts: Float32Array[] = [];
    result = await redecode(sonar.decoder, {
      task: po.task,
      method: po.method,
      sentences: po.sentences,
      concepts: po.concepts.map(b64ToVec),
      origins: po.origins,
      sourceConcepts: srcConcepts,
      selected: po.selected,
      packs: {},
      stopReason: po.stopReason,
    }, req.targetLang, { beam: ctx.beam, signal, onProgress: progress, fidelity: { encoder: sonar.encoder, thresholds: d.packs.thresholds(p.sonar.pack) } });
    // nothing was encoded: every source concept is (still) in the cache
    result.cache = { hits: 0, misses: 0 };
  } else {
    const task = p.task;
    const method = p.choice.used;
    const genOpts = { ...common, seed: req.sampler?.seed, sampler: req.sampler as Record<string, unknown> | undefined };
    if (task === 'summarize') result = await summarize(source, ctx, { ...genOpts, method });
    else if (task === 'expand') result = await expand(source, ctx, genOpts);
    else if (task === 'continue') result = await continueText(source, ctx, genOpts);
    else result = await translate(source, ctx, { targetLang: req.targetLang, pinned: req.pinned });
  }
  return result;
}

async function record(d: RunDeps, s: RunState, sonar: SonarEngine, lcm: LcmEngine | null, src: Source, result: TaskResult): Promise<RunResult> {
  const { store } = d;
  const { quality } = d.packs;
  const { p, req, timings, time: t, progress } = s;
  const { sents, docLang } = src;
  for (const [k, v] of Object.entries(result.timings)) timings[k] = (timings[k] ?? 0) + v;
  const hits = result.cache.hits + src.preHits;
  const misses = result.cache.misses + src.preMisses;

  const packs: Record<string, string> = { sonar: packVersion(p.sonar.pack) };
  const qualityLabels: Record<string, string> = { sonar: quality(p.sonar.pack).label };
  if (result.method === 'lcm') {
    if (lcm && p.lcm) {
      packs.lcm = packVersion(p.lcm.pack);
      qualityLabels.lcm = quality(p.lcm.pack).label;
    } else if (p.parent?.packVersions?.lcm) {
      packs.lcm = p.parent.packVersions.lcm;
      const pq = (p.parent.output as StoredOutput).quality?.lcm;
      if (pq) qualityLabels.lcm = pq;
    }
  }
  const parentParams = (p.parent?.parameters ?? null) as RunRequest | null;
  const stop = stopInfo({
    task: result.task,
    method: result.method,
    sourceSentences: sents.length,
    length: p.parent && !p.regenerate ? parentParams?.length : req.length,
    produced: result.sentences.length,
    generatorStop: result.stopReason,
    dropped: result.dropped,
  });
  const output: StoredOutput = {
    version: 1,
    task: result.task,
    method: result.method,
    targetLang: req.targetLang,
    sentences: result.sentences,
    concepts: result.concepts.map(vecToB64),
    dim: sonar.encoder.dim,
    space: sonar.encoder.space,
    origins: result.origins,
    ...(result.selected ? { selected: result.selected } : {}),
    ...(result.stopReason ? { stopReason: result.stopReason } : {}),
    cache: { hits, misses },
    sourceLang: docLang,
    ...(result.fidelity ? { fidelity: result.fidelity } : {}),
    stop,
    methodChoice: p.choice,
    quality: qualityLabels,
  };
  progress({ stage: 'save', done: 0, total: 1 });
  const rec = await t('save', () =>
    store.runs.create({
      task: result.task,
      documentId: p.doc.id,
      parentRunId: p.parent?.id ?? null,
      parameters: req,
      packVersions: packs,
      status: 'done',
      output,
      timings: {},
    }),
  );
  // the stored timings include the save itself
  const final = store.runs.finish(rec.id, { status: 'done', output, timings: roundTimings(timings) });
  progress({ stage: 'save', done: 1, total: 1 });
  return toRunResult(final);
}
