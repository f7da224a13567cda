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
 */
import { randomUUID, createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, relative, resolve, isAbsolute } from 'node:path';
import {
  ApiError,
  type ApiEvent,
  type ConceptApi,
  type ConceptMapPoint,
  type DocumentSummary,
  type DocumentView,
  type ImportRequest,
  type ImportResult,
  type LangCode,
  type LanguageInfo,
  type Method,
  type MethodChoice,
  type RunFidelity,
  type StopInfo,
  type PackInfo,
  type RunRequest,
  type RunResult,
  type RunSummary,
  type RuntimeInfo,
  type Settings,
  type TaskKind,
} from './contract.js';
import { apiError, toApiError } from './errors.js';
import { withValidation } from './validate.js';
import { detectLanguage, isSonarCode, languageTable, unknownLanguageMessage } from './languages.js';
import { openStore, type Store } from '../store/index.js';
import type { DocumentRecord } from '../store/documents.js';
import type { RunRecord } from '../store/runs.js';
import { importBuffer, DEFAULT_MAX_TEXT_BYTES } from '../engine/import/index.js';
import { segment } from '../engine/text/segmenter.js';
import { sameGroup } from '../engine/text/detect.js';
import { discoverPacks, loadPack, toPackInfo, verifyPack, BUNDLED_PACKS_DIR, type LoadedPack } from '../engine/packs/index.js';
import { EngineHost } from '../engine/runtime/host.js';
import { availableProviders, providerPlan, type ProviderReport, type SessionConfig } from '../engine/runtime/session.js';
import { SONAR_HANDLERS } from '../engine/sonar/client.js';
import { openSonarEngine, type SonarEngine } from '../engine/adapters/sonar.js';
import { openLcmEngine, type LcmEngine } from '../engine/adapters/lcm.js';
import { assertCacheDim, storeConceptCache } from '../engine/adapters/cache.js';
import { fidelityThresholds, packQuality } from '../engine/packs/quality.js';
import { PackVerifier, type HashEntry } from '../engine/packs/verified.js';
import {
  cachedEncode,
  chooseMethod,
  conceptMap as buildConceptMap,
  DEFAULT_FIDELITY,
  stopInfo,
  continueText,
  expand,
  redecode,
  summarize,
  translate,
  TaskError,
  type Origin,
  type SourceDocument,
  type TaskContext,
  type TaskResult,
  type TaskProgress,
} from '../engine/tasks/index.js';

export interface ServiceOptions {
  /** the SQLite file (created with its folder when missing) */
  dbPath: string;
  /** folders searched for packs: each a pack folder, or a folder of pack folders (searched in order) */
  packDirs?: string[];
  /** the bundled packs (models/mini); default: this checkout's, when packDirs is not given */
  bundledPackDir?: string;
  /** where importPack copies packs (and searched after packDirs); default: the userPackDir setting */
  userPackDir?: string | null;
  dataDir?: string;
  threads?: number;
  provider?: Settings['provider'];
  /** largest document text in UTF-8 bytes (default 20 MiB) */
  maxTextBytes?: number;
  /** decoder overrides for every run (tests: smaller beams and lengths) */
  decoding?: { beam?: number; greedy?: boolean; maxTokens?: number };
  /** folder for onnxruntime's optimized graphs */
  optimizedCacheDir?: string;
}

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
  /**
   * A task on sentences that are not stored as a document (evaluation, scripts): cache used, nothing else written.
   */
  runText(req: { sentences: string[]; lang: LangCode; task: TaskKind; targetLang: LangCode; method?: Method; length?: RunRequest['length']; lcmPack?: string; seed?: number; fidelity?: boolean; signal?: AbortSignal; onProgress?: (p: TaskProgress) => void }): Promise<TaskResult>;
  /** one concept per text (through the cache) */
  encodeSentences(texts: string[], lang: LangCode, opts?: { signal?: AbortSignal }): Promise<EncodeSentencesResult>;
  /** text of each vector in a language */
  decodeVectors(vectors: Float32Array[], lang: LangCode, opts?: { signal?: AbortSignal; beam?: number }): Promise<string[]>;
  /** the concept-map projection of arbitrary concepts (used by eval/tests); segment + detect helpers */
  segmentText(text: string, lang?: LangCode | null): { sentences: { idx: number; paragraph: number; start: number; end: number; text: string }[]; language: LangCode | null; confidence: number };
  store: Store;
}

const DEFAULT_SETTINGS: Settings = {
  provider: 'auto',
  threads: 0,
  theme: 'system',
  uiLanguage: null,
  recentLanguages: [],
  userPackDir: null,
  activeSonar: null,
  activeLcm: null,
  firstRunDismissed: false,
};

/** `~` and `~/…` in a typed path mean the home folder. */
export function expandHome(p: string): string {
  const t = p.trim();
  if (t === '~') return homedir();
  if (t.startsWith('~/') || t.startsWith('~\\')) return join(homedir(), t.slice(2));
  return t;
}
const PROVIDERS = new Set(['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu']);
const TASKS = new Set<TaskKind>(['summarize', 'expand', 'translate', 'continue']);
const METHODS = new Set<Method>(['auto', 'lcm', 'extractive']);

interface StoredOutput {
  version: 1;
  task: TaskKind;
  method: 'lcm' | 'extractive';
  targetLang: LangCode;
  sentences: RunResult['sentences'];
  /** output concepts, base64 little-endian float32 */
  concepts: string[];
  dim: number;
  space: string;
  origins: (Origin | null)[];
  selected?: number[];
  stopReason?: string;
  cache: { hits: number; misses: number };
  sourceLang: LangCode;
  fidelity?: RunFidelity;
  stop?: StopInfo;
  methodChoice?: MethodChoice;
  quality?: Record<string, string>;
}

interface ActiveRun {
  controller: AbortController;
  promise: Promise<RunResult>;
}

function vecToB64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}
function b64ToVec(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

function packVersion(pack: LoadedPack): string {
  const v = (pack.json as { version?: unknown }).version;
  if (typeof v === 'string' && v) return `${pack.json.name}@${v}`;
  const h = createHash('sha256').update(readFileSync(join(pack.dir, 'pack.json'))).digest('hex').slice(0, 8);
  return `${pack.json.name}@${h}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
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
  const active = new Map<string, ActiveRun>();
  const finished = new Map<string, Promise<RunResult>>();
  const maxTextBytes = opts.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES;
  let closed = false;

  // ---------- settings ----------
  const settings = (): Settings => {
    const saved = store.settings.get<Partial<Settings>>('settings') ?? {};
    const s: Settings = { ...DEFAULT_SETTINGS, ...saved };
    if (!saved.provider && opts.provider) s.provider = opts.provider;
    if (saved.threads === undefined && opts.threads !== undefined) s.threads = opts.threads;
    if (!saved.userPackDir && opts.userPackDir) s.userPackDir = opts.userPackDir;
    return s;
  };

  // ---------- packs ----------
  const packFolders = (): { path: string; bundled: boolean }[] => {
    const out: { path: string; bundled: boolean }[] = [];
    const bundled = opts.bundledPackDir ? resolve(opts.bundledPackDir) : opts.packDirs ? null : BUNDLED_PACKS_DIR;
    for (const d of opts.packDirs ?? []) out.push({ path: resolve(d), bundled: bundled !== null && resolve(d) === bundled });
    if (bundled && !out.some((o) => o.path === bundled)) out.push({ path: bundled, bundled: true });
    const user = settings().userPackDir;
    if (user) out.push({ path: resolve(user), bundled: false });
    return out;
  };
  const verified = new Map<string, { verified: PackInfo['verified']; problems: string[] }>();
  const discovered = () => discoverPacks(packFolders());
  // Weights are hash-checked before first use; digests cached by size+mtime in the store (engine/packs/verified.ts).
  const verifier = new PackVerifier({
    load: () => store.settings.get<Record<string, HashEntry>>('packHashes'),
    save: (entries) => store.settings.set('packHashes', entries),
  });
  const checkWeights = async (pack: LoadedPack, force = false): Promise<void> => {
    try {
      await verifier.assert(pack, { force });
      verified.set(pack.dir, { verified: 'ok', problems: [] });
    } catch (e) {
      verified.set(pack.dir, { verified: 'failed', problems: [(e as Error).message] });
      throw e;
    }
  };
  const quality = (p: LoadedPack) => packQuality(p.json as Record<string, unknown>);
  const thresholds = (p: LoadedPack) => fidelityThresholds(p.json as Record<string, unknown>, DEFAULT_FIDELITY);
  const info = (p: LoadedPack, bundled: boolean, active?: boolean): PackInfo => {
    const base = toPackInfo(p, { bundled, ...(verified.get(p.dir) ?? {}) }) as PackInfo;
    const out: PackInfo = { ...base, quality: quality(p) };
    if (p.json.kind === 'sonar') {
      const t = thresholds(p);
      out.fidelity = { threshold: t.threshold, good: t.good, source: t.source };
    }
    if (active !== undefined) out.active = active;
    return out;
  };

  function sonarPack(): { pack: LoadedPack; bundled: boolean } {
    const all = discovered();
    const want = settings().activeSonar;
    const ok = (want ? all.find((d) => d.pack?.json.kind === 'sonar' && d.pack.json.name === want) : undefined)
      ?? all.find((d) => d.pack?.json.kind === 'sonar');
    if (ok?.pack) return { pack: ok.pack, bundled: ok.bundled };
    const broken = all.filter((d) => d.error);
    const folders = packFolders().map((f) => f.path).join(', ') || '(none)';
    if (broken.length) {
      const e = broken[0].error!;
      throw apiError(e.code, `No usable SONAR pack: ${e.message}`);
    }
    throw apiError('PACK_MISSING', `No SONAR pack is installed (searched ${folders}). Install one (models/mini/sonar, or ` +
      '`concept packs import DIR`), or pass --pack DIR.');
  }

  function lcmPack(sonar: LoadedPack, name?: string): { pack: LoadedPack; bundled: boolean } | null {
    const all = discovered().filter((d) => d.pack?.json.kind === 'lcm');
    if (name) {
      const m = all.find((d) => d.pack!.json.name === name);
      if (!m) {
        const names = all.map((d) => d.pack!.json.name).join(', ') || 'none';
        throw apiError('PACK_MISSING', `No LCM pack named "${name}" is installed (installed: ${names}).`);
      }
      const j = m.pack!.json;
      if (j.space !== sonar.json.space) {
        throw apiError('PACK_SPACE_MISMATCH', `The LCM pack ${j.name} works in the space "${j.space}" but the SONAR pack ` +
          `${sonar.json.name} encodes into "${sonar.json.space}"; pick an LCM pack of the same space.`);
      }
      if (j.dim !== sonar.json.dim) {
        throw apiError('PACK_DIM_MISMATCH', `The LCM pack ${j.name} has dimension ${j.dim}, the SONAR pack ${sonar.json.name} ${sonar.json.dim}.`);
      }
      return { pack: m.pack!, bundled: m.bundled };
    }
    const fits = all.filter((d) => d.pack!.json.space === sonar.json.space && d.pack!.json.dim === sonar.json.dim);
    const want = settings().activeLcm;
    const m = (want ? fits.find((d) => d.pack!.json.name === want) : undefined) ?? fits[0];
    return m ? { pack: m.pack!, bundled: m.bundled } : null;
  }

  function lcmPackSafe(sonar: LoadedPack) {
    try {
      return lcmPack(sonar);
    } catch {
      return null;
    }
  }

  // ---------- engine ----------
  let host: EngineHost | null = null;
  let hostStarting: Promise<EngineHost> | null = null;
  const sonarEngines = new Map<string, Promise<SonarEngine>>();
  const lcmEngines = new Map<string, Promise<LcmEngine>>();
  let lastReport: ProviderReport | null = null;

  const sessionConfig = (): SessionConfig => {
    const s = settings();
    return {
      provider: s.provider,
      threads: s.threads > 0 ? s.threads : undefined,
      ...(opts.optimizedCacheDir ? { optimizedCacheDir: opts.optimizedCacheDir } : {}),
    };
  };
  const getHost = (): Promise<EngineHost> => {
    if (closed) return Promise.reject(apiError('ENGINE_CLOSED', 'The service was closed.'));
    if (host) return Promise.resolve(host);
    hostStarting ??= EngineHost.start({ handlerModules: [SONAR_HANDLERS] }).then((h) => (host = h));
    return hostStarting;
  };
  const sonarEngine = (pack: LoadedPack): Promise<SonarEngine> => {
    let p = sonarEngines.get(pack.dir);
    if (!p) {
      p = checkWeights(pack).then(getHost).then(async (h) => {
        const eng = await openSonarEngine(h, pack.dir, { config: sessionConfig(), decoding: opts.decoding });
        lastReport = eng.info.providers.encoder ?? eng.info.providers.decoder ?? lastReport;
        return eng;
      });
      sonarEngines.set(pack.dir, p);
      p.catch(() => sonarEngines.delete(pack.dir));
    }
    return p;
  };
  const lcmEngine = (pack: LoadedPack): Promise<LcmEngine> => {
    let p = lcmEngines.get(pack.dir);
    if (!p) {
      p = checkWeights(pack).then(getHost).then((h) => openLcmEngine(h, pack.dir, { config: sessionConfig() }));
      lcmEngines.set(pack.dir, p);
      p.catch(() => lcmEngines.delete(pack.dir));
    }
    return p;
  };
  const dropEngines = async () => {
    const all = [...sonarEngines.values(), ...lcmEngines.values()];
    sonarEngines.clear();
    lcmEngines.clear();
    await Promise.allSettled(all.map(async (p) => (await p).close()));
  };

  // ---------- events ----------
  const emit = (ev: ApiEvent) => {
    for (const cb of [...listeners]) {
      try {
        cb(ev);
      } catch {
        /* a listener's failure is its own */
      }
    }
  };

  // ---------- helpers ----------
  const requireLang = (code: unknown, what: string): LangCode => {
    if (typeof code !== 'string' || !isSonarCode(code)) throw apiError('UNKNOWN_LANGUAGE', unknownLanguageMessage(String(code), what));
    return code;
  };
  const getDoc = (id: number, includeDeleted = false): DocumentRecord => {
    if (!Number.isInteger(id)) throw apiError('INVALID_REQUEST', `A document id is a whole number, not ${JSON.stringify(id)}.`);
    const d = store.documents.get(id, { includeDeleted });
    if (!d) throw apiError('NOT_FOUND', `There is no document ${id}. \`listDocuments\` shows the documents there are.`);
    return d;
  };
  const summary = (d: { id: number; title: string; type: string; language: string | null; languageConfidence: number | null; createdAt: number }, chars: number): DocumentSummary => ({
    id: d.id,
    title: d.title,
    type: d.type,
    language: d.language,
    languageConfidence: d.languageConfidence ?? 0,
    chars,
    sentenceCount: store.sentences.count(d.id),
    createdAt: iso(d.createdAt),
  });

  function segmentText(text: string, lang?: LangCode | null) {
    const det = lang ? { lang, confidence: 1 } : detectLanguage(text);
    const language = det?.lang ?? null;
    const sents = segment(text, { lang: language ?? undefined });
    return {
      sentences: sents.map((s, idx) => ({ idx, paragraph: s.paragraph, start: s.start, end: s.end, text: s.text })),
      language,
      confidence: det?.confidence ?? 0,
    };
  }

  /** Sentence languages: per paragraph for mixed documents (confident, different from the document's). */
  function sentenceLanguages(text: string, sents: { paragraph: number; start: number; end: number }[], docLang: LangCode | null, explicit: boolean): (LangCode | null)[] {
    if (explicit || !docLang) return sents.map(() => docLang);
    const byPara = new Map<number, { start: number; end: number }>();
    for (const s of sents) {
      const p = byPara.get(s.paragraph);
      if (!p) byPara.set(s.paragraph, { start: s.start, end: s.end });
      else p.end = s.end;
    }
    const paraLang = new Map<number, LangCode>();
    if (byPara.size > 1) {
      for (const [p, span] of byPara) {
        const chunk = text.slice(span.start, span.end);
        if (chunk.length < 40) continue;
        const d = detectLanguage(chunk);
        // a confusable sibling of the document's language (Dari in Persian) is the document's language: the whole
        // document is more evidence than one paragraph
        if (d && d.lang !== docLang && d.confidence >= 0.6 && !sameGroup(d.lang, docLang)) paraLang.set(p, d.lang);
      }
    }
    return sents.map((s) => paraLang.get(s.paragraph) ?? docLang);
  }

  function toRunSummary(r: RunRecord): RunSummary {
    const out = r.output as StoredOutput | null;
    const params = (r.parameters ?? {}) as RunRequest;
    const first = out?.sentences?.map((s) => s.text).join(' ') ?? '';
    return {
      id: r.id,
      documentId: r.documentId ?? params.documentId,
      task: (out?.task ?? r.task) as TaskKind,
      targetLang: out?.targetLang ?? params.targetLang,
      method: out?.method ?? (params.method === 'lcm' ? 'lcm' : 'extractive'),
      createdAt: iso(r.createdAt),
      status: r.status === 'done' || r.status === 'cancelled' ? r.status : 'failed',
      preview: first.length > 160 ? `${first.slice(0, 157)}…` : first,
    };
  }
  function toRunResult(r: RunRecord): RunResult {
    const out = r.output as StoredOutput | null;
    return {
      ...toRunSummary(r),
      sentences: out?.sentences ?? [],
      timings: r.timings ?? {},
      cache: out?.cache ?? { hits: 0, misses: 0 },
      packs: r.packVersions ?? {},
      parameters: (r.parameters ?? {}) as RunRequest,
      ...(out?.fidelity ? { fidelity: out.fidelity } : {}),
      ...(out?.stop ? { stop: out.stop } : {}),
      ...(out?.methodChoice ? { methodChoice: out.methodChoice } : {}),
      ...(out?.quality ? { quality: out.quality } : {}),
    };
  }

  /** Validate a run request and resolve its packs (no side effects). */
  function plan(req: RunRequest) {
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

  // ---------- the run ----------
  async function execute(requestId: string, req: RunRequest, p: ReturnType<typeof plan>, signal: AbortSignal): Promise<RunResult> {
    const timings: Record<string, number> = {};
    const t = async <T>(stage: string, fn: () => Promise<T> | T): Promise<T> => {
      const t0 = performance.now();
      try {
        return await fn();
      } finally {
        timings[stage] = (timings[stage] ?? 0) + (performance.now() - t0);
      }
    };
    const progress = (pr: TaskProgress) => emit({ type: 'progress', requestId, ...pr });
    const cancelled = () => {
      if (signal.aborted) throw new TaskError('CANCELLED', 'The run was cancelled.');
    };

    progress({ stage: 'load', done: 0, total: p.lcm ? 2 : 1, message: `loading ${p.sonar.pack.json.name}` });
    const sonar = await t('load', () => sonarEngine(p.sonar.pack));
    cancelled();
    let lcm: LcmEngine | null = null;
    if (p.lcm && (!p.parent || p.regenerate) && (p.task !== 'summarize' || p.method !== 'extractive')) {
      progress({ stage: 'load', done: 1, total: 2, message: `loading ${p.lcm.pack.json.name}` });
      lcm = await t('load', () => lcmEngine(p.lcm!.pack));
    }
    progress({ stage: 'load', done: 1, total: 1 });
    cancelled();

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
      fidelity: thresholds(p.sonar.pack),
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
      }, req.targetLang, { beam: ctx.beam, signal, onProgress: progress, fidelity: { encoder: sonar.encoder, thresholds: thresholds(p.sonar.pack) } });
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
    cancelled();
    for (const [k, v] of Object.entries(result.timings)) timings[k] = (timings[k] ?? 0) + v;
    const hits = result.cache.hits + preHits;
    const misses = result.cache.misses + preMisses;

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

  function roundTimings(t: Record<string, number>): Record<string, number> {
    const out: Record<string, number> = {};
    let total = 0;
    for (const [k, v] of Object.entries(t)) {
      out[k] = Math.round(v * 10) / 10;
      total += v;
    }
    out.total = Math.round(total * 10) / 10;
    return out;
  }

  /** Record a run that ended without a result (cancelled or failed), so the history shows it. */
  function recordEnded(req: RunRequest, p: ReturnType<typeof plan>, status: 'cancelled' | 'failed', err: ApiError) {
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

  // ---------- the API ----------
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

    async listDocuments(query) {
      try {
        const search = query?.search?.trim().toLowerCase();
        let rows = store.documents.list();
        if (search) {
          const ids = new Set(
            (store.db.prepare(`SELECT id FROM documents WHERE deleted_at IS NULL AND (instr(lower(title), ?) > 0 OR instr(lower(text), ?) > 0)`)
              .pluck().all(search, search) as number[]),
          );
          rows = rows.filter((r) => ids.has(r.id));
        }
        return rows.map((r) => summary(r, r.textLength));
      } catch (e) {
        throw toApiError(e);
      }
    },

    async importDocument(req: ImportRequest & { language?: LangCode | null }) {
      try {
        if (!req || typeof req !== 'object' || typeof req.name !== 'string') {
          throw apiError('INVALID_REQUEST', 'importDocument needs {name, text} or {name, bytesBase64}.');
        }
        const explicitLang = req.language ?? null;
        if (explicitLang !== null) requireLang(explicitLang, 'source language');
        let buf: Buffer;
        let pasted = false;
        if (typeof req.text === 'string') {
          buf = Buffer.from(req.text, 'utf8');
          pasted = true;
        } else if (typeof req.bytesBase64 === 'string') {
          buf = Buffer.from(req.bytesBase64, 'base64');
        } else {
          throw apiError('INVALID_REQUEST', 'importDocument needs text or bytesBase64.');
        }
        const name = req.name || 'Pasted text';
        const imported = await importBuffer(buf, name, { maxTextBytes, ...(pasted && !/\.(md|markdown|html?|txt)$/i.test(name) ? { type: 'txt' as const } : {}) });
        const text = imported.text;
        const seg = segmentText(text, explicitLang);
        if (seg.sentences.length === 0) throw apiError('IMPORT_EMPTY', `${name} contains no sentences.`);
        const langs = sentenceLanguages(text, seg.sentences, seg.language, explicitLang !== null);
        const warnings = [...imported.warnings];
        if (!seg.language) warnings.push('The language could not be detected; English is assumed. Pick the language to correct it.');
        else if (!explicitLang && seg.confidence < 0.5) warnings.push(`The language was detected as ${seg.language} with low confidence (${seg.confidence}).`);
        const res = store.transaction(() => {
          const ins = store.documents.insert({
            title: imported.title,
            text,
            type: pasted && !/\.(md|markdown|html?)$/i.test(name) ? 'paste' : imported.type,
            source: pasted ? null : name,
            language: seg.language,
            languageConfidence: seg.confidence,
          });
          const rows = seg.sentences.map((s, i) => ({ ...s, language: langs[i] }));
          if (!ins.duplicate) {
            store.sentences.replace(ins.document.id, rows);
          } else if (explicitLang && ins.document.language !== explicitLang) {
            // an explicit language always wins: re-segment the stored document with it
            store.documents.setLanguage(ins.document.id, explicitLang, 1);
            store.sentences.replace(ins.document.id, rows);
            ins.document.language = explicitLang;
            ins.document.languageConfidence = 1;
          }
          return ins;
        });
        if (res.duplicate) warnings.push(`The same text was imported before as "${res.document.title}" (document ${res.document.id}).`);
        return { document: summary(res.document, res.document.text.length), duplicate: res.duplicate, warnings } satisfies ImportResult;
      } catch (e) {
        throw toApiError(e);
      }
    },

    async getDocument(id): Promise<DocumentView> {
      try {
        const d = getDoc(id);
        const sentences = store.sentences.list(id);
        return { ...summary(d, d.text.length), text: d.text, sentences };
      } catch (e) {
        throw toApiError(e);
      }
    },

    async deleteDocument(id) {
      try {
        getDoc(id);
        store.documents.softDelete(id);
      } catch (e) {
        throw toApiError(e);
      }
    },

    async restoreDocument(id) {
      try {
        const d = getDoc(id, true);
        if (d.deletedAt === null) return;
        store.documents.restore(id);
      } catch (e) {
        throw toApiError(e);
      }
    },

    async startRun(req) {
      let p: ReturnType<typeof plan>;
      try {
        p = plan(req);
      } catch (e) {
        throw toApiError(e);
      }
      const requestId = randomUUID();
      const controller = new AbortController();
      const promise = new Promise<RunResult>((resolveRun, rejectRun) => {
        setImmediate(() => {
          execute(requestId, req, p, controller.signal).then(
            (result) => {
              emit({ type: 'done', requestId, result });
              resolveRun(result);
            },
            (e) => {
              let err = toApiError(e);
              if (controller.signal.aborted) err = new ApiError('CANCELLED', 'The run was cancelled.');
              recordEnded(req, p, err.code === 'CANCELLED' ? 'cancelled' : 'failed', err);
              emit({ type: 'error', requestId, code: err.code, message: err.message });
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

    async conceptMap(documentId, runId): Promise<ConceptMapPoint[]> {
      try {
        const doc = getDoc(documentId);
        const sents = store.sentences.list(documentId);
        if (sents.length === 0) return [];
        const sonar = sonarPack();
        assertCacheDim(store.concepts, sonar.pack.json.space, sonar.pack.json.dim);
        const docLang = doc.language ?? 'eng_Latn';
        const eng = await sonarEngine(sonar.pack);
        const cache = storeConceptCache(store.concepts, eng.encoder.dim);
        const concepts = new Array<Float32Array>(sents.length);
        const groups = new Map<string, number[]>();
        sents.forEach((s, i) => groups.set(s.language ?? docLang, [...(groups.get(s.language ?? docLang) ?? []), i]));
        for (const [l, idx] of groups) {
          const r = await cachedEncode(eng.encoder, cache, idx.map((i) => sents[i].text), l);
          idx.forEach((i, j) => (concepts[i] = r.vectors[j]));
        }
        let output: { concepts: Float32Array[]; texts: string[] } | undefined;
        if (runId !== undefined && runId !== null) {
          const r = store.runs.get(runId);
          if (!r || r.documentId !== documentId) throw apiError('NOT_FOUND', `Document ${documentId} has no run ${runId}.`);
          const o = r.output as StoredOutput | null;
          if (o?.concepts?.length && o.dim === eng.encoder.dim) {
            output = { concepts: o.concepts.map(b64ToVec), texts: o.sentences.map((s) => s.text) };
          }
        }
        return buildConceptMap({ concepts, texts: sents.map((s) => s.text) }, output);
      } catch (e) {
        throw toApiError(e);
      }
    },

    async packs() {
      let activeDirs = new Set<string>();
      try {
        const sp = sonarPack();
        activeDirs = new Set([sp.pack.dir, ...(lcmPackSafe(sp.pack) ? [lcmPackSafe(sp.pack)!.pack.dir] : [])]);
      } catch {
        /* no usable SONAR pack: none is active */
      }
      const found = discovered();
      // a listed pack is verified (from the digest cache after the first time), so "ok" means its weights are intact
      for (const d of found) if (d.pack) await checkWeights(d.pack).catch(() => undefined);
      return found.map((d) => {
        if (d.pack) return info(d.pack, d.bundled, activeDirs.has(d.pack.dir));
        let kind: 'sonar' | 'lcm' = 'sonar';
        let name = basename(d.dir);
        try {
          const j = JSON.parse(readFileSync(join(d.dir, 'pack.json'), 'utf8'));
          if (j.kind === 'lcm') kind = 'lcm';
          if (typeof j.name === 'string') name = j.name;
        } catch {
          /* the error says it */
        }
        return {
          name, kind, space: '', dim: 0, license: '', description: '', path: d.dir, bytes: 0, languagesTrained: [],
          verified: 'failed', problems: [d.error!.message], bundled: d.bundled,
        } satisfies PackInfo;
      });
    },

    async importPack(path) {
      try {
        if (typeof path !== 'string' || !path.trim()) throw apiError('INVALID_REQUEST', 'importPack needs the path of a pack folder.');
        const src = loadPack(resolve(expandHome(path)));
        const same = discovered().find((d) => d.pack?.json.name === src.json.name && d.dir !== src.dir);
        if (same) {
          throw apiError('PACK_EXISTS', `A pack named "${src.json.name}" is already installed (${same.dir}). Remove it in ` +
            'Models & settings first, or give the new pack another name in its pack.json.');
        }
        const res = await verifyPack(src);
        if (!res.ok) throw apiError(res.problems[0].code, `The pack ${src.json.name} is damaged: ${res.problems.map((p) => p.message).join('; ')}`);
        const user = settings().userPackDir ?? (opts.dataDir ? join(opts.dataDir, 'models') : null);
        if (!user) throw apiError('INVALID_REQUEST', 'No user pack folder is set (settings.userPackDir).');
        const dest = join(resolve(user), src.json.name.replace(/[^\w.-]+/g, '_'));
        if (resolve(dest) !== src.dir) {
          if (existsSync(dest)) throw apiError('PACK_EXISTS', `A pack is already installed at ${dest}; remove it first.`);
          await mkdir(resolve(user), { recursive: true });
          await cp(src.dir, dest, { recursive: true });
        }
        if (!settings().userPackDir) store.settings.set('settings', { ...(store.settings.get<object>('settings') ?? {}), userPackDir: resolve(user) });
        const p = loadPack(dest);
        verified.set(p.dir, { verified: 'ok', problems: [] });
        return info(p, false);
      } catch (e) {
        throw toApiError(e);
      }
    },

    async removePack(name) {
      try {
        if (typeof name !== 'string' || !name) throw apiError('INVALID_REQUEST', 'removePack needs a pack name.');
        const all = discovered();
        const d = all.find((x) => x.pack?.json.name === name) ?? all.find((x) => basename(x.dir) === name || x.dir === resolve(name));
        if (!d) throw apiError('PACK_MISSING', `No pack named "${name}" is installed.`);
        if (d.bundled) throw apiError('PACK_BUNDLED', `${name} comes with the app and cannot be removed.`);
        const user = settings().userPackDir ?? (opts.dataDir ? join(opts.dataDir, 'models') : null);
        const rel = user ? relative(resolve(user), d.dir) : '..';
        if (!user || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
          throw apiError('PACK_NOT_REMOVABLE', `${name} was not imported into the app's pack folder (${d.dir}); remove it there by hand.`);
        }
        if (active.size) throw apiError('BUSY', 'A run is in progress; remove the pack when it has finished.');
        const eng = sonarEngines.get(d.dir) ?? lcmEngines.get(d.dir);
        sonarEngines.delete(d.dir);
        lcmEngines.delete(d.dir);
        if (eng) await eng.then((e) => e.close()).catch(() => undefined);
        await rm(d.dir, { recursive: true, force: true });
        verified.delete(d.dir);
        const s = settings();
        const patch: Partial<Settings> = {};
        if (s.activeSonar === name) patch.activeSonar = null;
        if (s.activeLcm === name) patch.activeLcm = null;
        if (Object.keys(patch).length) store.settings.set('settings', { ...(store.settings.get<object>('settings') ?? {}), ...patch });
      } catch (e) {
        throw toApiError(e);
      }
    },

    async verifyPack(name) {
      try {
        const all = discovered();
        const d = all.find((x) => x.pack?.json.name === name || x.dir === resolve(name));
        if (!d) {
          // a pack that fails to load is still found by the name its pack.json gives: "No pack named mini-sonar is
          // installed" for an installed but broken pack sent people looking in the wrong place (issue 11)
          const declaredName = (dir: string) => {
            try {
              return (JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8')) as { name?: unknown }).name;
            } catch {
              return undefined;
            }
          };
          const bad = all.find((x) => x.error && (basename(x.dir) === name || x.dir === resolve(name) || declaredName(x.dir) === name));
          if (bad?.error) throw apiError(bad.error.code, bad.error.message);
          throw apiError('PACK_MISSING', `No pack named "${name}" is installed (installed: ${all.map((x) => x.pack?.json.name ?? basename(x.dir)).join(', ') || 'none'}).`);
        }
        if (!d.pack) throw apiError(d.error!.code, d.error!.message);
        await checkWeights(d.pack, true).catch(() => undefined); // the result is in `verified`
        return info(d.pack, d.bundled);
      } catch (e) {
        throw toApiError(e);
      }
    },

    async runtime(): Promise<RuntimeInfo> {
      const s = settings();
      if (!lastReport) {
        try {
          await sonarEngine(sonarPack().pack);
        } catch {
          /* reported below as not loaded */
        }
      }
      if (lastReport) {
        // a provider that failed here (CUDA listed by onnxruntime but its libraries missing) is not available
        const failed = lastReport.tried.filter((x) => x.provider !== lastReport!.used);
        return {
          requestedProvider: s.provider,
          usedProvider: lastReport.used,
          fallbackReason: lastReport.fallbackReason,
          availableProviders: availableProviders().filter((p) => !failed.some((f) => f.provider === p)),
          ...(failed.length ? { failedProviders: failed } : {}),
          threads: lastReport.threads,
        };
      }
      const planList = providerPlan(s.provider === 'webgpu' ? 'webgpu' : s.provider);
      return {
        requestedProvider: s.provider,
        usedProvider: planList[planList.length - 1] ?? 'cpu',
        fallbackReason: 'no model is loaded yet (no SONAR pack installed)',
        availableProviders: availableProviders(),
        threads: s.threads,
      };
    },

    async getSettings() {
      try {
        return settings();
      } catch (e) {
        throw toApiError(e);
      }
    },

    async setSettings(patch) {
      try {
        if (!patch || typeof patch !== 'object') throw apiError('INVALID_REQUEST', 'setSettings needs an object.');
        const cur = settings();
        const next: Settings = { ...cur };
        for (const [k, v] of Object.entries(patch)) {
          switch (k) {
            case 'provider':
              if (!PROVIDERS.has(v as string)) throw apiError('INVALID_REQUEST', `Unknown provider "${v}"; use ${[...PROVIDERS].join(', ')}.`);
              next.provider = v as Settings['provider'];
              break;
            case 'threads':
              if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 256) throw apiError('INVALID_REQUEST', 'threads is a whole number from 0 (automatic) to 256.');
              next.threads = v as number;
              break;
            case 'theme':
              if (!['system', 'light', 'dark'].includes(v as string)) throw apiError('INVALID_REQUEST', 'theme is system, light or dark.');
              next.theme = v as Settings['theme'];
              break;
            case 'uiLanguage':
              if (v !== null && typeof v !== 'string') throw apiError('INVALID_REQUEST', 'uiLanguage is a language tag or null.');
              next.uiLanguage = v as string | null;
              break;
            case 'recentLanguages':
              if (!Array.isArray(v)) throw apiError('INVALID_REQUEST', 'recentLanguages is a list of language codes.');
              for (const l of v) requireLang(l, 'language');
              next.recentLanguages = [...new Set(v as string[])].slice(0, 16);
              break;
            case 'userPackDir': {
              if (v !== null && typeof v !== 'string') throw apiError('INVALID_REQUEST', 'userPackDir is a folder path or null.');
              const dir = typeof v === 'string' && v.trim() ? resolve(expandHome(v)) : null;
              if (dir && existsSync(dir) && !statSync(dir).isDirectory()) throw apiError('INVALID_REQUEST', `${dir} is not a folder.`);
              next.userPackDir = dir;
              break;
            }
            case 'activeSonar':
            case 'activeLcm': {
              if (v !== null && typeof v !== 'string') throw apiError('INVALID_REQUEST', `${k} is a pack name or null.`);
              if (v) {
                const kind = k === 'activeSonar' ? 'sonar' : 'lcm';
                const found = discovered().find((d) => d.pack?.json.kind === kind && d.pack.json.name === v);
                if (!found) throw apiError('PACK_MISSING', `No ${kind === 'sonar' ? 'SONAR' : 'LCM'} pack named "${v}" is installed.`);
              }
              next[k] = (v as string | null) || null;
              break;
            }
            case 'firstRunDismissed':
              if (typeof v !== 'boolean') throw apiError('INVALID_REQUEST', 'firstRunDismissed is true or false.');
              next.firstRunDismissed = v;
              break;
            default:
              throw apiError('INVALID_REQUEST', `Unknown setting "${k}".`);
          }
        }
        store.settings.set('settings', next);
        if (next.provider !== cur.provider || next.threads !== cur.threads) {
          lastReport = null;
          await dropEngines();
        }
        return next;
      } catch (e) {
        throw toApiError(e);
      }
    },

    onEvent(cb) {
      listeners.add(cb);
      return () => void listeners.delete(cb);
    },

    async checkRun(req) {
      try {
        requireLang(req.targetLang, 'target language');
        if (req.sourceLang) requireLang(req.sourceLang, 'source language');
        const sonar = sonarPack();
        assertCacheDim(store.concepts, sonar.pack.json.space, sonar.pack.json.dim);
        const candidate = req.task !== 'translate' ? lcmPack(sonar.pack, req.lcmPack) : null;
        const choice = chooseMethod({ requested: req.method ?? 'auto', task: req.task, hasLcm: !!candidate, sonarQuality: quality(sonar.pack), lcmQuality: candidate ? quality(candidate.pack) : null });
        const needs = choice.used === 'lcm';
        const lcm = needs ? candidate : null;
        if (needs && !lcm) {
          throw apiError('PACK_MISSING', `"${req.task}"${req.task === 'summarize' ? ' with --method lcm' : ''} needs an LCM pack, and none ` +
            `is installed for the concept space "${sonar.pack.json.space}". Pass --pack with a Base or Two-Tower LCM pack` +
            (req.task === 'summarize' ? ', or use --method extractive.' : '.'));
        }
        if (req.load) {
          // open the graphs now: a damaged pack fails here, before anything is imported
          await sonarEngine(sonar.pack);
          if (lcm) await lcmEngine(lcm.pack);
        }
        return { sonar: info(sonar.pack, sonar.bundled, true), lcm: lcm ? info(lcm.pack, lcm.bundled, true) : null, method: choice };
      } catch (e) {
        throw toApiError(e);
      }
    },

    async runText(r) {
      try {
        requireLang(r.lang, 'source language');
        requireLang(r.targetLang, 'target language');
        const sonar = sonarPack();
        assertCacheDim(store.concepts, sonar.pack.json.space, sonar.pack.json.dim);
        const candidate = r.task !== 'translate' ? lcmPack(sonar.pack, r.lcmPack) : null;
        const choice = chooseMethod({ requested: r.method ?? 'auto', task: r.task, hasLcm: !!candidate, sonarQuality: quality(sonar.pack), lcmQuality: candidate ? quality(candidate.pack) : null });
        const method = choice.used;
        const lcmP = method === 'lcm' ? candidate : null;
        const eng = await sonarEngine(sonar.pack);
        const lcm = lcmP ? await lcmEngine(lcmP.pack) : null;
        const ctx: TaskContext = {
          encoder: eng.encoder,
          decoder: eng.decoder,
          cache: storeConceptCache(store.concepts, eng.encoder.dim),
          generator: lcm?.generator ?? null,
          signal: r.signal,
          onProgress: r.onProgress,
          ...(opts.decoding?.beam ? { beam: opts.decoding.beam } : {}),
        };
        const doc: SourceDocument = { sentences: r.sentences, lang: r.lang };
        if (r.fidelity) ctx.fidelity = thresholds(sonar.pack);
        const o = { targetLang: r.targetLang, length: r.length, seed: r.seed };
        if (r.task === 'summarize') return await summarize(doc, ctx, { ...o, method });
        if (r.task === 'expand') return await expand(doc, ctx, o);
        if (r.task === 'continue') return await continueText(doc, ctx, o);
        return await translate(doc, ctx, { targetLang: r.targetLang });
      } catch (e) {
        throw toApiError(e);
      }
    },

    async encodeSentences(texts, lang, o = {}) {
      try {
        requireLang(lang, 'language');
        const sonar = sonarPack();
        assertCacheDim(store.concepts, sonar.pack.json.space, sonar.pack.json.dim);
        const t0 = performance.now();
        const eng = await sonarEngine(sonar.pack);
        const t1 = performance.now();
        const r = await cachedEncode(eng.encoder, storeConceptCache(store.concepts, eng.encoder.dim), texts, lang, { signal: o.signal });
        const t2 = performance.now();
        return {
          vectors: r.vectors, hits: r.hits, misses: r.misses, space: eng.encoder.space, dim: eng.encoder.dim,
          pack: packVersion(sonar.pack), timings: { load: t1 - t0, encode: t2 - t1 },
        };
      } catch (e) {
        throw toApiError(e);
      }
    },

    async decodeVectors(vectors, lang, o = {}) {
      try {
        requireLang(lang, 'language');
        const sonar = sonarPack();
        for (const [i, v] of vectors.entries()) {
          if (v.length !== sonar.pack.json.dim) {
            throw apiError('PACK_DIM_MISMATCH', `Vector ${i} has ${v.length} values but the SONAR pack ${sonar.pack.json.name} decodes ` +
              `${sonar.pack.json.dim}-dimensional concepts.`);
          }
        }
        const eng = await sonarEngine(sonar.pack);
        return await eng.decoder.decode(vectors, lang, { signal: o.signal, beam: o.beam ?? opts.decoding?.beam });
      } catch (e) {
        throw toApiError(e);
      }
    },

    segmentText,

    async close() {
      if (closed) return;
      for (const r of active.values()) r.controller.abort(new DOMException('The service is closing', 'AbortError'));
      await Promise.allSettled([...active.values()].map((r) => r.promise));
      closed = true;
      await dropEngines();
      const h = host ?? (hostStarting ? await hostStarting.catch(() => null) : null);
      await h?.close();
      listeners.clear();
      store.close();
    },
  };
  // every request's arguments are checked by one schema before a method runs (validate.ts)
  return withValidation(api);
}

export default createService;
