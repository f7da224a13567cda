/**
 * Executing a planned run, stage by stage: load → read (the stored sentences, each in its language) → encode →
 * generate (or only re-decode a parent run's concepts) → decode check → save. Every stage is timed; progress events
 * go out through `emit`; the signal cancels between stages and inside the long ones.
 */
import type { RunRequest, RunResult } from './contract.js';
import { packVersion, type ServiceContext } from './context.js';
import { decodingChoice } from './settings.js';
import type { RunPlan } from './run-plan.js';
import { b64ToVec, roundTimings, storedOutput, toRunResult, vecToB64, type StoredOutput } from './run-record.js';
import { runLanguages } from './source-language.js';
import { storeConceptCache } from '../engine/adapters/cache.js';
import type { LcmEngine } from '../engine/adapters/lcm.js';
import type { SonarEngine } from '../engine/adapters/sonar.js';
import type { SonarPackJson } from '../engine/packs/index.js';
import {
  checkDecodes, decodeCheckOptions, continueText, expand, redecode, stopInfo, summarize, translate, TaskError,
  type SourceDocument, type TaskContext, type TaskProgress, type TaskResult,
} from '../engine/tasks/index.js';

/** What the stages of one run share. */
interface RunState {
  ctx: ServiceContext;
  req: RunRequest;
  plan: RunPlan;
  signal: AbortSignal;
  timings: Record<string, number>;
  progress: (p: TaskProgress) => void;
}

async function timed<T>(s: RunState, stage: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    s.timings[stage] = (s.timings[stage] ?? 0) + (performance.now() - t0);
  }
}

function checkCancelled(s: RunState): void {
  if (s.signal.aborted) throw new TaskError('CANCELLED', 'The run was cancelled.');
}

async function load(s: RunState): Promise<{ sonar: SonarEngine; lcm: LcmEngine | null }> {
  const p = s.plan;
  s.progress({ stage: 'load', done: 0, total: p.lcm ? 2 : 1, message: `loading ${p.sonar.pack.json.name}` });
  const sonar = await timed(s, 'load', () => s.ctx.engines.sonar(p.sonar.pack));
  checkCancelled(s);
  let lcm: LcmEngine | null = null;
  if (p.lcm && (!p.parent || p.regenerate) && (p.task !== 'summarize' || p.method !== 'extractive')) {
    s.progress({ stage: 'load', done: 1, total: 2, message: `loading ${p.lcm.pack.json.name}` });
    lcm = await timed(s, 'load', () => s.ctx.engines.lcm(p.lcm!.pack));
  }
  s.progress({ stage: 'load', done: 1, total: 1 });
  checkCancelled(s);
  return { sonar, lcm };
}

/**
 * The document's sentences, each with its stored language (a mixed-language document is encoded per sentence
 * language by the tasks: engine/tasks/common.ts sourceConcepts).
 */
async function readSource(s: RunState) {
  const sents = await timed(s, 'segment', () => s.ctx.store.sentences.list(s.plan.doc.id));
  s.progress({ stage: 'segment', done: sents.length, total: sents.length });
  const docLang = s.req.sourceLang ?? s.plan.doc.language ?? sents.find((x) => x.language)?.language ?? 'eng_Latn';
  const langs = runLanguages(sents.map((x) => x.language), docLang, s.req.sourceLang);
  const source: SourceDocument = { sentences: sents.map((x) => x.text), lang: docLang, langs };
  return { count: sents.length, docLang, source };
}

/** The task itself, or for a child run without pinned sentences the parent's concepts decoded again. */
async function generate(s: RunState, tc: TaskContext, source: SourceDocument, sonar: SonarEngine): Promise<TaskResult> {
  const { req, plan: p } = s;
  if (p.parent && !p.regenerate) {
    const po = storedOutput(p.parent)!;
    const result = await redecode(sonar.decoder, {
      task: po.task, method: po.method, sentences: po.sentences, concepts: po.concepts.map(b64ToVec), origins: po.origins,
      sourceConcepts: [], selected: po.selected, packs: {}, stopReason: po.stopReason,
    }, req.targetLang, { beam: tc.beam, rerank: tc.rerank, signal: s.signal, onProgress: s.progress, fidelity: { encoder: sonar.encoder, thresholds: tc.fidelity! } });
    result.cache = { hits: 0, misses: 0 }; // nothing was encoded: every source concept is (still) in the cache
    return result;
  }
  const common = { targetLang: req.targetLang, length: req.length, pinned: req.pinned };
  const genOpts = { ...common, seed: req.sampler?.seed, sampler: req.sampler as Record<string, unknown> | undefined };
  if (p.task === 'summarize') return summarize(source, tc, { ...genOpts, method: p.choice.used });
  if (p.task === 'expand') return expand(source, tc, genOpts);
  if (p.task === 'continue') return continueText(source, tc, genOpts);
  return translate(source, tc, { targetLang: req.targetLang, pinned: req.pinned });
}

/** Pack versions and quality labels recorded with the run (an LCM run re-decoded keeps its parent's LCM). */
function provenance(s: RunState, result: TaskResult, usedLcm: boolean) {
  const p = s.plan;
  const packs: Record<string, string> = { sonar: packVersion(p.sonar.pack) };
  const quality: Record<string, string> = { sonar: s.ctx.packs.quality(p.sonar.pack).label };
  if (result.method === 'lcm') {
    if (usedLcm && p.lcm) {
      packs.lcm = packVersion(p.lcm.pack);
      quality.lcm = s.ctx.packs.quality(p.lcm.pack).label;
    } else if (p.parent?.packVersions?.lcm) {
      packs.lcm = p.parent.packVersions.lcm;
      const pq = storedOutput(p.parent)!.quality?.lcm;
      if (pq) quality.lcm = pq;
    }
  }
  return { packs, quality };
}

function outputRecord(s: RunState, result: TaskResult, read: Awaited<ReturnType<typeof readSource>>, sonar: SonarEngine, quality: Record<string, string>): StoredOutput {
  const p = s.plan;
  const parentParams = (p.parent?.parameters ?? null) as RunRequest | null;
  const stop = stopInfo({
    task: result.task, method: result.method, sourceSentences: read.count,
    length: p.parent && !p.regenerate ? parentParams?.length : s.req.length,
    produced: result.sentences.length, generatorStop: result.stopReason, dropped: result.dropped,
  });
  return {
    version: 1,
    task: result.task,
    method: result.method,
    targetLang: s.req.targetLang,
    sentences: result.sentences,
    concepts: result.concepts.map(vecToB64),
    dim: sonar.encoder.dim,
    space: sonar.encoder.space,
    origins: result.origins,
    ...(result.selected ? { selected: result.selected } : {}),
    ...(result.stopReason ? { stopReason: result.stopReason } : {}),
    cache: result.cache,
    sourceLang: read.docLang,
    ...(result.fidelity ? { fidelity: result.fidelity } : {}),
    stop,
    methodChoice: p.choice,
    quality,
  };
}

async function save(s: RunState, output: StoredOutput, packs: Record<string, string>): Promise<RunResult> {
  const store = s.ctx.store;
  s.progress({ stage: 'save', done: 0, total: 1 });
  const rec = await timed(s, 'save', () => store.runs.create({
    task: output.task, documentId: s.plan.doc.id, parentRunId: s.plan.parent?.id ?? null, parameters: s.req,
    packVersions: packs, status: 'done', output, timings: {},
  }));
  // the stored timings include the save itself
  const final = store.runs.finish(rec.id, { status: 'done', output, timings: roundTimings(s.timings) });
  s.progress({ stage: 'save', done: 1, total: 1 });
  return toRunResult(final);
}

export async function executeRun(ctx: ServiceContext, requestId: string, req: RunRequest, plan: RunPlan, signal: AbortSignal): Promise<RunResult> {
  const s: RunState = { ctx, req, plan, signal, timings: {}, progress: (pr) => ctx.emit({ type: 'progress', requestId, ...pr }) };
  const { sonar, lcm } = await load(s);
  const tc: TaskContext = {
    encoder: sonar.encoder,
    decoder: sonar.decoder,
    cache: storeConceptCache(ctx.store.concepts, sonar.encoder.dim),
    generator: lcm?.generator ?? null,
    signal,
    onProgress: s.progress,
    ...decodingChoice(ctx),
    fidelity: ctx.packs.thresholds(plan.sonar.pack),
  };
  const read = await readSource(s);
  const result = await generate(s, tc, read.source, sonar);
  checkCancelled(s);
  // an empty or degenerate decode is not a result: marked per sentence, the run fails when nothing usable is left
  checkDecodes(result.sentences, decodeCheckOptions(plan.sonar.pack.json as SonarPackJson, req.targetLang, ctx.packs.quality(plan.sonar.pack).demo));
  for (const [k, v] of Object.entries(result.timings)) s.timings[k] = (s.timings[k] ?? 0) + v;
  const { packs, quality } = provenance(s, result, !!lcm);
  return save(s, outputRecord(s, result, read, sonar, quality), packs);
}
