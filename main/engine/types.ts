/**
 * The engine's vocabulary: the plain types its tasks, packs and runs are described in. The engine owns them and
 * main/api/contract.ts re-exports them to every front end (IPC, HTTP, CLI, the renderer), so dependencies point one
 * way: front ends → API → engine. Types only, importing nothing (the layering lint checks both).
 */

export type LangCode = string; // a SONAR code such as eng_Latn

export type TaskKind = 'summarize' | 'expand' | 'translate' | 'continue';

export type Method = 'auto' | 'lcm' | 'extractive';

export interface LengthSpec {
  sentences?: number; // absolute count of output sentences
  ratio?: number; // fraction of the source (sentences for extractive, words for LCM budgets)
}

export type Stage =
  'load' | 'segment' | 'encode' | 'generate' | 'decode' | 'save' | 'download' | 'convert' | 'selftest';

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
  /** the decoder wrote no sentence here: nothing (empty) or one word over and over (engine/tasks/degenerate.ts) */
  failed?: DecodeFailure;
}

export interface DecodeFailure {
  reason: 'empty' | 'repetition';
  message: string;
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

/** The cosine below which a decoded sentence is flagged (`threshold`) and from which it is faithful (`good`). */
export interface FidelityThresholds {
  threshold: number;
  good: number;
  /** from the SONAR pack's pack.json `fidelity`, or the defaults */
  source: 'pack' | 'default';
}

/** The run's fidelity: thresholds used and counts. */
export interface RunFidelity extends FidelityThresholds {
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
  /** `auto`: installed LCM packs that could not be used with the SONAR pack, and why (wrong space or dimension, damaged) */
  skipped?: { pack: string; reason: string }[];
}

export interface PackInfo {
  name: string;
  kind: 'sonar' | 'lcm';
  /** an LCM's architecture (base, two-tower); a converted SONAR pack's weights (fp32, fp16, int8; packs/index.ts) */
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
  fidelity?: FidelityThresholds;
  /** SONAR packs: the last self-test's report (engine/selftest), absent when none was run */
  selftest?: PackSelftest;
  /**
   * SONAR packs: what the decoder is measured to keep per language and pair (pack.json `decoding_quality`, read by
   * engine/packs/decoding-quality.ts); absent when the pack states none
   */
  decodingQuality?: DecodingQualityTable;
}

/**
 * One check of the pack self-test (engine/selftest/checks.ts): the measured value against its threshold, and a
 * trivial baseline measured in the same run (what a pack that does not work scores on the same check).
 */
export type SelftestCheckId = 'round_trip' | 'alignment' | 'finite' | 'collapse' | 'degenerate' | 'golden';
export interface SelftestCheck {
  id: SelftestCheckId;
  passed: boolean;
  value: number;
  /** pass when value ≥ threshold (`min`) or value ≤ threshold (`max`) */
  threshold: number;
  direction: 'min' | 'max';
  unit: 'chrF' | 'share' | 'cosine';
  /** absent for a pure property (finite numbers) that has no trivial system to compare with */
  baseline?: number;
  /** what the baseline is, in words (English; the app shows its own text per check id) */
  baselineName?: string;
  /** the measurement, in words */
  what: string;
  /** per language (round trip) or other break-down */
  detail?: Record<string, number>;
}

/** A round-trip example of the self-test: a sentence, its decoding from its own concept, and the chrF between them. */
export interface SelftestExample {
  lang: LangCode;
  input: string;
  output: string;
  chrf: number;
}

/** The pack self-test's report (saved as selftest.json with the pack; engine/selftest). */
export interface PackSelftest {
  version: 1;
  pack: string;
  space: string;
  dim: number;
  /** sha256 of the pack.json it tested: a report whose pack.json has changed since is `stale` */
  packJsonSha256: string;
  createdAt: string;
  seconds: number;
  /** every check passed */
  passed: boolean;
  languages: LangCode[];
  sentences: number;
  /** decoding used for the round trip (greedy: beam 1) */
  beam: number;
  checks: SelftestCheck[];
  examples: SelftestExample[];
  /** the pack says it is a demonstration (or random-weight test) pack: failing is expected, not damage */
  demo: boolean;
  /** set when read: the pack changed after the report was made */
  stale?: boolean;
}

/** Held-out decoding figures of a SONAR pack (pack.json `decoding_quality`; engine/packs/decoding-quality.ts). */
export type DecodingTier = 'meaning' | 'fragments' | 'none' | 'unmeasured';

export interface DecodingMeasure {
  chrf: number;
  baseline: number;
  n?: number;
  /** translations only: chrF of the untranslated source against the reference */
  copy?: number;
}

export interface DecodingQualityTable {
  sameLanguage: Record<string, DecodingMeasure>;
  pairs: Record<string, DecodingMeasure>;
}

export interface DecodingExpectation {
  source: string;
  target: string;
  tier: DecodingTier;
  /**
   * what the tier rests on: the pair itself, the target language's round trip (source = target), the average of the
   * measured pairs (a pair nobody measured, in a pack whose measured pairs all say the same), or nothing
   */
  basis: 'pair' | 'same-language' | 'pairs-average' | 'none';
  measure?: DecodingMeasure;
  /** basis 'pairs-average': how many measured pairs the average covers */
  pairsAveraged?: number;
  /**
   * runs whose concepts an LCM writes (summaries by the LCM, expand, continue): that pack, whether it is a
   * demonstration, and its held-out summary ROUGE-L (pack.json metrics.summary_rougeL, baseline lead-1) when stated.
   * The decoder's figures say nothing about what the LCM's concepts mean.
   */
  generator?: { pack: string; demo: boolean; summary?: PackMetric };
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

export interface ConceptMapPoint {
  x: number;
  y: number;
  kind: 'source' | 'output';
  index: number;
  text: string;
}
