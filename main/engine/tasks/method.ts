/**
 * The choices that decide what the user gets, made in one place:
 * - `chooseMethod`: what `auto` means for the installed packs. A summary is written by the LCM only when both the
 *   SONAR pack and the LCM pack carry held-out metrics and are not labelled `demo`; with demonstration packs (the
 *   bundled mini models) an extractive summary is made: verbatim in the source language, decoded from the source
 *   sentences' own concepts in another language. The LCM stays available on request (`method: 'lcm'`).
 * - `stopInfo`: why the output has the length it has (requested length reached, end-of-text, repetition, the model's
 *   hard cap, or a source shorter than the request).
 * - `dropRepeats`: an extractive summary decoded into another language never repeats a sentence.
 */
import type { LengthSpec, Method, MethodChoice, StopInfo, StopReason, TaskKind } from '../types.js';
import { defaultSentenceCount } from './extractive.js';
import type { TaskResult } from './output.js';

/** What `chooseMethod` needs to know of a pack's quality (engine/packs/quality.ts). */
export interface QualityLike {
  demo: boolean;
}

export interface MethodInput {
  requested?: Method;
  task: TaskKind;
  /** an LCM pack of the SONAR pack's space is installed */
  hasLcm: boolean;
  /** the packs' quality; absent = unknown, treated as a demonstration pack */
  sonarQuality?: QualityLike | null;
  lcmQuality?: QualityLike | null;
}

export function chooseMethod(inp: MethodInput): MethodChoice {
  const requested = inp.requested ?? 'auto';
  if (inp.task === 'translate') return { requested, used: 'extractive', reason: 'task' };
  if (inp.task === 'expand' || inp.task === 'continue') return { requested, used: 'lcm', reason: 'task' };
  if (requested === 'lcm' || requested === 'extractive') return { requested, used: requested, reason: 'requested' };
  if (!inp.hasLcm) return { requested, used: 'extractive', reason: 'no-lcm' };
  const demo = !inp.sonarQuality || inp.sonarQuality.demo || !inp.lcmQuality || inp.lcmQuality.demo;
  return demo ? { requested, used: 'extractive', reason: 'demo-packs' } : { requested, used: 'lcm', reason: 'measured' };
}

/** Sentences an extractive summary is asked for, before clamping to the document (the LengthSpec rules). */
export function requestedSentences(n: number, length: LengthSpec | undefined, method: 'lcm' | 'extractive'): number | null {
  if (length?.sentences !== undefined) return Math.max(1, Math.floor(length.sentences));
  if (method === 'lcm') return null; // a word budget (ratio) or the model's own end
  if (length?.ratio === undefined) return defaultSentenceCount(n);
  return Math.max(1, Math.round(length.ratio * n));
}

/** The generation loop's reason (engine/lcm StopReason) in the API's words. */
export function mapGeneratorStop(reason: string | undefined): StopReason {
  switch (reason) {
    case 'eos':
      return 'end-of-text';
    case 'repetition':
      return 'repetition';
    case 'max':
      return 'budget';
    default:
      return 'length'; // 'budget': the requested count or word budget was reached
  }
}

export function stopInfo(args: {
  task: TaskKind;
  method: 'lcm' | 'extractive';
  sourceSentences: number;
  length?: LengthSpec;
  produced: number;
  generatorStop?: string;
  /** repeated sentences dropped from the output */
  dropped?: number;
}): StopInfo {
  const { produced } = args;
  if (args.task === 'translate') {
    return { reason: 'length', requested: args.sourceSentences, produced, early: produced < args.sourceSentences };
  }
  const requested = requestedSentences(args.sourceSentences, args.length, args.method);
  const early = requested !== null && produced < requested;
  let reason: StopReason;
  if (args.method === 'lcm') {
    reason = mapGeneratorStop(args.generatorStop);
    if (reason === 'length' && early) reason = (args.dropped ?? 0) > 0 ? 'repetition' : 'budget';
  } else if (!early) reason = 'length';
  else if ((args.dropped ?? 0) > 0) reason = 'repetition';
  else reason = 'source';
  return { reason, requested, produced, early };
}

function norm(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\s\p{P}]+/gu, ' ').trim();
}

/**
 * Drop output sentences whose text (normalised: case, spaces, punctuation) repeats an earlier one — a weak decoder
 * writes the same memorised sentence for different concepts. Pinned sentences are kept. The parallel arrays
 * (concepts, origins) follow; output positions are renumbered. Returns the number dropped.
 */
export function dropRepeats(result: TaskResult): number {
  const seen = new Set<string>();
  const keep: number[] = [];
  result.sentences.forEach((s, i) => {
    const k = norm(s.text);
    if (!s.pinned && k !== '' && seen.has(k)) return;
    seen.add(k);
    keep.push(i);
  });
  const dropped = result.sentences.length - keep.length;
  if (dropped === 0) return 0;
  result.sentences = keep.map((i, pos) => ({ ...result.sentences[i], index: pos }));
  result.concepts = keep.map((i) => result.concepts[i]);
  result.origins = keep.map((i) => result.origins[i]);
  return dropped;
}
