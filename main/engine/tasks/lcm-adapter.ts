/**
 * A ConceptGenerator over engine/lcm: the generation loop `generate()` with the pack's markers, end-of-text sentence
 * and stop thresholds. Where the loop runs is the caller's choice: in-process over a NextConceptModel (`model`, e.g.
 * a test double), or wherever a GenerationRunner sends it (`run`: the engine worker, next to the model's sessions,
 * so a whole generation is one request — engine/adapters/lcm.ts).
 */
import { generate, taskPrompt, type GenerateOptions, type NextConceptModel } from '../lcm/index.js';
import type { LcmPackJson } from '../lcm/pack.js';
import { generationDefaults } from '../lcm/pack.js';
import type { ConceptGenerator, GenerationRequest, GenerationResult, GenerationTask } from './ports.js';

/** Generation options that cross a worker boundary: data only (no signal, callbacks or RNG object). */
export type WireGenerateOptions = Omit<GenerateOptions, 'signal' | 'onConcept' | 'rng' | 'budget'> & {
  budget?: Omit<NonNullable<GenerateOptions['budget']>, 'estimateWords'>;
};

export interface GenerationControl {
  signal?: AbortSignal;
  /** after each output concept: (concepts so far, expected total or the cap) */
  onConcept?: (done: number, total: number) => void;
}

/** Runs one whole generation (prompt already carries the task marker). */
export type GenerationRunner = (prompt: Float32Array[], opts: WireGenerateOptions, ctl: GenerationControl) => Promise<GenerationResult>;

/** The loop in this thread, over a model in this thread. */
export function localRunner(model: NextConceptModel): GenerationRunner {
  return async (prompt, opts, ctl) => {
    const r = await generate(model, prompt, { ...opts, signal: ctl.signal, onConcept: (e) => ctl.onConcept?.(e.index + 1, e.total) });
    return { concepts: r.concepts, stopReason: r.stopReason };
  };
}

export type LcmGeneratorPack = Pick<LcmPackJson, 'name' | 'space' | 'dim' | 'end_of_text' | 'instructions' | 'generation'> & { version?: string };

export type LcmGeneratorOptions = ({ model: NextConceptModel; run?: undefined } | { run: GenerationRunner; model?: undefined }) & {
  pack: LcmGeneratorPack;
  /** the language the pack's markers are written in (default eng_Latn) */
  markerLang?: string;
};

export function lcmGenerator(o: LcmGeneratorOptions): ConceptGenerator {
  const { pack } = o;
  const run = o.run ?? localRunner(o.model);
  const defaults = generationDefaults(pack as LcmPackJson);
  const instructions: Partial<Record<GenerationTask, string | null>> = {};
  for (const t of ['summarize', 'expand', 'continue'] as const) {
    if (t in (pack.instructions ?? {})) instructions[t] = pack.instructions[t] ?? null;
  }
  if (!('continue' in instructions)) instructions.continue = null;
  return {
    space: pack.space,
    dim: pack.dim,
    name: pack.version ? `${pack.name}@${pack.version}` : pack.name,
    instructions,
    endOfText: pack.end_of_text,
    markerLang: o.markerLang ?? 'eng_Latn',
    generate(req: GenerationRequest): Promise<GenerationResult> {
      const opts: WireGenerateOptions = {
        endOfText: req.endOfText,
        eosThreshold: defaults.eosThreshold,
        repetitionThreshold: defaults.repetitionThreshold,
        maxConcepts: defaults.maxConcepts,
        budget: req.budget,
        pinned: req.pinned,
        seed: req.seed,
        predict: req.sampler ? { sampler: req.sampler } : undefined,
      };
      return run(taskPrompt(req.prompt, req.marker), opts, { signal: req.signal, onConcept: req.onProgress });
    },
  };
}
