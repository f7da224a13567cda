/**
 * The LCM path shared by summarize, expand and continue: encode the prompt document, the pack's instruction marker
 * and end-of-text sentence (cached like any sentence) and any pinned sentences; run the generator; decode.
 */
import { TaskError, guard } from './errors.js';
import {
  encodeTexts,
  finish,
  pinnedOrigin,
  RunStats,
  sourceConcepts,
  validateDocument,
  validatePinned,
  type CommonOptions,
  type SourceDocument,
  type TaskContext,
} from './common.js';
import type { Origin, TaskResult } from './output.js';
import type { ConceptGenerator, GenerationBudget, GenerationTask } from './ports.js';
import { countWords } from './vec.js';

export interface GenerativeOptions extends CommonOptions {
  seed?: number;
  sampler?: Record<string, unknown>;
}

export function requireGenerator(ctx: TaskContext, task: GenerationTask): ConceptGenerator {
  const g = ctx.generator;
  if (!g) {
    throw new TaskError(
      'PACK_MISSING',
      `${task === 'summarize' ? 'An abstractive summary' : `"${task}"`} needs an LCM pack, and none is installed for ` +
        `the concept space "${ctx.encoder.space}". Install one (models/mini has Base and Two-Tower packs)` +
        (task === 'summarize' ? ', or use the extractive method.' : '.'),
    );
  }
  if (g.space !== ctx.encoder.space) {
    throw new TaskError(
      'PACK_SPACE_MISMATCH',
      `The LCM pack${g.name ? ` ${g.name}` : ''} works in the space "${g.space}" but the SONAR pack encodes into ` +
        `"${ctx.encoder.space}"; pick an LCM pack of the same space.`,
    );
  }
  if (g.dim !== ctx.encoder.dim) {
    throw new TaskError('PACK_DIM_MISMATCH', `The LCM pack's dimension ${g.dim} differs from the SONAR pack's ${ctx.encoder.dim}.`);
  }
  return g;
}

export function generationBudget(
  opts: CommonOptions,
  doc: SourceDocument,
  concepts: Float32Array[],
): GenerationBudget | undefined {
  const l = opts.length;
  if (!l) return undefined;
  const b: GenerationBudget = {};
  if (l.sentences !== undefined) {
    if (!Number.isFinite(l.sentences) || l.sentences < 1) {
      throw new TaskError('INVALID_REQUEST', `length.sentences must be a positive number (got ${l.sentences})`);
    }
    b.concepts = Math.floor(l.sentences);
  }
  if (l.ratio !== undefined) {
    if (!Number.isFinite(l.ratio) || l.ratio <= 0) {
      throw new TaskError('INVALID_REQUEST', `length.ratio must be positive (got ${l.ratio})`);
    }
    b.ratio = l.ratio;
    b.sourceWords = doc.sentences.map(countWords);
    b.sourceConcepts = concepts;
  }
  return b;
}

export async function runGeneration(
  task: GenerationTask,
  doc: SourceDocument,
  ctx: TaskContext,
  opts: GenerativeOptions,
): Promise<TaskResult> {
  validateDocument(doc, task);
  const gen = requireGenerator(ctx, task);
  const pinned = validatePinned(opts.pinned);
  let marker: string | null = null;
  if (task !== 'continue') {
    const m = gen.instructions[task];
    if (typeof m !== 'string' || m === '') {
      throw new TaskError(
        'UNSUPPORTED_TASK',
        `The LCM pack${gen.name ? ` ${gen.name}` : ''} was not tuned for "${task}" (it has no instruction marker for it).`,
      );
    }
    marker = m;
  }
  const stats = new RunStats();
  const src = await sourceConcepts(ctx, stats, doc);
  const special = await encodeTexts(ctx, stats, marker ? [marker, gen.endOfText] : [gen.endOfText], gen.markerLang);
  const markerConcept = marker ? special[0] : null;
  const endOfText = special[special.length - 1];
  const pinnedLang = opts.pinnedLang ?? opts.targetLang;
  const pinnedConcepts = await encodeTexts(ctx, stats, pinned.map((p) => p.text), pinnedLang);

  const budget = generationBudget(opts, doc, src);
  const out = await stats.time('generate', () =>
    guard(ctx.signal, () =>
      gen.generate({
        prompt: src,
        marker: markerConcept,
        endOfText,
        budget,
        pinned: pinned.map((p, i) => ({ index: p.index, concept: pinnedConcepts[i] })),
        seed: opts.seed,
        sampler: opts.sampler,
        signal: ctx.signal,
        onProgress: (done, total) => ctx.onProgress?.({ stage: 'generate', done, total }),
      }),
    ),
  );
  const concepts = [...out.concepts];
  const lastPinned = pinned.length ? pinned[pinned.length - 1].index : -1;
  if (concepts.length <= lastPinned) {
    throw new Error(`the generator returned ${concepts.length} concepts but sentence ${lastPinned} is pinned`);
  }
  const origins: (Origin | null)[] = concepts.map(() => null);
  pinned.forEach((p, i) => {
    concepts[p.index] = pinnedConcepts[i]; // exactly the pinned concept, whatever the generator echoed
    origins[p.index] = pinnedOrigin(p, pinnedLang);
  });
  for (const c of concepts) {
    if (c.length !== ctx.encoder.dim) throw new Error(`the generator returned a concept of length ${c.length}`);
  }
  return finish(ctx, stats, {
    task,
    method: 'lcm',
    targetLang: opts.targetLang,
    concepts,
    origins,
    sourceConcepts: src,
    ...(out.stopReason ? { stopReason: out.stopReason } : {}),
    packs: gen.name ? { lcm: gen.name } : {},
  });
}
