/**
 * translate: every source sentence decoded from its own concept into the target language. Into the source language
 * the source comes back unchanged (verbatim, nothing decoded). Pinned output positions keep the user's text.
 */
import {
  encodeTexts,
  finish,
  pinnedOrigin,
  RunStats,
  sentenceLang,
  sourceConcepts,
  validateDocument,
  validatePinned,
  type CommonOptions,
  type SourceDocument,
  type TaskContext,
} from './common.js';
import { TaskError } from './errors.js';
import type { Origin, TaskResult } from './output.js';

export type TranslateOptions = Omit<CommonOptions, 'length'>;

export async function translate(doc: SourceDocument, ctx: TaskContext, opts: TranslateOptions): Promise<TaskResult> {
  validateDocument(doc, 'translate');
  const pinned = validatePinned(opts.pinned);
  for (const p of pinned) {
    if (p.index >= doc.sentences.length) {
      throw new TaskError('INVALID_REQUEST', `pinned index ${p.index} is past the last sentence (${doc.sentences.length - 1})`);
    }
  }
  const stats = new RunStats();
  const src = await sourceConcepts(ctx, stats, doc);
  const pinnedLang = opts.pinnedLang ?? opts.targetLang;
  const pinnedConcepts = await encodeTexts(ctx, stats, pinned.map((p) => p.text), pinnedLang);
  const concepts = [...src];
  const origins: (Origin | null)[] = doc.sentences.map((text, i) => ({ text, lang: sentenceLang(doc, i), sentenceIdx: i }));
  pinned.forEach((p, i) => {
    concepts[p.index] = pinnedConcepts[i];
    origins[p.index] = pinnedOrigin(p, pinnedLang);
  });
  return finish(ctx, stats, {
    task: 'translate',
    method: 'extractive', // every source sentence, no LCM
    targetLang: opts.targetLang,
    concepts,
    origins,
    sourceConcepts: src,
    packs: {},
  });
}
