/**
 * Runs: start (plan at once, execute in the background), cancel, wait, and the run history. A run that ends without
 * a result (cancelled or failed) is recorded too, so the history shows it.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, type RunRequest, type RunResult } from './contract.js';
import { apiError, toApiError } from './errors.js';
import { guarded, packVersion, type ServiceContext } from './context.js';
import { getDocument } from './documents.js';
import { executeRun } from './run-execute.js';
import { planRun, type RunPlan } from './run-plan.js';
import { toRunResult, toRunSummary } from './run-record.js';

interface ActiveRun {
  controller: AbortController;
  promise: Promise<RunResult>;
}

function recordEnded(ctx: ServiceContext, req: RunRequest, p: RunPlan, status: 'cancelled' | 'failed', err: ApiError): void {
  try {
    ctx.store.runs.create({
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

export function runsApi(ctx: ServiceContext, hooks: { onStarted(req: RunRequest): void }) {
  const active = new Map<string, ActiveRun>();
  const finished = new Map<string, Promise<RunResult>>();

  const run = (requestId: string, req: RunRequest, p: RunPlan, controller: AbortController) =>
    new Promise<RunResult>((resolveRun, rejectRun) => {
      setImmediate(() => {
        executeRun(ctx, requestId, req, p, controller.signal).then(
          (result) => {
            ctx.emit({ type: 'done', requestId, result });
            resolveRun(result);
          },
          (e) => {
            let err = toApiError(e);
            if (controller.signal.aborted) err = new ApiError('CANCELLED', 'The run was cancelled.');
            recordEnded(ctx, req, p, err.code === 'CANCELLED' ? 'cancelled' : 'failed', err);
            ctx.emit({ type: 'error', requestId, code: err.code, message: err.message });
            rejectRun(err);
          },
        ).finally(() => active.delete(requestId));
      });
    });

  return {
    active,

    async startRun(req: RunRequest) {
      let p: RunPlan;
      try {
        p = planRun(ctx, req);
      } catch (e) {
        throw toApiError(e);
      }
      const requestId = randomUUID();
      const controller = new AbortController();
      const promise = run(requestId, req, p, controller);
      promise.catch(() => undefined);
      active.set(requestId, { controller, promise });
      finished.set(requestId, promise);
      if (finished.size > 200) finished.delete(finished.keys().next().value!);
      hooks.onStarted(req);
      return { requestId };
    },

    async cancelRun(requestId: string) {
      const r = active.get(requestId);
      if (!r) {
        if (finished.has(requestId)) return; // already over
        throw apiError('NOT_FOUND', `No run with request id ${requestId} is in progress.`);
      }
      r.controller.abort(new DOMException('The run was cancelled', 'AbortError'));
    },

    async waitForRun(requestId: string) {
      const p = finished.get(requestId);
      if (!p) throw apiError('NOT_FOUND', `No run with request id ${requestId}.`);
      return p;
    },

    listRuns: (documentId: number) => guarded(() => {
      getDocument(ctx, documentId, true);
      return ctx.store.runs.list({ documentId }).map(toRunSummary);
    }),

    getRun: (runId: number) => guarded(() => {
      const r = ctx.store.runs.get(runId);
      if (!r) throw apiError('NOT_FOUND', `There is no run ${runId}.`);
      return toRunResult(r);
    }),


    /** abort every run in progress and wait for each to end (the service is closing) */
    async abortAll(): Promise<void> {
      for (const r of active.values()) r.controller.abort(new DOMException('The service is closing', 'AbortError'));
      await Promise.allSettled([...active.values()].map((r) => r.promise));
    },
  };
}
