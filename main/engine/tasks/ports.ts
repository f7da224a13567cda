/**
 * The ports the tasks depend on: small interfaces that the SONAR encoder/decoder (engine/sonar + runtime worker),
 * the concept cache (store/) and the LCM generation loop (engine/lcm) are adapted to — and that tests fake.
 * Tasks never reach into those modules' internals.
 */
import { createHash } from 'node:crypto';
import type { LangCode, Stage } from '../types.js';

/** Progress of one stage of a task (the API's ProgressEvent without the request id). */
export interface TaskProgress {
  stage: Stage;
  done: number;
  total: number;
  cacheHits?: number;
  message?: string;
}
export type ProgressFn = (p: TaskProgress) => void;

/** Per-call progress of a port: `done` of `total` items (sentences, concepts). */
export type PortProgressFn = (done: number, total: number) => void;

/** Sentence text → raw concept (SONAR encoder). */
export interface ConceptEncoder {
  /** embedding space id (pack `space`); cache keys and LCM packs are bound to it */
  readonly space: string;
  readonly dim: number;
  /** One raw (not normalised) concept per text, in order. Rejects (AbortError or similar) when `signal` aborts. */
  encode(
    texts: string[],
    lang: LangCode,
    opts?: { signal?: AbortSignal; onProgress?: PortProgressFn },
  ): Promise<Float32Array[]>;
}

/** Raw concept → sentence text in a target language (SONAR decoder, beam search). */
export interface ConceptDecoder {
  decode(
    vectors: Float32Array[],
    lang: LangCode,
    opts?: { beam?: number; rerank?: boolean; signal?: AbortSignal; onProgress?: PortProgressFn },
  ): Promise<string[]>;
}

export interface CacheEntry {
  hash: string;
  vector: Float32Array;
}

/** Concepts keyed by (space, language, sha256 of the sentence text) — store/'s concepts table. */
export interface ConceptCache {
  /** the cached vectors among `hashes` (misses are simply absent) */
  get(space: string, lang: LangCode, hashes: string[]): Map<string, Float32Array> | Promise<Map<string, Float32Array>>;
  put(space: string, lang: LangCode, entries: CacheEntry[]): void | Promise<void>;
}

export type GenerationTask = 'summarize' | 'expand' | 'continue';

export interface GenerationBudget {
  /** at most this many output concepts */
  concepts?: number;
  /** stop once the estimated output words reach ratio × Σ sourceWords */
  ratio?: number;
  /** words of each prompt sentence (with `ratio`) */
  sourceWords?: number[];
  /** the prompt sentences' raw concepts, parallel to sourceWords (word estimate by nearest source sentence) */
  sourceConcepts?: Float32Array[];
}

export interface GenerationRequest {
  /** raw concepts of the prompt document (without the marker) */
  prompt: Float32Array[];
  /** raw concept of the task's instruction marker, appended after the prompt; null = plain continuation */
  marker: Float32Array | null;
  /** raw concept of the pack's end-of-text sentence */
  endOfText: Float32Array;
  budget?: GenerationBudget;
  /** output positions teacher-forced to these raw concepts (concept-level editing) */
  pinned?: { index: number; concept: Float32Array }[];
  seed?: number;
  /** sampler overrides (Two-Tower) */
  sampler?: Record<string, unknown>;
  signal?: AbortSignal;
  onProgress?: PortProgressFn;
}

export interface GenerationResult {
  /** raw output concepts (end-of-text dropped), pinned ones included at their positions */
  concepts: Float32Array[];
  stopReason?: string;
}

/** The LCM generation loop of one LCM pack. */
export interface ConceptGenerator {
  readonly space: string;
  readonly dim: number;
  /** pack name@version, for the run's record */
  readonly name?: string;
  /** the pack's instruction markers (sentences): `continue` is null; a missing task is unsupported */
  readonly instructions: Partial<Record<GenerationTask, string | null>>;
  /** the pack's end-of-text sentence */
  readonly endOfText: string;
  /** the language the markers and end-of-text are written in (eng_Latn) */
  readonly markerLang: LangCode;
  generate(req: GenerationRequest): Promise<GenerationResult>;
}

/** sha256 (hex) of a sentence's UTF-8 text: the concept cache key. The text is hashed exactly as given. */
export function sha256Text(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
