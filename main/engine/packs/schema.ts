/**
 * pack.json, format 1 (models/FORMAT.md is the contract): TypeScript types and a validator that turns any
 * deviation into a PackError naming the field.
 */
import { PackError } from './errors.js';

export const PACK_FORMAT = 1;

export interface PackFile {
  path: string;
  size: number;
  sha256: string;
}

/** role → tensor name; `{i}` in a name stands for the layer index. */
export type IoNames = Record<string, string>;

export interface GraphSpec {
  file: string;
  inputs: IoNames;
  outputs: IoNames;
  [extra: string]: unknown;
}

export interface DecoderGraphSpec extends GraphSpec {
  layers: number;
  heads: number;
  head_dim: number;
  max_positions: number;
}

export interface TokenizerSpec {
  file: string;
  type: string;
  pad: number;
  unk: number;
  bos: number;
  eos: number;
  piece_offset: number;
  lang_offset: number;
  vocab_size: number;
  languages: string[];
  max_source_tokens?: number;
  [extra: string]: unknown;
}

export interface DecodingSpec {
  beam: number;
  length_penalty: number;
  max_tokens: number;
  min_gen_len: number;
  banned_ids: number[];
  normalize_scores: boolean;
  max_positions?: number;
  /** Block repeated n-grams of this size while decoding (0 or absent: off, as in the official pipeline). */
  no_repeat_ngram?: number;
  /** Keep the finished hypothesis whose re-encoding is nearest the concept (sonar/rerank.ts); absent: off. */
  rerank?: boolean;
}

interface PackCommon {
  format: 1;
  name: string;
  description: string;
  license: string;
  space: string;
  dim: number;
  files: PackFile[];
  config?: Record<string, unknown>;
  version?: string;
  [extra: string]: unknown;
}

export interface SonarPackJson extends PackCommon {
  kind: 'sonar';
  graphs: { encoder: GraphSpec; decoder: DecoderGraphSpec; [name: string]: GraphSpec };
  tokenizer: TokenizerSpec;
  decoding: DecodingSpec;
  languages_trained?: Record<string, number | null>;
  /** held-out decoding figures per language and pair (engine/packs/decoding-quality.ts) */
  decoding_quality?: unknown;
}

export interface LcmPackJson extends PackCommon {
  kind: 'lcm';
  variant: 'base' | 'two-tower';
  graphs: Record<string, GraphSpec>;
  normalizer: { file: string; [extra: string]: unknown };
  end_of_text: string;
  instructions: Record<string, string | null>;
  generation: { eos_threshold: number; repetition_threshold: number; max_concepts: number };
  sampler?: Record<string, unknown> & { alphas_cumprod?: number[]; num_train_steps?: number; schedule?: string };
}

export type PackJson = SonarPackJson | LcmPackJson;

/** Graphs each pack kind/variant must have. */
export const REQUIRED_GRAPHS: Record<string, string[]> = {
  sonar: ['encoder', 'decoder'],
  'lcm:base': ['base'],
  'lcm:two-tower': ['contextualizer', 'denoiser'],
};

/** Input / output roles each graph must name (models/FORMAT.md). */
export const REQUIRED_IO: Record<string, { inputs: string[]; outputs: string[] }> = {
  encoder: { inputs: ['input_ids', 'attention_mask'], outputs: ['sentence_embedding'] },
  decoder: {
    inputs: ['input_ids', 'sentence_embedding', 'past_key', 'past_value'],
    outputs: ['logprobs', 'present_key', 'present_value'],
  },
  base: { inputs: ['concepts'], outputs: ['next'] },
  contextualizer: { inputs: ['concepts'], outputs: ['context'] },
  denoiser: { inputs: ['x_t', 't', 'context', 'context_mask'], outputs: ['x0'] },
};

class Checker {
  constructor(private readonly where: string) {}

  fail(field: string, what: string): never {
    throw new PackError('PACK_INVALID', `${this.where}: field '${field}' ${what}`, this.where,
      'The pack is damaged or was written for another version: re-convert or re-download it (models/FORMAT.md)');
  }

  obj(v: unknown, field: string): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(field, 'must be an object');
    return v as Record<string, unknown>;
  }

  str(v: unknown, field: string, allowEmpty = false): string {
    if (typeof v !== 'string' || (!allowEmpty && v.length === 0)) this.fail(field, 'must be a non-empty string');
    return v;
  }

  int(v: unknown, field: string, min = 0): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(field, `must be an integer ≥ ${min}`);
    return v;
  }

  num(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, 'must be a number');
    return v;
  }

  relPath(v: unknown, field: string): string {
    const p = this.str(v, field);
    if (p.startsWith('/') || p.startsWith('\\') || /^[a-zA-Z]:/.test(p) || p.split(/[\\/]/).includes('..')) {
      this.fail(field, `must be a path inside the pack folder (got '${p}')`);
    }
    return p;
  }
}

function checkGraph(c: Checker, name: string, g: unknown, roles: { inputs: string[]; outputs: string[] } | undefined) {
  const o = c.obj(g, `graphs.${name}`);
  c.relPath(o.file, `graphs.${name}.file`);
  for (const side of ['inputs', 'outputs'] as const) {
    const io = c.obj(o[side], `graphs.${name}.${side}`);
    for (const [role, tensor] of Object.entries(io)) c.str(tensor, `graphs.${name}.${side}.${role}`);
    for (const role of roles?.[side] ?? []) {
      if (!(role in io)) c.fail(`graphs.${name}.${side}.${role}`, 'is missing');
    }
  }
}

/** Validate a parsed pack.json; `where` names it in messages. Returns it typed. */
export function validatePackJson(raw: unknown, where: string): PackJson {
  const c = new Checker(where);
  const j = c.obj(raw, '(root)');
  if (j.format !== PACK_FORMAT) {
    throw new PackError('PACK_INVALID', `${where}: format ${JSON.stringify(j.format)} is not supported (this version reads format ${PACK_FORMAT})`,
      where, 'Convert the pack again with this version of tools/, or update Concept Studio');
  }
  c.str(j.name, 'name');
  if (j.kind !== 'sonar' && j.kind !== 'lcm') c.fail('kind', "must be 'sonar' or 'lcm'");
  c.str(j.space, 'space');
  c.int(j.dim, 'dim', 1);
  c.str(j.license ?? '', 'license', true);
  c.str(j.description ?? '', 'description', true);
  if (!Array.isArray(j.files)) c.fail('files', 'must be a list');
  (j.files as unknown[]).forEach((f, i) => {
    const o = c.obj(f, `files[${i}]`);
    c.relPath(o.path, `files[${i}].path`);
    c.int(o.size, `files[${i}].size`);
    if (typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(o.sha256)) c.fail(`files[${i}].sha256`, 'must be 64 hex digits');
  });
  const graphs = c.obj(j.graphs, 'graphs');
  const required = j.kind === 'sonar' ? REQUIRED_GRAPHS.sonar : REQUIRED_GRAPHS[`lcm:${String(j.variant)}`];
  if (j.kind === 'lcm' && !required) c.fail('variant', "must be 'base' or 'two-tower'");
  for (const g of required) if (!(g in graphs)) c.fail(`graphs.${g}`, 'is missing');
  for (const [name, g] of Object.entries(graphs)) checkGraph(c, name, g, REQUIRED_IO[name]);

  if (j.kind === 'sonar') {
    const d = c.obj(graphs.decoder, 'graphs.decoder');
    for (const k of ['layers', 'heads', 'head_dim', 'max_positions']) c.int(d[k], `graphs.decoder.${k}`, 1);
    const t = c.obj(j.tokenizer, 'tokenizer');
    c.relPath(t.file, 'tokenizer.file');
    for (const k of ['pad', 'unk', 'bos', 'eos', 'piece_offset']) c.int(t[k], `tokenizer.${k}`);
    c.int(t.lang_offset, 'tokenizer.lang_offset', 1);
    c.int(t.vocab_size, 'tokenizer.vocab_size', 1);
    if (!Array.isArray(t.languages) || t.languages.some((l) => typeof l !== 'string')) c.fail('tokenizer.languages', 'must be a list of language codes');
    if ((t.lang_offset as number) + (t.languages as string[]).length > (t.vocab_size as number)) {
      c.fail('tokenizer.vocab_size', 'is smaller than lang_offset + the number of languages');
    }
    if (t.max_source_tokens !== undefined) c.int(t.max_source_tokens, 'tokenizer.max_source_tokens', 2);
    const dec = c.obj(j.decoding, 'decoding');
    c.int(dec.beam, 'decoding.beam', 1);
    c.num(dec.length_penalty, 'decoding.length_penalty');
    c.int(dec.max_tokens, 'decoding.max_tokens', 3);
    c.int(dec.min_gen_len ?? 1, 'decoding.min_gen_len');
    if (!Array.isArray(dec.banned_ids) || dec.banned_ids.some((x) => !Number.isInteger(x))) c.fail('decoding.banned_ids', 'must be a list of token ids');
    if (typeof dec.normalize_scores !== 'boolean') c.fail('decoding.normalize_scores', 'must be true or false');
    if (dec.no_repeat_ngram !== undefined) c.int(dec.no_repeat_ngram, 'decoding.no_repeat_ngram');
    if (dec.rerank !== undefined && typeof dec.rerank !== 'boolean') c.fail('decoding.rerank', 'must be true or false');
    const dd = c.obj(graphs.decoder, 'graphs.decoder');
    if ((dd.heads as number) * (dd.head_dim as number) !== j.dim) {
      throw new PackError('PACK_DIM_MISMATCH', `${where}: decoder heads × head_dim = ${(dd.heads as number) * (dd.head_dim as number)} differs from dim ${j.dim}`, where,
        'The pack.json does not describe its graphs: re-convert the pack');
    }
  } else {
    const n = c.obj(j.normalizer, 'normalizer');
    c.relPath(n.file, 'normalizer.file');
    c.str(j.end_of_text, 'end_of_text');
    const ins = c.obj(j.instructions, 'instructions');
    for (const [k, v] of Object.entries(ins)) if (v !== null) c.str(v, `instructions.${k}`);
    const gen = c.obj(j.generation, 'generation');
    c.num(gen.eos_threshold, 'generation.eos_threshold');
    c.num(gen.repetition_threshold, 'generation.repetition_threshold');
    c.int(gen.max_concepts, 'generation.max_concepts', 1);
    if (j.variant === 'two-tower') c.obj(j.sampler, 'sampler');
  }
  return j as unknown as PackJson;
}

/** Expand a `{i}` tensor-name template for layer i. */
export function ioName(template: string, i?: number): string {
  return i === undefined ? template : template.replaceAll('{i}', String(i));
}
