/**
 * The engine service: every method of the ConceptApi (contract.ts) over the SQLite store, the model packs and the
 * engine worker. Electron (engine-host), the HTTP server (browser mode) and the CLI all use this one object.
 *
 *   const svc = await createService({ dbPath, packDirs: ['models/mini'] });
 *   const off = svc.onEvent((ev) => ...);            // progress | done | error, by requestId
 *   const { document } = await svc.importDocument({ name: 'a.txt', text });
 *   const { requestId } = await svc.startRun({ documentId: document.id, task: 'summarize', targetLang: 'deu_Latn' });
 *   const result = await svc.waitForRun(requestId);  // or listen for the 'done' event
 *   await svc.close();
 *
 * Runs: startRun validates the request (document, languages, packs, cached-concept dimension) and rejects at once on
 * a problem; otherwise it returns a request id and the task runs in the background: load → segment → encode (cache
 * first) → generate → decode → save, with progress events per stage. The run is stored in one go when it ends
 * (done, cancelled or failed), with its parameters, timings, pack versions and output concepts, so that a later run
 * with `parentRunId` can re-decode it into another language (only the decoder runs) or regenerate around pinned
 * sentences. ONNX inference happens in one worker thread (runtime/host.ts); this thread only orchestrates.
 *
 * This file is the composition root: each concern is a module of its own —
 *   documents.ts   import, list, view, delete          settings.ts   preferences and their validation
 *   packs.ts       discovery, choice, verification      engines.ts    the worker and the models opened in it
 *   runs.ts        start, cancel, history               run-plan.ts → run-execute.ts → run-output.ts: one run
 *   concepts.ts    concept map, runText, encode/decode without a stored run
 */
import { openStore, type Store } from '../store/index.js';
import { withValidation } from './validate.js';
import type { ApiEvent, ConceptApi, LanguageInfo, LangCode, RunResult } from './contract.js';
import { conceptsApi, type ConceptsApi } from './concepts.js';
import { documentLookup, documentsApi, segmentText } from './documents.js';
import { createEngines } from './engines.js';
import { apiError, toApiError } from './errors.js';
import { languageTable } from './languages.js';
import type { ServiceOptions } from './options.js';
import { createPackRegistry, packsApi } from './packs.js';
import { createRuns } from './runs.js';
import { readSettings, settingsApi } from './settings.js';

export type { ServiceOptions };
export type { EncodeSentencesResult } from './concepts.js';
export { expandHome } from './settings.js';

export interface ConceptService extends ConceptApi, ConceptsApi {
  onEvent(cb: (ev: ApiEvent) => void): () => void;
  close(): Promise<void>;
  /** the result of a run started with startRun (rejects with its ApiError) */
  waitForRun(requestId: string): Promise<RunResult>;
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

/** Send an event to every listener; a listener's failure is its own. */
function notify(listeners: Set<(ev: ApiEvent) => void>, ev: ApiEvent): void {
  for (const cb of [...listeners]) {
    try {
      cb(ev);
    } catch {
      /* a listener's failure is its own */
    }
  }
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
  const emit = (ev: ApiEvent) => notify(listeners, ev);
  let closed = false;

  const settings = () => readSettings(store, opts);
  const packs = createPackRegistry({ opts, store, settings });
  const engines = createEngines({ opts, settings, checkWeights: (p) => packs.checkWeights(p), sonarPack: packs.sonarPack });
  const docs = documentLookup(store);
  const runs = createRuns({ opts, store, packs, engines, emit, docs, settings });
  const { sonarPack } = packs;

  const api: ConceptService = {
    store,

    async languages(): Promise<LanguageInfo[]> {
      let trained: Set<string> | null = null;
      try {
        const j = sonarPack().pack.json as { languages_trained?: Record<string, unknown> };
        trained = new Set(Object.keys(j.languages_trained ?? {}));
      } catch {
        trained = null;
      }
      return languageTable().map((l) => ({ ...l, trained: trained ? trained.has(l.code) : false }));
    },

    ...documentsApi(store, opts),
    ...runs.api,
    ...conceptsApi({ opts, store, docs, packs, engines }),
    ...packsApi(packs, { opts, store, settings, busy: runs.busy, closeEngines: engines.closeEngines }),
    runtime: engines.runtime,
    ...settingsApi({
      store,
      opts,
      packExists: (kind, name) => packs.discovered().some((d) => d.pack?.json.kind === kind && d.pack.json.name === name),
      onRuntimeChange: engines.resetRuntime,
    }),

    onEvent(cb) {
      listeners.add(cb);
      return () => void listeners.delete(cb);
    },

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

    async close() {
      if (closed) return;
      await runs.abortAll();
      closed = true;
      await engines.close();
      listeners.clear();
      store.close();
    },
  };
  // every request's arguments are checked by one schema before a method runs (validate.ts)
  return withValidation(api);
}
