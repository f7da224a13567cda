/**
 * Building the LCM models from an LCM pack (models/FORMAT.md) and runners the caller made (in-process
 * `ort.InferenceSession`s or worker proxies from main/engine/runtime). Reads only pack.json fields and
 * normalizer.json; file verification and session creation belong to packs/ and runtime/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaseLcm } from './base.js';
import { samplerFromPack, TwoTowerLcm, type SamplerOptions } from './diffusion.js';
import { Normalizer } from './normalizer.js';
import type { LcmPackJson } from '../packs/schema.js';
import type { Runner } from './runner.js';
import { makeSchedule, scheduleArgsFromPack } from './schedule.js';

export type { LcmPackJson };

export function readLcmPack(dir: string): { pack: LcmPackJson; normalizer: Normalizer } {
  const pack = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8')) as LcmPackJson;
  if (pack.kind !== 'lcm') throw new Error(`${dir} is not an LCM pack`);
  const normalizer = Normalizer.load(join(dir, pack.normalizer.file));
  if (normalizer.dim !== pack.dim) throw new Error(`normalizer dim ${normalizer.dim} != pack dim ${pack.dim}`);
  return { pack, normalizer };
}

/** ᾱ from the pack's list, or computed from its schedule name when the list is absent. */
export function alphasCumprodFromPack(pack: LcmPackJson): Float32Array {
  const s = pack.sampler ?? {};
  if (Array.isArray(s.alphas_cumprod)) return Float32Array.from(s.alphas_cumprod);
  return makeSchedule(s.schedule ?? 'cosine', s.num_train_steps ?? 100,
    scheduleArgsFromPack(s.schedule_args as Record<string, unknown> | undefined));
}

export function generationDefaults(pack: LcmPackJson): { eosThreshold: number; repetitionThreshold: number | null; maxConcepts: number } {
  const g: Partial<LcmPackJson['generation']> = pack.generation ?? {};
  return {
    eosThreshold: g.eos_threshold ?? 0.9,
    repetitionThreshold: g.repetition_threshold === undefined ? 0.9 : g.repetition_threshold,
    maxConcepts: g.max_concepts ?? 128,
  };
}

/** config.max_seq_len: the RoPE table size of the causal graphs (prefixes beyond it are windowed). */
export function maxLengthFromPack(pack: LcmPackJson): number {
  const m = pack.config?.max_seq_len;
  return typeof m === 'number' && m > 0 ? m : Infinity;
}

export function createBaseLcm(pack: LcmPackJson, normalizer: Normalizer, runner: Runner, latentNoise = 0): BaseLcm {
  const g = pack.graphs.base;
  if (pack.variant !== 'base' || !g) throw new Error(`pack ${pack.name} is not a Base-LCM pack`);
  return new BaseLcm({
    runner,
    normalizer,
    inputName: g.inputs.concepts ?? 'concepts',
    outputName: g.outputs.next ?? 'next',
    latentNoise,
    maxLength: maxLengthFromPack(pack),
  });
}

export function createTwoTowerLcm(
  pack: LcmPackJson,
  normalizer: Normalizer,
  runners: { contextualizer: Runner; denoiser: Runner },
  sampler: Partial<SamplerOptions> = {},
): TwoTowerLcm {
  const c = pack.graphs.contextualizer;
  const dn = pack.graphs.denoiser;
  if (pack.variant !== 'two-tower' || !c || !dn) throw new Error(`pack ${pack.name} is not a Two-Tower pack`);
  return new TwoTowerLcm({
    contextualizer: runners.contextualizer,
    denoiser: runners.denoiser,
    normalizer,
    alphasCumprod: alphasCumprodFromPack(pack),
    sampler: { ...samplerFromPack(pack.sampler), ...sampler },
    maxLength: maxLengthFromPack(pack),
    names: {
      concepts: c.inputs.concepts ?? 'concepts',
      context: c.outputs.context ?? 'context',
      xT: dn.inputs.x_t ?? 'x_t',
      t: dn.inputs.t ?? 't',
      denoiserContext: dn.inputs.context ?? 'context',
      contextMask: dn.inputs.context_mask ?? 'context_mask',
      x0: dn.outputs.x0 ?? 'x0',
    },
  });
}
