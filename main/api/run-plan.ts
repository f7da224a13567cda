/**
 * A run's plan: the request validated and resolved — document, parent run, task, method (`auto` resolved), SONAR and
 * LCM packs — before anything runs, so a bad request is refused at once and nothing is stored.
 */
import { assertCacheDim } from '../engine/adapters/cache.js';
import { chooseMethod } from '../engine/tasks/index.js';
import type { RunRecord } from '../store/runs.js';
import type { Store } from '../store/index.js';
import type { Method, MethodChoice, RunRequest, TaskKind } from './contract.js';
import type { DocumentLookup } from './documents.js';
import { apiError, toApiError } from './errors.js';
import { requireLang } from './languages.js';
import type { PackRegistry } from './packs.js';
import type { StoredOutput } from './run-output.js';

const TASKS = new Set<TaskKind>(['summarize', 'expand', 'translate', 'continue']);
const METHODS = new Set<Method>(['auto', 'lcm', 'extractive']);

export type RunPlan = ReturnType<typeof plan>;

/** Validate a run request and resolve its packs (no side effects). */
export function plan(req: RunRequest, d: { store: Store; docs: DocumentLookup; packs: PackRegistry }) {
  const { store } = d;
  const { getDoc } = d.docs;
  const { sonarPack, lcmPack, quality } = d.packs;
  if (!req || typeof req !== 'object') throw apiError('INVALID_REQUEST', 'startRun needs a request object.');
  if (!TASKS.has(req.task)) throw apiError('INVALID_REQUEST', `Unknown task "${req.task}"; use summarize, expand, translate or continue.`);
  const method: Method = req.method ?? 'auto';
  if (!METHODS.has(method)) throw apiError('INVALID_REQUEST', `Unknown method "${req.method}"; use auto, lcm or extractive.`);
  requireLang(req.targetLang, 'target language');
  const len = req.length;
  if (len?.sentences !== undefined && !(Number.isFinite(len.sentences) && len.sentences >= 1)) {
    throw apiError('INVALID_REQUEST', `length.sentences must be a number ≥ 1 (got ${len.sentences}).`);
  }
  if (len?.ratio !== undefined && !(Number.isFinite(len.ratio) && len.ratio > 0 && len.ratio <= 10)) {
    throw apiError('INVALID_REQUEST', `length.ratio must be a number in (0, 10] (got ${len.ratio}).`);
  }
  const doc = getDoc(req.documentId);
  let parent: RunRecord | null = null;
  if (req.parentRunId !== undefined && req.parentRunId !== null) {
    parent = store.runs.get(req.parentRunId) ?? null;
    if (!parent) throw apiError('NOT_FOUND', `There is no run ${req.parentRunId} to start from.`);
    if (parent.documentId !== doc.id) throw apiError('INVALID_REQUEST', `Run ${parent.id} belongs to another document.`);
    if (parent.status !== 'done' || !parent.output) throw apiError('INVALID_REQUEST', `Run ${parent.id} did not finish; start a new run instead.`);
  }
  const task: TaskKind = parent ? ((parent.output as StoredOutput).task ?? (parent.task as TaskKind)) : req.task;
  const sonar = sonarPack();
  try {
    assertCacheDim(store.concepts, sonar.pack.json.space, sonar.pack.json.dim);
  } catch (e) {
    throw toApiError(e);
  }
  if (parent) {
    const po = parent.output as StoredOutput;
    if (po.space !== sonar.pack.json.space || po.dim !== sonar.pack.json.dim) {
      throw apiError('PACK_DIM_MISMATCH', `Run ${parent.id} was made in the space "${po.space}" (dim ${po.dim}); the installed SONAR ` +
        `pack works in "${sonar.pack.json.space}" (dim ${sonar.pack.json.dim}). Start a new run instead.`);
    }
  }
  const regenerate = !!parent && (req.pinned?.length ?? 0) > 0;
  // `auto`: the LCM only when both packs have measured, non-demo quality (engine/tasks/method.ts)
  const candidate = task !== 'translate' && (!parent || regenerate) ? lcmPack(sonar.pack, req.lcmPack) : null;
  const choice: MethodChoice = parent
    ? { requested: method, used: (parent.output as StoredOutput).method, reason: (parent.output as StoredOutput).methodChoice?.reason ?? 'requested' }
    : chooseMethod({ requested: method, task, hasLcm: !!candidate, sonarQuality: quality(sonar.pack), lcmQuality: candidate ? quality(candidate.pack) : null });
  const resolvedMethod = choice.used;
  const needsLcm = task === 'expand' || task === 'continue' || (task === 'summarize' && resolvedMethod === 'lcm');
  const lcm = needsLcm && (!parent || regenerate) ? candidate : null;
  if (needsLcm && !lcm && (!parent || regenerate)) {
    throw apiError('PACK_MISSING', `${task === 'summarize' ? 'An LCM summary' : `"${task}"`} needs an LCM pack, and none is ` +
      `installed for the concept space "${sonar.pack.json.space}". Install one (models/mini has Base and Two-Tower packs)` +
      (task === 'summarize' ? ', or use the extractive method.' : '.'));
  }
  return { doc, parent, task, method: resolvedMethod as Method, choice, sonar, lcm, regenerate };
}
