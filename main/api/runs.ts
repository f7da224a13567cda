/**
 * Runs: startRun plans a run (run-plan.ts) and refuses a bad request at once, then executes it in the background
 * (run-execute.ts) and reports progress, the result or the error as events; cancelRun aborts it; the history
 * (listRuns, getRun) is read from the store (run-output.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/index.js';
import { ApiError, type ConceptApi, type RunRequest, type RunResult, type Settings } from './contract.js';
import type { DocumentLookup } from './documents.js';
import { apiError, toApiError } from './errors.js';
import { packVersion } from './packs.js';
import { execute, type RunDeps } from './run-execute.js';
import { toRunResult, toRunSummary } from './run-output.js';
import { plan, type RunPlan } from './run-plan.js';

interface ActiveRun {
  controller: AbortController;
  promise: Promise<RunResult>;
}

export type RunsApi = Pick<ConceptApi, 'startRun' | 'cancelRun' | 'listRuns' | 'getRun'> & {
  waitForRun(requestId: string): Promise<RunResult>;
};

export function createRuns(d: RunDeps & { docs: DocumentLookup; settings: () => Settings }) {
  const { store, docs, settings } = d;
  const { getDoc } = docs;
  const active = new Map<string, ActiveRun>();
  const finished = new Map<string, Promise<RunResult>>();
  const api: RunsApi = {
    async startRun(req) {
      let p: RunPlan;
      try {
        p = plan(req, { store, docs, packs: d.packs });
      } catch (e) {
        throw toApiError(e);
      }
      const requestId = randomUUID();
      const controller = new AbortController();
      const promise = new Promise<RunResult>((resolveRun, rejectRun) => {
        setImmediate(() => {
          execute(d, requestId, req, p, controller.signal).then(
            (result) => {
              d.emit({ type: 'done', requestId, result });
              resolveRun(result);
            },
            (e) => {
              let err = toApiError(e);
              if (controller.signal.aborted) err = new ApiError('CANCELLED', 'The run was cancelled.');
              recordEnded(store, req, p, err.code === 'CANCELLED' ? 'cancelled' : 'failed', err);
              d.emit({ type: 'error', requestId, code: err.code, message: err.message });
              rejectRun(err);
            },
          ).finally(() => {
            active.delete(requestId);
          });
        });
      });
      promise.catch(() => undefined);
      active.set(requestId, { controller, promise });
      finished.set(requestId, promise);
      if (finished.size > 200) finished.delete(finished.keys().next().value!);
      try {
        const s = settings();
        const recent = [req.targetLang, ...s.recentLanguages.filter((l) => l !== req.targetLang)].slice(0, 8);
        if (recent.join() !== s.recentLanguages.join()) store.settings.set('settings', { ...(store.settings.get<object>('settings') ?? {}), recentLanguages: recent });
      } catch {
        /* not worth failing a run for */
      }
      return { requestId };
    },

    async cancelRun(requestId) {
      const r = active.get(requestId);
      if (!r) {
        if (finished.has(requestId)) return; // already over
        throw apiError('NOT_FOUND', `No run with request id ${requestId} is in progress.`);
      }
      r.controller.abort(new DOMException('The run was cancelled', 'AbortError'));
    },

    async waitForRun(requestId) {
      const p = finished.get(requestId);
      if (!p) throw apiError('NOT_FOUND', `No run with request id ${requestId}.`);
      return p;
    },

    async listRuns(documentId) {
      try {
        getDoc(documentId, true);
        return store.runs.list({ documentId }).map(toRunSummary);
      } catch (e) {
        throw toApiError(e);
      }
    },

    async getRun(runId) {
      try {
        const r = store.runs.get(runId);
        if (!r) throw apiError('NOT_FOUND', `There is no run ${runId}.`);
        return toRunResult(r);
      } catch (e) {
        throw toApiError(e);
      }
    },
  };

  /** Cancel every run in progress and wait for them to end (the service is closing). */
  async function abortAll(): Promise<void> {
    for (const r of active.values()) r.controller.abort(new DOMException('The service is closing', 'AbortError'));
    await Promise.allSettled([...active.values()].map((r) => r.promise));
  }

  return { api, busy: () => active.size > 0, abortAll };
}

/** Record a run that ended without a result (cancelled or failed), so the history shows it. */
function recordEnded(store: Store, req: RunRequest, p: RunPlan, status: 'cancelled' | 'failed', err: ApiError) {
  try {
    store.runs.create({
      task: p.task,
      documentId: p.doc.id,
      parentRunId: p.parent?.id ?? null,
      parameters: req,
      packVersions: { sonar: packVersion(p.sonar.pack) },
      status,
      error: { code: err.code, message: err.message },
    });
  } catch {
    /* the database may be what failed */
  }
}
