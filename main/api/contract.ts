/**
 * The one typed contract between the engine and every front end: Electron IPC (preload), the local HTTP server
 * (browser mode, tests) and the CLI. Requests and results are plain JSON so they cross every boundary unchanged.
 * Long operations return a request id at once; progress, results and errors arrive as events.
 */

import { CodedError } from '../engine/errors.js';
import type { ConceptMapPoint, DecodingExpectation, LangCode, LengthSpec, Method, MethodChoice, OutputSentence, PackInfo, RunFidelity, Stage, StopInfo, TaskKind } from '../engine/types.js';
export type {
  Attribution,
  ConceptMapPoint,
  DecodeFailure,
  DecodingExpectation,
  DecodingMeasure,
  DecodingQualityTable,
  DecodingTier,
  FidelityLevel,
  FidelityThresholds,
  LangCode,
  LengthSpec,
  Method,
  MethodChoice,
  MethodReason,
  OutputSentence,
  PackInfo,
  PackMetric,
  PackQuality,
  PackSelftest,
  RunFidelity,
  SelftestCheck,
  SelftestCheckId,
  SelftestExample,
  SentenceFidelity,
  Stage,
  StopInfo,
  StopReason,
  TaskKind,
} from '../engine/types.js';

export interface LanguageInfo {
  code: LangCode;
  english: string;
  native: string;
  script: string;
  direction: 'ltr' | 'rtl';
  trained: boolean; // the installed SONAR pack was trained on it (others may decode poorly)
}

export interface DocumentSummary {
  id: number;
  title: string;
  type: string; // txt | md | html | pdf | docx | paste
  language: LangCode | null;
  languageConfidence: number;
  chars: number;
  sentenceCount: number;
  createdAt: string;
}

export interface SentenceView {
  idx: number;
  paragraph: number;
  start: number;
  end: number;
  text: string;
  language: LangCode | null;
}

export interface DocumentView extends DocumentSummary {
  text: string;
  sentences: SentenceView[];
}

export interface SamplerSettings {
  steps: number;
  guidanceScale: number;
  guidanceRescale: number;
  initialNoiseScale: number;
  epsilonScaling: number | null;
  seed: number;
}

export interface RunRequest {
  documentId: number;
  task: TaskKind;
  targetLang: LangCode;
  method?: Method;
  lcmPack?: string; // pack name; default: the first installed LCM pack of the SONAR pack's space
  length?: LengthSpec;
  sampler?: Partial<SamplerSettings>;
  /** Concept-level editing: output sentences the user kept or edited, by output position. */
  pinned?: { index: number; text: string }[];
  /** Regenerate from an earlier run (with `pinned`), or re-decode it into another language. */
  parentRunId?: number;
  /**
   * The source's language for this run only (every sentence is read in it); the stored document keeps the language
   * it was imported with, for everyone else who uses the database. Default: the stored languages.
   */
  sourceLang?: LangCode;
}

export interface ProgressEvent {
  type: 'progress';
  requestId: string;
  stage: Stage;
  done: number;
  total: number;
  cacheHits?: number;
  message?: string;
  /** downloads (getSonar): transfer rate and estimated seconds left */
  bytesPerSecond?: number;
  etaSeconds?: number | null;
}

export interface RunSummary {
  id: number;
  documentId: number;
  task: TaskKind;
  targetLang: LangCode;
  method: Exclude<Method, 'auto'>;
  createdAt: string;
  status: 'done' | 'cancelled' | 'failed';
  preview: string;
}

export interface RunResult extends RunSummary {
  sentences: OutputSentence[];
  timings: Record<string, number>; // milliseconds per stage
  cache: { hits: number; misses: number };
  packs: Record<string, string>; // role -> pack name@version
  parameters: RunRequest;
  fidelity?: RunFidelity;
  stop?: StopInfo;
  methodChoice?: MethodChoice;
  /** quality labels of the packs that made the run, by role (sonar, lcm) */
  quality?: Record<string, string>;
}

export interface DoneEvent {
  type: 'done';
  requestId: string;
  result: RunResult;
}

export interface ErrorEvent {
  type: 'error';
  requestId: string;
  code: string; // machine-readable, e.g. UNKNOWN_LANGUAGE, PACK_MISSING, CANCELLED
  message: string; // human-readable and actionable
}

export type ApiEvent = ProgressEvent | DoneEvent | ErrorEvent;

export interface RuntimeInfo {
  requestedProvider: string;
  usedProvider: string;
  fallbackReason: string | null;
  /** providers that initialise in this process (one listed by onnxruntime that failed, e.g. CUDA without its libraries, is not) */
  availableProviders: string[];
  /** providers tried and failed before the one used, with the reason */
  failedProviders?: { provider: string; error: string }[];
  threads: number;
}

export interface Settings {
  provider: 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';
  threads: number; // 0 = automatic
  theme: 'system' | 'light' | 'dark';
  uiLanguage: string | null; // null = follow the system locale
  recentLanguages: LangCode[];
  userPackDir: string | null;
  /** the SONAR pack and LCM pack to use, by name (null/absent: the first installed) */
  activeSonar?: string | null;
  activeLcm?: string | null;
  /** the first-run panel was dismissed */
  firstRunDismissed?: boolean;
  /** concept reranking of the decoder's beam (the hypothesis nearest its concept is kept): `pack` = the SONAR pack's
   *  default (on for the bundled mini models), `on`, `off` */
  rerank?: 'pack' | 'on' | 'off';
}

export interface ImportRequest {
  name: string; // file name; its extension picks the importer
  text?: string; // pasted text
  bytesBase64?: string; // file contents
}

export interface ImportResult {
  document: DocumentSummary;
  duplicate: boolean;
  warnings: string[];
}

/** A model licence the user must accept before the app downloads weights under it (getSonar). */
export interface LicenseInfo {
  id: string; // SPDX, e.g. CC-BY-NC-4.0
  title: string;
  url: string;
  text: string;
  accepted: boolean;
  acceptedAt: string | null; // ISO time of the acceptance, as recorded in the settings
}

export interface SonarVariantInfo {
  variant: 'fp32' | 'fp16' | 'int8';
  /** the converted pack's weights in bytes */
  packBytes: number;
}

export interface GetSonarRequest {
  /** a mirror serving the official file names (default: Meta's dl.fbaipublicfiles.com/SONAR/) */
  baseUrl?: string;
  /** progress events carry this id; cancelRun(requestId) cancels (default: a new id, useless for cancelling) */
  requestId?: string;
  /** pack name (default sonar-text-basic; sonar-text-basic-fp16 / -int8 for the other variants) */
  name?: string;
  /** fp32 (default); fp16 (float16 weights: half the disk, for GPUs; computes in float32); int8 (int8 matrix
   * products: faster on CPUs, under 0.3x the size, small drift) */
  variant?: 'fp32' | 'fp16' | 'int8';
  /** documented sha256 by file name for a mirror of another build (default: the tokenizer's official hash) */
  sha256?: Record<string, string>;
  keepDownloads?: boolean;
  /** run the pack self-test on the new pack (stage 'selftest', same request id; default true) */
  selftest?: boolean;
}

/** A run as it would start (startRun's fields that decide what gets decoded), for expectRun. */
export interface ExpectRunRequest {
  documentId: number;
  task: TaskKind;
  targetLang: LangCode;
  method?: Method;
  sourceLang?: LangCode | null;
}

export interface SelftestRequest {
  /** the SONAR pack, by name */
  name: string;
  /** progress events (stage 'selftest') carry this id; cancelRun(requestId) cancels */
  requestId?: string;
}

/** Every method is async and JSON-in/JSON-out; errors reject with {code, message}. */
export interface ConceptApi {
  languages(): Promise<LanguageInfo[]>;
  listDocuments(query?: { search?: string }): Promise<DocumentSummary[]>;
  importDocument(req: ImportRequest): Promise<ImportResult>;
  getDocument(id: number): Promise<DocumentView>;
  deleteDocument(id: number): Promise<void>; // soft delete
  restoreDocument(id: number): Promise<void>; // undo
  startRun(req: RunRequest): Promise<{ requestId: string }>;
  cancelRun(requestId: string): Promise<void>;
  listRuns(documentId: number): Promise<RunSummary[]>;
  getRun(runId: number): Promise<RunResult>;
  conceptMap(documentId: number, runId?: number): Promise<ConceptMapPoint[]>;
  /**
   * What the active SONAR pack's held-out figures (pack.json decoding_quality) say such a run's decoded text keeps:
   * null when the run decodes nothing (a same-language extractive summary) or the pack states no figure for it.
   */
  expectRun(req: ExpectRunRequest): Promise<DecodingExpectation | null>;
  packs(): Promise<PackInfo[]>;
  importPack(path: string): Promise<PackInfo>;
  verifyPack(name: string): Promise<PackInfo>;
  /** delete an imported pack (bundled packs and packs given with --pack cannot be removed) */
  removePack(name: string): Promise<void>;
  /** the SONAR weights' licence and whether it was accepted */
  sonarLicense(): Promise<LicenseInfo>;
  /** record the acceptance (settings); getSonar refuses until then */
  acceptSonarLicense(): Promise<LicenseInfo>;
  /** the disk each SONAR variant's pack takes at the official size (from the graph templates; downloads come on top) */
  sonarVariants(): Promise<SonarVariantInfo[]>;
  /**
   * Download the official SONAR files (resumable) and convert them into a pack in the user pack folder; progress
   * events (stages download, convert) carry req.requestId; resolves with the installed pack.
   */
  getSonar(req?: GetSonarRequest): Promise<PackInfo>;
  /**
   * Run the self-test on a SONAR pack (fixed sentences in six languages: round trip, cross-lingual alignment,
   * sanity; engine/selftest), save its report with the pack and resolve with the pack (`selftest` holds the report);
   * progress events (stage selftest) carry req.requestId, cancelRun(requestId) cancels.
   */
  selftestPack(req: SelftestRequest): Promise<PackInfo>;
  runtime(): Promise<RuntimeInfo>;
  getSettings(): Promise<Settings>;
  setSettings(patch: Partial<Settings>): Promise<Settings>;
}

/** The API as a front door serves it: the methods plus the event stream (runs report progress, results, errors). */
export type EventSourceApi = ConceptApi & { onEvent(cb: (ev: ApiEvent) => void): (() => void) | void };

/** Method names, for the HTTP router and the preload bridge (one list, no drift). */
export const API_METHODS = [
  'languages', 'listDocuments', 'importDocument', 'getDocument', 'deleteDocument', 'restoreDocument', 'startRun',
  'cancelRun', 'listRuns', 'getRun', 'conceptMap', 'expectRun', 'packs', 'importPack', 'verifyPack', 'removePack', 'sonarLicense', 'acceptSonarLicense', 'sonarVariants', 'getSonar', 'selftestPack', 'runtime', 'getSettings',
  'setSettings',
] as const satisfies readonly (keyof ConceptApi)[];

/** The error of the API, on every front door: {code, message} (see engine/errors.ts for the codes' base). */
export class ApiError extends CodedError {
  override name = 'ApiError';
}
