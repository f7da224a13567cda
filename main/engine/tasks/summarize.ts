/**
 * summarize: method 'lcm' generates a summary with the LCM (document concepts + the pack's "Summarize" marker);
 * 'extractive' picks central, non-redundant source sentences (extractive.ts); 'auto' uses the LCM when a generator
 * is there, else extractive. Extractive output in the source language is the source sentences verbatim; in another
 * language they are decoded from their concepts.
 */
import type { Method } from '../types.js';
import {
  encodeTexts,
  finish,
  pinnedOrigin,
  RunStats,
  sentenceLang,
  sourceConcepts,
  validateDocument,
  validatePinned,
  type SourceDocument,
  type TaskContext,
} from './common.js';
import { extractiveCount, resolveProfile, selectSentences, type ExtractiveOptions } from './extractive.js';
import { TaskError } from './errors.js';
import { runGeneration, type GenerativeOptions } from './generative.js';
import type { Origin, TaskResult } from './output.js';

export interface SummarizeOptions extends GenerativeOptions {
  method?: Method;
  extractive?: ExtractiveOptions;
}

export function resolveMethod(method: Method | undefined, ctx: TaskContext): 'lcm' | 'extractive' {
  const m = method ?? 'auto';
  if (m === 'auto') return ctx.generator ? 'lcm' : 'extractive';
  if (m !== 'lcm' && m !== 'extractive') throw new TaskError('INVALID_REQUEST', `unknown method "${m}"`);
  return m;
}

export async function summarize(doc: SourceDocument, ctx: TaskContext, opts: SummarizeOptions): Promise<TaskResult> {
  const method = resolveMethod(opts.method, ctx);
  if (method === 'lcm') return runGeneration('summarize', doc, ctx, opts);
  return extractiveSummary(doc, ctx, opts);
}

/**
 * Extractive summary. With pinned sentences, the output has max(count, last pinned index + 1) positions: pinned ones
 * hold the pinned text, the others the best remaining sentences (penalised for redundancy with the pinned
 * concepts), in source order.
 */
export async function extractiveSummary(
  doc: SourceDocument,
  ctx: TaskContext,
  opts: SummarizeOptions,
): Promise<TaskResult> {
  validateDocument(doc, 'summarize');
  const pinned = validatePinned(opts.pinned);
  const stats = new RunStats();
  const src = await sourceConcepts(ctx, stats, doc);
  const pinnedLang = opts.pinnedLang ?? opts.targetLang;
  const pinnedConcepts = await encodeTexts(ctx, stats, pinned.map((p) => p.text), pinnedLang);

  const count = extractiveCount(src.length, opts.length);
  const lastPinned = pinned.length ? pinned[pinned.length - 1].index : -1;
  const total = Math.max(count, lastPinned + 1);
  // a source sentence the user pinned word for word is not picked a second time
  const exclude: number[] = [];
  const pinnedTexts = new Set(pinned.map((p) => p.text.trim()));
  doc.sentences.forEach((s, i) => sentenceLang(doc, i) === pinnedLang && pinnedTexts.has(s.trim()) && exclude.push(i));
  const settings = resolveProfile(src.length, opts.extractive);
  const selected = selectSentences(src, total - pinned.length, {
    ...opts.extractive,
    ...settings,
    texts: doc.sentences,
    preselected: pinnedConcepts,
    preselectedTexts: pinned.map((p) => p.text),
    exclude,
  });

  const concepts: Float32Array[] = [];
  const origins: (Origin | null)[] = [];
  const byIndex = new Map(pinned.map((p, i) => [p.index, i]));
  let next = 0;
  for (let pos = 0; pos < total; pos++) {
    const pi = byIndex.get(pos);
    if (pi !== undefined) {
      concepts.push(pinnedConcepts[pi]);
      origins.push(pinnedOrigin(pinned[pi], pinnedLang));
    } else if (next < selected.length) {
      const s = selected[next++];
      concepts.push(src[s]);
      origins.push({ text: doc.sentences[s], lang: sentenceLang(doc, s), sentenceIdx: s });
    }
  }
  return finish(ctx, stats, {
    task: 'summarize',
    method: 'extractive',
    targetLang: opts.targetLang,
    concepts,
    origins,
    sourceConcepts: src,
    selected,
    packs: {},
  });
}
