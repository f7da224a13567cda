/**
 * Planning a run: validate the request, resolve the document, the parent run, the packs and the method — all before
 * anything runs, so that startRun rejects at once on a problem and has no side effects.
 */
import type { DecodingExpectation, ExpectRunRequest, LangCode, Method, MethodChoice, RunRequest, TaskKind } from './contract.js';
import { apiError, toApiError } from './errors.js';
import { guarded, requireLang, type ServiceContext } from './context.js';
import { getDocument } from './documents.js';
import { lcmCandidates, rejectedLcmError } from './lcm-choice.js';
import type { ChosenPack } from './packs.js';
import { storedOutput, type StoredOutput } from './run-record.js';
import type { DocumentRecord } from '../store/documents.js';
import type { RunRecord } from '../store/runs.js';
import { assertCacheDim } from '../engine/adapters/cache.js';
import { chooseMethod } from '../engine/tasks/index.js';
import { expectDecoding, parseDecodingQuality, runDecodes } from '../engine/packs/decoding-quality.js';

const TASKS = new Set<TaskKind>(['summarize', 'expand', 'translate', 'continue']);
const METHODS = new Set<Method>(['auto', 'lcm', 'extractive']);

export interface RunPlan {
  doc: DocumentRecord;
  parent: RunRecord | null;
  task: TaskKind;
  method: Method;
  choice: MethodChoice;
  sonar: ChosenPack;
  lcm: ChosenPack | null;
  /** a child run with pinned sentences: the LCM runs again around them (else a child run only re-decodes) */
  regenerate: boolean;
}

function checkRequestShape(req: RunRequest): Method {
  if (!req || typeof req !== 'object') throw apiError('INVALID_REQUEST', 'startRun needs a request object.');
  if (!TASKS.has(req.task)) throw apiError('INVALID_REQUEST', `Unknown task "${req.task}"; use summarize, expand, translate or continue.`);
  const method: Method = req.method ?? 'auto';
  if (!METHODS.has(method)) throw apiError('INVALID_REQUEST', `Unknown method "${req.method}"; use auto, lcm or extractive.`);
  requireLang(req.targetLang, 'target language');
  if (req.sourceLang !== undefined && req.sourceLang !== null) requireLang(req.sourceLang, 'source language');
  const len = req.length;
  if (len?.sentences !== undefined && !(Number.isFinite(len.sentences) && len.sentences >= 1)) {
    throw apiError('INVALID_REQUEST', `length.sentences must be a number ≥ 1 (got ${len.sentences}).`);
  }
  if (len?.ratio !== undefined && !(Number.isFinite(len.ratio) && len.ratio > 0 && len.ratio <= 10)) {
    throw apiError('INVALID_REQUEST', `length.ratio must be a number in (0, 10] (got ${len.ratio}).`);
  }
  return method;
}

/** The finished run a child run starts from (same document), or null. */
function parentRun(ctx: ServiceContext, req: RunRequest, doc: DocumentRecord): RunRecord | null {
  if (req.parentRunId === undefined || req.parentRunId === null) return null;
  const parent = ctx.store.runs.get(req.parentRunId) ?? null;
  if (!parent) throw apiError('NOT_FOUND', `There is no run ${req.parentRunId} to start from.`);
  if (parent.documentId !== doc.id) throw apiError('INVALID_REQUEST', `Run ${parent.id} belongs to another document.`);
  if (parent.status !== 'done' || !parent.output) throw apiError('INVALID_REQUEST', `Run ${parent.id} did not finish; start a new run instead.`);
  return parent;
}

function checkSpace(ctx: ServiceContext, sonar: ChosenPack, parent: RunRecord | null): void {
  try {
    assertCacheDim(ctx.store.concepts, sonar.pack.json.space, sonar.pack.json.dim);
  } catch (e) {
    throw toApiError(e);
  }
  const po = parent ? storedOutput(parent)! : null;
  if (parent && po && (po.space !== sonar.pack.json.space || po.dim !== sonar.pack.json.dim)) {
    throw apiError('PACK_DIM_MISMATCH', `Run ${parent.id} was made in the space "${po.space}" (dim ${po.dim}); the installed SONAR ` +
      `pack works in "${sonar.pack.json.space}" (dim ${sonar.pack.json.dim}). Start a new run instead.`);
  }
}

/** Why a task that needs an LCM has none: the refused packs by name, else none installed. */
export function noLcmError(ctx: ServiceContext, sonar: ChosenPack, what: string, hint: string): Error {
  const refused = rejectedLcmError(lcmCandidates(ctx.packs.discovered(), sonar.pack).rejected, what);
  if (refused) return refused;
  return apiError('PACK_MISSING', `${what} needs an LCM pack, and none is installed for the concept space "${sonar.pack.json.space}". ${hint}`);
}

/** What `requested` means for these packs (engine/tasks/method.ts chooseMethod, on the packs' measured quality). */
function methodFor(ctx: ServiceContext, sonar: ChosenPack, task: TaskKind, requested: Method, candidate: ChosenPack | null): MethodChoice {
  const q = ctx.packs.quality.bind(ctx.packs);
  return chooseMethod({ requested, task, hasLcm: !!candidate, sonarQuality: q(sonar.pack), lcmQuality: candidate ? q(candidate.pack) : null });
}

/** Validate a run request and resolve its packs (no side effects). */
export function planRun(ctx: ServiceContext, req: RunRequest): RunPlan {
  const method = checkRequestShape(req);
  const doc = getDocument(ctx, req.documentId);
  const parent = parentRun(ctx, req, doc);
  const po: StoredOutput | null = parent ? storedOutput(parent) : null;
  const task: TaskKind = po ? (po.task ?? (parent!.task as TaskKind)) : req.task;
  const sonar = ctx.packs.sonar();
  checkSpace(ctx, sonar, parent);
  const regenerate = !!parent && (req.pinned?.length ?? 0) > 0;
  const generates = !parent || regenerate;
  // `auto`: the LCM only when both packs have measured, non-demo quality (engine/tasks/method.ts)
  const candidate = task !== 'translate' && generates ? ctx.packs.lcm(sonar.pack, req.lcmPack) : null;
  const choice: MethodChoice = po
    ? { requested: method, used: po.method, reason: po.methodChoice?.reason ?? 'requested' }
    : ctx.packs.withSkipped(methodFor(ctx, sonar, task, method, candidate), sonar.pack, candidate);
  const needsLcm = task === 'expand' || task === 'continue' || (task === 'summarize' && choice.used === 'lcm');
  const lcm = needsLcm && generates ? candidate : null;
  if (needsLcm && !lcm && generates) {
    const what = task === 'summarize' ? 'An LCM summary' : `"${task}"`;
    throw noLcmError(ctx, sonar, what, 'Install one (models/mini has Base and Two-Tower packs)' + (task === 'summarize' ? ', or use the extractive method.' : '.'));
  }
  return { doc, parent, task, method: choice.used as Method, choice, sonar, lcm, regenerate };
}

/** What startRun checks, for callers that want to know before importing anything (the CLI). */
export async function checkRunPlan(ctx: ServiceContext, req: { task: TaskKind; targetLang: LangCode; method?: Method; lcmPack?: string; sourceLang?: LangCode | null; load?: boolean }) {
  requireLang(req.targetLang, 'target language');
  if (req.sourceLang) requireLang(req.sourceLang, 'source language');
  const sonar = ctx.packs.sonar();
  assertCacheDim(ctx.store.concepts, sonar.pack.json.space, sonar.pack.json.dim);
  const candidate = req.task !== 'translate' ? ctx.packs.lcm(sonar.pack, req.lcmPack) : null;
  const choice = ctx.packs.withSkipped(methodFor(ctx, sonar, req.task, req.method ?? 'auto', candidate), sonar.pack, candidate);
  const needs = choice.used === 'lcm';
  const lcm = needs ? candidate : null;
  if (needs && !lcm) {
    const what = `"${req.task}"${req.task === 'summarize' ? ' with --method lcm' : ''}`;
    throw noLcmError(ctx, sonar, what, 'Pass --pack with a Base or Two-Tower LCM pack' + (req.task === 'summarize' ? ', or use --method extractive.' : '.'));
  }
  if (req.load) {
    // open the graphs now: a damaged pack fails here, before anything is imported
    await ctx.engines.sonar(sonar.pack);
    if (lcm) await ctx.engines.lcm(lcm.pack);
  }
  return { sonar: ctx.packs.info(sonar.pack, sonar.bundled, true), lcm: lcm ? ctx.packs.info(lcm.pack, lcm.bundled, true) : null, method: choice };
}

/**
 * What the active SONAR pack's held-out figures say the decoded text of such a run keeps, before it starts (the task
 * panel's note, the CLI's warning). The method is chosen as startRun would; the source is the run's language override,
 * else the document's. Null when nothing is decoded or the pack measured nothing for the direction.
 */
export function expectRunPlan(ctx: ServiceContext, req: ExpectRunRequest): DecodingExpectation | null {
  requireLang(req.targetLang, 'target language');
  if (req.sourceLang) requireLang(req.sourceLang, 'source language');
  const doc = getDocument(ctx, req.documentId);
  const sonar = ctx.packs.sonar();
  const table = parseDecodingQuality(sonar.pack.json.decoding_quality);
  if (!table) return null;
  let candidate: ChosenPack | null = null;
  try {
    candidate = req.task !== 'translate' ? ctx.packs.lcm(sonar.pack) : null;
  } catch {
    candidate = null; // a refused LCM pack: startRun will say so; without one, auto is extractive
  }
  const choice = methodFor(ctx, sonar, req.task, req.method ?? 'auto', candidate);
  const source = req.sourceLang ?? doc.language ?? 'eng_Latn';
  if (!runDecodes({ task: req.task, method: choice.used, source, target: req.targetLang })) return null;
  const x: DecodingExpectation = expectDecoding(table, source, req.targetLang);
  if (choice.used === 'lcm' && candidate) {
    const lq = ctx.packs.quality(candidate.pack);
    const summary = lq.metrics.find((m) => m.name === 'summary_rougeL');
    x.generator = { pack: candidate.pack.json.name, demo: lq.demo, ...(summary ? { summary } : {}) };
  }
  return x.tier === 'unmeasured' && !x.generator?.demo ? null : x;
}

/** The questions asked before a run: checkRun (the CLI, before importing) and expectRun (the task panel's note). */
export function planApi(ctx: ServiceContext) {
  return {
    checkRun: (req: Parameters<typeof checkRunPlan>[1]) => guarded(() => checkRunPlan(ctx, req)),
    expectRun: (req: ExpectRunRequest) => guarded(() => expectRunPlan(ctx, req)),
  };
}
