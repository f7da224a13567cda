/**
 * Runs: one task on one document (summarize, translate, expand, ...), with its parameters, output, per-stage
 * timings and the versions of the packs used, all as JSON. A run starts `running` (or is recorded finished in one
 * go) and ends `done`, `failed` or `cancelled`. `parentRunId` links a re-run (e.g. the same summary in another
 * language) to the run it came from.
 */
import { NotFoundError, StoreError } from './errors.js';
import { fromJson, guard, toJson, writeTransaction, type StoreContext } from './context.js';

export type RunStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
const STATUSES: readonly RunStatus[] = ['pending', 'running', 'done', 'failed', 'cancelled'];

export interface RunError {
  code: string;
  message: string;
}

export interface RunRecord<P = unknown, O = unknown> {
  id: number;
  documentId: number | null;
  parentRunId: number | null;
  task: string;
  status: RunStatus;
  parameters: P;
  output: O | null;
  timings: Record<string, number> | null;
  packVersions: Record<string, string>;
  error: RunError | null;
  createdAt: number;
  finishedAt: number | null;
}

export interface NewRun {
  task: string;
  documentId?: number | null;
  parentRunId?: number | null;
  parameters?: unknown;
  packVersions?: Record<string, string>;
  /** default 'running'; give 'done' with output/timings to record a finished run at once */
  status?: RunStatus;
  output?: unknown;
  timings?: Record<string, number>;
  error?: RunError;
}

export interface FinishRun {
  status: Exclude<RunStatus, 'pending' | 'running'>;
  output?: unknown;
  timings?: Record<string, number>;
  error?: RunError;
}

export interface RunsRepo {
  create(run: NewRun): RunRecord;
  finish(id: number, result: FinishRun): RunRecord;
  get(id: number): RunRecord | undefined;
  require(id: number): RunRecord;
  list(opts?: { documentId?: number; task?: string; limit?: number; offset?: number }): RunRecord[];
  children(parentRunId: number): RunRecord[];
  delete(id: number): boolean;
}

interface Row {
  id: number;
  document_id: number | null;
  parent_run_id: number | null;
  task: string;
  status: RunStatus;
  parameters: string;
  output: string | null;
  timings: string | null;
  pack_versions: string;
  error: string | null;
  created_at: number;
  finished_at: number | null;
}

function toRecord(r: Row): RunRecord {
  return {
    id: r.id,
    documentId: r.document_id,
    parentRunId: r.parent_run_id,
    task: r.task,
    status: r.status,
    parameters: fromJson(r.parameters),
    output: fromJson(r.output),
    timings: fromJson(r.timings),
    packVersions: fromJson(r.pack_versions) ?? {},
    error: fromJson(r.error),
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

const FINISHED = new Set<RunStatus>(['done', 'failed', 'cancelled']);

function statements(db: StoreContext['db']) {
  return {
    insert: db.prepare(`INSERT INTO runs (document_id, parent_run_id, task, status, parameters, output, timings,
      pack_versions, error, created_at, finished_at)
      VALUES (@documentId, @parentRunId, @task, @status, @parameters, @output, @timings, @packVersions, @error,
      @createdAt, @finishedAt)`),
    get: db.prepare('SELECT * FROM runs WHERE id = ?'),
    finish: db.prepare(`UPDATE runs SET status = @status, output = @output, timings = @timings, error = @error,
      finished_at = @finishedAt WHERE id = @id`),
    list: db.prepare(`SELECT * FROM runs WHERE (@documentId IS NULL OR document_id = @documentId)
      AND (@task IS NULL OR task = @task) ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`),
    children: db.prepare('SELECT * FROM runs WHERE parent_run_id = ? ORDER BY created_at, id'),
    delete: db.prepare('DELETE FROM runs WHERE id = ?'),
  };
}

const json = (v: unknown) => (v === undefined ? null : toJson(v));

function createRun(ctx: StoreContext, stmts: ReturnType<typeof statements>, run: Parameters<RunsRepo['create']>[0]): RunRecord {
  const { path } = ctx;
  if (!run.task) throw new StoreError('INVALID_ARGUMENT', 'A run needs a task', path);
  const status = run.status ?? 'running';
  if (!STATUSES.includes(status)) throw new StoreError('INVALID_ARGUMENT', `Unknown run status ${status}`, path);
  const now = Date.now();
  return writeTransaction(ctx, () => {
    const info = stmts.insert.run({
      documentId: run.documentId ?? null,
      parentRunId: run.parentRunId ?? null,
      task: run.task,
      status,
      parameters: toJson(run.parameters ?? {}),
      output: json(run.output),
      timings: json(run.timings),
      packVersions: toJson(run.packVersions ?? {}),
      error: json(run.error),
      createdAt: now,
      finishedAt: FINISHED.has(status) ? now : null,
    });
    return toRecord(stmts.get.get(Number(info.lastInsertRowid)) as Row);
  });
}

export function runsRepo(ctx: StoreContext): RunsRepo {
  const { db, path } = ctx;
  const stmts = statements(db);
  const get = (id: number) => guard(ctx, () => {
    const row = stmts.get.get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  });
  return {
    create: (run) => createRun(ctx, stmts, run),
    finish(id, result) {
      if (!FINISHED.has(result.status)) {
        throw new StoreError('INVALID_ARGUMENT', `A run finishes as done, failed or cancelled, not ${result.status}`, path);
      }
      return writeTransaction(ctx, () => {
        const info = stmts.finish.run({
          id,
          status: result.status,
          output: json(result.output),
          timings: json(result.timings),
          error: json(result.error),
          finishedAt: Date.now(),
        });
        if (info.changes === 0) throw new NotFoundError('run', id, path);
        return toRecord(stmts.get.get(id) as Row);
      });
    },
    get,
    require(id) {
      const r = get(id);
      if (!r) throw new NotFoundError('run', id, path);
      return r;
    },
    list(opts = {}) {
      return guard(ctx, () =>
        (stmts.list.all({
          documentId: opts.documentId ?? null,
          task: opts.task ?? null,
          limit: opts.limit ?? -1,
          offset: opts.offset ?? 0,
        }) as Row[]).map(toRecord));
    },
    children(parentRunId) {
      return guard(ctx, () => (stmts.children.all(parentRunId) as Row[]).map(toRecord));
    },
    delete(id) {
      return writeTransaction(ctx, () => stmts.delete.run(id).changes > 0);
    },
  };
}
