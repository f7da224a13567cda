/**
 * The one typed contract between the engine and every front end: Electron IPC (preload), the local HTTP server
 * (browser mode, tests) and the CLI. Requests and results are plain JSON so they cross every boundary unchanged.
 * Long operations return a request id at once; progress, results and errors arrive as events.
 */

export type LangCode = string; // a SONAR code such as eng_Latn

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

export type TaskKind = 'summarize' | 'expand' | 'translate' | 'continue';
export type Method = 'auto' | 'lcm' | 'extractive';

export interface SamplerSettings {
  steps: number;
  guidanceScale: number;
  guidanceRescale: number;
  initialNoiseScale: number;
  epsilonScaling: number | null;
  seed: number;
}

export interface LengthSpec {
  sentences?: number; // absolute count of output sentences
  ratio?: number; // fraction of the source (sentences for extractive, words for LCM budgets)
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
}

export type Stage = 'load' | 'segment' | 'encode' | 'generate' | 'decode' | 'save' | 'download' | 'convert';

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

export interface Attribution {
  sentenceIdx: number; // index into the source document's sentences
  score: number; // cosine similarity of the concepts
}

export interface OutputSentence {
  index: number;
  text: string;
  attribution: Attribution[];
  pinned?: boolean;
  verbatim?: boolean; // copied from the source (same-language extractive output), not decoded
  /** how faithfully the written sentence carries its concept (absent on runs made before fidelity was measured) */
  fidelity?: SentenceFidelity;
}

/**
 * Fidelity of one output sentence: the decoded text re-encoded and compared (cosine) with the concept it was decoded
 * from; text that was not decoded (verbatim source sentences, the user's pinned text) is exact (score 1).
 * level: high ≥ `good`, medium ≥ `threshold`, low below it (flagged).
 */
export type FidelityLevel = 'high' | 'medium' | 'low';
export interface SentenceFidelity {
  score: number;
  level: FidelityLevel;
  exact?: boolean;
}

/** The run's fidelity: thresholds used (from the SONAR pack's pack.json `fidelity`, else the defaults) and counts. */
export interface RunFidelity {
  threshold: number;
  good: number;
  source: 'pack' | 'default';
  /** sentences scored / flagged (level low) */
  scored: number;
  flagged: number;
  /** mean score over the decoded (not exact) sentences; null when every sentence is exact */
  meanDecoded: number | null;
}

/**
 * Why the output has the length it has. 'length': the requested length was reached; 'end-of-text': the LCM predicted
 * the end of the text; 'repetition': the model repeated itself (repeated sentences are dropped); 'budget': the model's
 * hard cap on output concepts; 'source': the document has fewer sentences than were asked for.
 */
export type StopReason = 'length' | 'end-of-text' | 'repetition' | 'budget' | 'source';
export interface StopInfo {
  reason: StopReason;
  /** sentences asked for (null: a ratio of the source's words) */
  requested: number | null;
  produced: number;
  /** fewer sentences than requested */
  early: boolean;
}

/** How `auto` (or an explicit method) was resolved. */
export type MethodReason = 'requested' | 'demo-packs' | 'measured' | 'no-lcm' | 'task';
export interface MethodChoice {
  requested: Method;
  used: Exclude<Method, 'auto'>;
  reason: MethodReason;
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

export interface PackInfo {
  name: string;
  kind: 'sonar' | 'lcm';
  variant?: string;
  space: string;
  dim: number;
  license: string;
  description: string;
  path: string;
  bytes: number;
  languagesTrained: LangCode[];
  verified: 'ok' | 'failed' | 'unchecked';
  problems: string[];
  bundled: boolean;
  /** measured quality from pack.json (`quality`, `metrics`); absent metrics = a demonstration pack */
  quality?: PackQuality;
  /** the pack the app uses for its kind (settings activeSonar / activeLcm, else the first installed) */
  active?: boolean;
  /** SONAR packs: the fidelity thresholds (pack.json `fidelity`, else the defaults) */
  fidelity?: { threshold: number; good: number; source: 'pack' | 'default' };
}

export interface PackMetric {
  name: string; // e.g. autoencoding_chrf, retrieval_top1, summary_rougeL
  value: number;
  baseline?: number; // the trivial baseline measured in the same run, when the pack states it
}

export interface PackQuality {
  /** pack.json `quality` (e.g. demo, full); 'demo' when the pack states neither a label nor metrics */
  label: string;
  /** the label was written in pack.json (not assumed) */
  declared: boolean;
  /** treat as a demonstration: label demo, or no held-out metrics */
  demo: boolean;
  metrics: PackMetric[];
}

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
}

export interface ConceptMapPoint {
  x: number;
  y: number;
  kind: 'source' | 'output';
  index: number;
  text: string;
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

export interface GetSonarRequest {
  /** a mirror serving the official file names (default: Meta's dl.fbaipublicfiles.com/SONAR/) */
  baseUrl?: string;
  /** progress events carry this id; cancelRun(requestId) cancels (default: a new id, useless for cancelling) */
  requestId?: string;
  /** pack name (default sonar-text-basic, sonar-text-basic-int8 for the int8 variant) */
  name?: string;
  /** fp32 (default) or int8 (dynamic int8 MatMuls: faster on CPUs, smaller, small drift) */
  variant?: 'fp32' | 'int8';
  /** documented sha256 by file name for a mirror of another build (default: the tokenizer's official hash) */
  sha256?: Record<string, string>;
  keepDownloads?: boolean;
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
  packs(): Promise<PackInfo[]>;
  importPack(path: string): Promise<PackInfo>;
  verifyPack(name: string): Promise<PackInfo>;
  /** delete an imported pack (bundled packs and packs given with --pack cannot be removed) */
  removePack(name: string): Promise<void>;
  /** the SONAR weights' licence and whether it was accepted */
  sonarLicense(): Promise<LicenseInfo>;
  /** record the acceptance (settings); getSonar refuses until then */
  acceptSonarLicense(): Promise<LicenseInfo>;
  /**
   * Download the official SONAR files (resumable) and convert them into a pack in the user pack folder; progress
   * events (stages download, convert) carry req.requestId; resolves with the installed pack.
   */
  getSonar(req?: GetSonarRequest): Promise<PackInfo>;
  runtime(): Promise<RuntimeInfo>;
  getSettings(): Promise<Settings>;
  setSettings(patch: Partial<Settings>): Promise<Settings>;
}

/** Method names, for the HTTP router and the preload bridge (one list, no drift). */
export const API_METHODS = [
  'languages', 'listDocuments', 'importDocument', 'getDocument', 'deleteDocument', 'restoreDocument', 'startRun',
  'cancelRun', 'listRuns', 'getRun', 'conceptMap', 'packs', 'importPack', 'verifyPack', 'removePack', 'sonarLicense', 'acceptSonarLicense', 'getSonar', 'runtime', 'getSettings',
  'setSettings',
] as const satisfies readonly (keyof ConceptApi)[];

export class ApiError extends Error {
  constructor(public code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}
