/**
 * The autoregressive concept generation loop (research/lcm.md §6; reference: tools/concept_tools/mini_pipeline.py
 * `generate`). From raw prompt concepts (document + the pack's instruction marker), predict one concept at a time
 * and stop when
 *   1. cosine(raw prediction, end-of-text concept) ≥ eosThreshold          → 'eos'   (the EOT concept is dropped)
 *   2. cosine(raw prediction, previous output concept) ≥ repetitionThreshold → 'repetition' (the repeat is dropped)
 *   3. the length budget is spent: a concept count, or LCFO-style a ratio of the source words → 'budget'
 *   4. the hard cap `maxConcepts` (pack `generation.max_concepts`) is reached → 'max'
 * Pinned concepts (concept-level editing): output positions the user kept are teacher-forced at their index and
 * every other position is generated in order, conditioned on everything before it (prompt, kept and regenerated
 * concepts). Positions before the last pinned one are always filled (stop rules are suppressed there, the item is
 * flagged instead); after it the usual rules apply.
 * Cancellation: the AbortSignal is checked between concepts and (Two-Tower) between denoising steps.
 */
import type { NextConceptModel, PredictOptions } from './model.js';
import { checkAbort } from './runner.js';
import { Rng } from './rng.js';
import { cosine } from './vec.js';

export type StopReason = 'eos' | 'repetition' | 'budget' | 'max';

export interface LengthBudget {
  /** at most this many output concepts (sentences) */
  concepts?: number;
  /** LCFO-style length: stop once the estimated output words reach ratio × Σ sourceWords (0.05, 0.1, 0.2) */
  ratio?: number;
  /** words of each source sentence (needed with `ratio`) */
  sourceWords?: readonly number[];
  /**
   * the source sentences' raw concepts, parallel to sourceWords: an output concept is then estimated to have the
   * words of its nearest source sentence (cosine); without them, the mean words per source sentence
   */
  sourceConcepts?: readonly Float32Array[];
  /** overrides the estimate (e.g. when the caller decodes each concept as it comes) */
  estimateWords?: (concept: Float32Array, index: number) => number | Promise<number>;
}

export interface PinnedConcept {
  /** output position (0-based, counting only generated/pinned output concepts, not the prompt) */
  index: number;
  /** raw concept (e.g. the re-encoded edited sentence) */
  concept: Float32Array;
}

export interface OutputConcept {
  concept: Float32Array;
  pinned: boolean;
  /** cosine with the end-of-text concept (raw space) */
  eosCosine: number;
  /** cosine with the previous output concept (null for the first) */
  repetitionCosine: number | null;
  /** a generated concept that met a stop rule but was kept because a pinned concept follows it */
  forced: boolean;
  /** estimated words (only with a ratio budget) */
  words?: number;
}

export interface ConceptEvent extends OutputConcept {
  index: number;
  /** the number of output concepts if known in advance (count budget), else the hard cap */
  total: number;
}

export interface GenerateOptions {
  /** raw end-of-text concept (the pack's `end_of_text` sentence encoded with the SONAR pack) */
  endOfText: Float32Array;
  /** default 0.9 */
  eosThreshold?: number;
  /** default 0.9; null turns the rule off */
  repetitionThreshold?: number | null;
  /** hard cap on output concepts (pack generation.max_concepts), default 128 */
  maxConcepts?: number;
  budget?: LengthBudget;
  /** stop rules are suppressed until this many concepts are out (default 1: the reference min_gen_len, lcm.md §6) */
  minConcepts?: number;
  pinned?: readonly PinnedConcept[];
  signal?: AbortSignal;
  /** the RNG for the model's noise; default new Rng(seed ?? 0) */
  rng?: Rng;
  seed?: number;
  onConcept?: (e: ConceptEvent) => void;
  /** extra options passed to every predictNext call (e.g. Two-Tower sampler overrides, hooks) */
  predict?: Record<string, unknown>;
}

export interface GenerateResult {
  /** output concepts (raw), without the end-of-text concept */
  concepts: Float32Array[];
  items: OutputConcept[];
  stopReason: StopReason;
  /** the prediction that triggered an 'eos' or 'repetition' stop (not in the output) */
  rejected?: Float32Array;
  /** Σ estimated words (ratio budget) */
  words?: number;
  /** the word target (ratio budget) */
  wordTarget?: number;
}

export function countWords(text: string): number {
  const m = text.match(/[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*/gu);
  return m ? m.length : 0;
}

function checkInputs(model: NextConceptModel, prompt: readonly Float32Array[], o: GenerateOptions): void {
  const d = model.dim;
  if (prompt.length === 0) throw new Error('generate: empty prompt');
  for (const p of prompt) if (p.length !== d) throw new Error(`generate: prompt concept of length ${p.length} != ${d}`);
  if (o.endOfText.length !== d) throw new Error('generate: end-of-text concept has the wrong dimension');
}

/** Pinned concepts by output position (each position once, each concept of the model's dimension). */
function pinnedByIndex(o: GenerateOptions, d: number): Map<number, Float32Array> {
  const pinned = new Map<number, Float32Array>();
  for (const p of o.pinned ?? []) {
    if (!Number.isInteger(p.index) || p.index < 0) throw new Error(`pinned index ${p.index} is not a position`);
    if (pinned.has(p.index)) throw new Error(`pinned index ${p.index} given twice`);
    if (p.concept.length !== d) throw new Error(`pinned concept ${p.index} has the wrong dimension`);
    pinned.set(p.index, p.concept);
  }
  return pinned;
}

/** The length limits of a generation: the hard cap, the concept budget, the word target and its estimator. */
function lengthLimits(o: GenerateOptions, lastPinned: number) {
  const budget = o.budget ?? {};
  const cap = Math.max(o.maxConcepts ?? 128, lastPinned + 1);
  const budgetCap = Math.max(budget.concepts !== undefined ? Math.max(0, Math.floor(budget.concepts)) : Infinity, lastPinned + 1);
  let wordTarget: number | undefined;
  let meanWords = 0;
  if (budget.ratio !== undefined) {
    const sw = budget.sourceWords;
    if (!sw || sw.length === 0) throw new Error('a ratio budget needs the words of each source sentence');
    const total = sw.reduce((a, b) => a + b, 0);
    wordTarget = budget.ratio * total;
    meanWords = total / sw.length;
    if (budget.sourceConcepts && budget.sourceConcepts.length !== sw.length) {
      throw new Error('sourceConcepts and sourceWords differ in length');
    }
  }
  // an output concept has the words of its nearest source sentence (or the mean, without source concepts)
  const estimate = async (c: Float32Array, index: number): Promise<number> => {
    if (budget.estimateWords) return budget.estimateWords(c, index);
    const sc = budget.sourceConcepts;
    if (!sc || !budget.sourceWords) return meanWords;
    let best = -Infinity;
    let words = meanWords;
    sc.forEach((s, j) => {
      const cs = cosine(c, s);
      if (cs > best) {
        best = cs;
        words = budget.sourceWords![j];
      }
    });
    return words;
  };
  return { cap, budgetCap, wordTarget, estimate };
}

export async function generate(
  model: NextConceptModel,
  prompt: readonly Float32Array[],
  o: GenerateOptions,
): Promise<GenerateResult> {
  checkInputs(model, prompt, o);
  const eosThr = o.eosThreshold ?? 0.9;
  const repThr = o.repetitionThreshold === undefined ? 0.9 : o.repetitionThreshold;
  const minConcepts = o.minConcepts ?? 1;
  const rng = o.rng ?? new Rng(o.seed ?? 0);
  const pinned = pinnedByIndex(o, model.dim);
  const lastPinned = pinned.size ? Math.max(...pinned.keys()) : -1;
  const { cap, budgetCap, wordTarget, estimate } = lengthLimits(o, lastPinned);

  const seq: Float32Array[] = [...prompt];
  const items: OutputConcept[] = [];
  let words = 0;
  const total = Math.min(cap, budgetCap);
  const emit = async (item: OutputConcept) => {
    if (wordTarget !== undefined) {
      item.words = await estimate(item.concept, items.length);
      words += item.words;
    }
    items.push(item);
    seq.push(item.concept);
    o.onConcept?.({ ...item, index: items.length - 1, total });
  };
  const result = (stopReason: StopReason, rejected?: Float32Array): GenerateResult => ({
    concepts: items.map((x) => x.concept),
    items,
    stopReason,
    rejected,
    ...(wordTarget !== undefined ? { words, wordTarget } : {}),
  });

  for (;;) {
    checkAbort(o.signal);
    const i = items.length;
    const free = i > lastPinned; // no pinned concept left to place
    if (free) {
      if (i >= budgetCap) return result('budget');
      if (i >= cap) return result('max');
      if (wordTarget !== undefined && i > 0 && words >= wordTarget) return result('budget');
    }
    const prev = i > 0 ? items[i - 1].concept : null;
    const pin = pinned.get(i);
    if (pin) {
      await emit({ concept: pin, pinned: true, eosCosine: cosine(pin, o.endOfText), repetitionCosine: prev ? cosine(pin, prev) : null, forced: false });
      continue;
    }
    const pred = await model.predictNext(seq, { ...(o.predict ?? {}), signal: o.signal, rng } as PredictOptions);
    const eosCos = cosine(pred, o.endOfText);
    const repCos = prev ? cosine(pred, prev) : null;
    const isEos = eosCos >= eosThr;
    const isRep = repThr !== null && repCos !== null && repCos >= repThr;
    const checks = i >= minConcepts;
    if (checks && free) {
      if (isEos) return result('eos', pred);
      if (isRep) return result('repetition', pred);
    }
    await emit({ concept: pred, pinned: false, eosCosine: eosCos, repetitionCosine: repCos, forced: checks && !free && (isEos || isRep) });
  }
}

/**
 * The prompt the mini LCMs were tuned on (models/FORMAT.md): the document's concepts followed by the pack's
 * instruction marker concept (`summarize`, `expand`); `continue` has no marker (null).
 */
export function taskPrompt(document: readonly Float32Array[], marker: Float32Array | null): Float32Array[] {
  return marker ? [...document, marker] : [...document];
}
