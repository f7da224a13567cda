/**
 * The engine service: every method of the ConceptApi (contract.ts) over the SQLite store, the model packs and the
 * engine worker. Electron (engine-host), the HTTP server (browser mode) and the CLI all use this one object. This
 * file only composes it; each concern lives in its module:
 *
 *   settings.ts    defaults and the validated settings patch
 *   packs.ts       where packs are searched, which ones a run uses, verification; list/import/remove/verify
 *   engines.ts     the engine worker and the SONAR/LCM engines opened in it; the runtime report
 *   documents.ts   import (off this thread for large inputs), list, view, delete, restore
 *   runs.ts        start/cancel/wait and the history; run-plan.ts → run-execute.ts → run-record.ts
 *   run-plan.ts    also what is asked before a run: checkRun (CLI) and expectRun (the measured quality note)
 *   text-tasks.ts  tasks on loose sentences, encode/decode through the cache, the concept map, languages
 *   sonar-download.ts  the SONAR licence, download and conversion into a pack (getSonar)
 *   selftest.ts    the pack self-test (selftestPack; also run by getSonar on the pack it installed)
 *
 *   const svc = await createService({ dbPath, packDirs: ['models/mini'] });
 *   const off = svc.onEvent((ev) => ...);            // progress | done | error, by requestId
 *   const { document } = await svc.importDocument({ name: 'a.txt', text });
 *   const { requestId } = await svc.startRun({ documentId: document.id, task: 'summarize', targetLang: 'deu_Latn' });
 *   const result = await svc.waitForRun(requestId);  // or listen for the 'done' event
 *   await svc.close();
 *
 * ONNX inference happens in one worker thread (engine/runtime/host.ts); this thread only orchestrates.
 */
import type { ApiEvent, ConceptApi, LangCode, Method, MethodChoice, PackInfo, RunResult, TaskKind } from './contract.js';
import { apiError, toApiError } from './errors.js';
import { withValidation } from './validate.js';
import type { ServiceContext, ServiceOptions } from './context.js';
import { documentsApi } from './documents.js';
import { Engines } from './engines.js';
import { PackRegistry, packsApi } from './packs.js';
import { runsApi } from './runs.js';
import { planApi } from './run-plan.js';
import { sonarDownloadApi } from './sonar-download.js';
import { selftestApi } from './selftest.js';
import { readSettings, saveSettingsPatch, settingsApi } from './settings.js';
import { textApi, type RunTextRequest } from './text-tasks.js';
import { openStore, type Store } from '../store/index.js';
import { segmentText } from '../engine/import/prepare.js';
import type { TaskResult } from '../engine/tasks/index.js';

export { expandHome, type ServiceOptions } from './context.js';

export interface EncodeSentencesResult {
  vectors: Float32Array[];
  hits: number;
  misses: number;
  space: string;
  dim: number;
  pack: string;
  timings: Record<string, number>;
}

export interface ConceptService extends ConceptApi {
  onEvent(cb: (ev: ApiEvent) => void): () => void;
  close(): Promise<void>;
  /** the result of a run started with startRun (rejects with its ApiError) */
  waitForRun(requestId: string): Promise<RunResult>;
  /** what startRun checks before anything runs: packs present and compatible, cache dimension, languages */
  checkRun(req: { task: TaskKind; targetLang: LangCode; method?: Method; lcmPack?: string; sourceLang?: LangCode | null; load?: boolean }): Promise<{ sonar: PackInfo; lcm: PackInfo | null; method: MethodChoice }>;
  /** A task on sentences that are not stored as a document (evaluation, scripts): cache used, nothing else written. */
  runText(req: RunTextRequest): Promise<TaskResult>;
  /** one concept per text (through the cache) */
  encodeSentences(texts: string[], lang: LangCode, opts?: { signal?: AbortSignal }): Promise<EncodeSentencesResult>;
  /** text of each vector in a language */
  decodeVectors(vectors: Float32Array[], lang: LangCode, opts?: { signal?: AbortSignal; beam?: number }): Promise<string[]>;
  /** segment + detect helpers (used by eval/tests) */
  segmentText(text: string, lang?: LangCode | null): { sentences: { idx: number; paragraph: number; start: number; end: number; text: string }[]; language: LangCode | null; confidence: number };
  /** the database's state, for `concept doctor`: integrity, schema version, documents, cached concept spaces */
  health(): { database: DatabaseHealth };
  store: Store;
}

export interface DatabaseHealth {
  path: string;
  ok: boolean;
  problems: string[];
  schemaVersion: number;
  documents: number;
  conceptSpaces: ReturnType<Store['concepts']['spaces']>;
}

export async function createService(opts: ServiceOptions): Promise<ConceptService> {
  if (!opts || typeof opts.dbPath !== 'string' || !opts.dbPath) throw apiError('INVALID_REQUEST', 'createService needs a dbPath.');
  let store: Store;
  try {
    store = openStore(opts.dbPath);
  } catch (e) {
    throw toApiError(e);
  }
  const listeners = new Set<(ev: ApiEvent) => void>();
  const settings = () => readSettings(store, opts);
  const packs = new PackRegistry(opts, store, settings);
  const engines = new Engines(opts, packs, settings);
  let runs: ReturnType<typeof runsApi> | null = null;
  const ctx: ServiceContext = {
    opts,
    store,
    settings,
    saveSettings: (patch) => saveSettingsPatch(store, patch),
    emit(ev) {
      for (const cb of [...listeners]) {
        try {
          cb(ev);
        } catch {
          /* a listener's failure is its own */
        }
      }
    },
    packs,
    engines,
    activeRuns: () => runs?.active.size ?? 0,
  };
  const settingsPart = settingsApi(ctx);
  const { importer, ...documents } = documentsApi(ctx);
  runs = runsApi(ctx, { onStarted: (req) => settingsPart.rememberLanguage(req.targetLang) });
  const { active, abortAll, ...runMethods } = runs;
  const selftest = selftestApi(ctx, (id) => active.has(id));
  const { cancel: cancelDownload, ...sonarMethods } = sonarDownloadApi(ctx, (id) => active.has(id) || selftest.has(id), selftest.afterInstall);
  const { cancel: cancelSelftest, has: _has, afterInstall: _after, ...selftestMethods } = selftest;
  const { rememberLanguage: _remember, ...settingsMethods } = settingsPart;
  let closed = false;

  const api: ConceptService = {
    store,
    ...documents,
    ...runMethods, ...planApi(ctx),
    // a download (getSonar) is cancelled like a run, by its request id
    cancelRun: async (requestId) => (cancelDownload(requestId) || cancelSelftest(requestId) ? undefined : runMethods.cancelRun(requestId)),
    ...sonarMethods,
    ...selftestMethods,
    ...packsApi(ctx),
    ...settingsMethods,
    ...textApi(ctx),
    runtime: () => engines.runtime(),
    segmentText,
    health() {
      const check = store.check();
      return {
        database: {
          path: store.path, ok: check.ok, problems: check.problems, schemaVersion: store.schemaVersion(),
          documents: store.documents.count(), conceptSpaces: store.concepts.spaces(),
        },
      };
    },
    onEvent(cb) {
      listeners.add(cb);
      return () => void listeners.delete(cb);
    },
    async close() {
      if (closed) return;
      await abortAll();
      closed = true;
      await engines.shutdown();
      await importer.close();
      listeners.clear();
      store.close();
    },
  };
  // every request's arguments are checked by one schema before a method runs (validate.ts)
  return withValidation(api);
}

export default createService;
