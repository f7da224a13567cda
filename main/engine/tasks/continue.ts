/**
 * continue: write on from the end of the document — the LCM's plain continuation (no instruction marker). The
 * output is the new sentences only.
 */
import type { SourceDocument, TaskContext } from './common.js';
import { runGeneration, type GenerativeOptions } from './generative.js';
import type { TaskResult } from './output.js';

export type ContinueOptions = GenerativeOptions;

/** Needs an LCM (ctx.generator): without one it rejects with PACK_MISSING. */
export function continueText(doc: SourceDocument, ctx: TaskContext, opts: ContinueOptions): Promise<TaskResult> {
  return runGeneration('continue', doc, ctx, opts);
}
