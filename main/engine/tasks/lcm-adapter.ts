/**
 * A ConceptGenerator over engine/lcm: any NextConceptModel (Base-LCM, Two-Tower, a test double) driven by the
 * generation loop `generate()` with the pack's markers, end-of-text sentence and stop thresholds.
 */
import { generate, taskPrompt, type NextConceptModel } from '../lcm/index.js';
import type { LcmPackJson } from '../lcm/pack.js';
import { generationDefaults } from '../lcm/pack.js';
import type { ConceptGenerator, GenerationRequest, GenerationResult, GenerationTask } from './ports.js';

export interface LcmGeneratorOptions {
  model: NextConceptModel;
  pack: Pick<LcmPackJson, 'name' | 'space' | 'dim' | 'end_of_text' | 'instructions' | 'generation'> & { version?: string };
  /** the language the pack's markers are written in (default eng_Latn) */
  markerLang?: string;
}

export function lcmGenerator(o: LcmGeneratorOptions): ConceptGenerator {
  const { model, pack } = o;
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
    async generate(req: GenerationRequest): Promise<GenerationResult> {
      const r = await generate(model, taskPrompt(req.prompt, req.marker), {
        endOfText: req.endOfText,
        eosThreshold: defaults.eosThreshold,
        repetitionThreshold: defaults.repetitionThreshold,
        maxConcepts: defaults.maxConcepts,
        budget: req.budget,
        pinned: req.pinned,
        signal: req.signal,
        seed: req.seed,
        predict: req.sampler ? { sampler: req.sampler } : undefined,
        onConcept: (e) => req.onProgress?.(e.index + 1, e.total),
      });
      return { concepts: r.concepts, stopReason: r.stopReason };
    },
  };
}
