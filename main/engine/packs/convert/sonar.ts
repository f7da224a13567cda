/**
 * Official SONAR checkpoints → a SONAR pack, in TypeScript, streaming: the graphs come from a template written once
 * by `tools/make_sonar_templates.py` (tools/concept_tools/sonar_templates.py: the exported graphs with their weight
 * initializers declared external, and which checkpoint tensor fills each one, as-is or transposed); this module only
 * checks the checkpoints against the template and copies tensors into the external-data files. At most one tensor
 * (transposes) or one chunk (everything else) is in memory: the 1 GB embedding table is streamed in 8 MB pieces.
 *
 * The pack is written into a hidden sibling folder and renamed into place at the end, so a failure or a cancel
 * leaves nothing behind. Same checks and order as tools/concept_tools/convert_sonar.py, the reference, which gives
 * bit-identical weights for the same checkpoints (test/integration/convert/ts-converter.test.ts).
 */
import { createHash } from 'node:crypto';
import {
  closeSync, copyFileSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync,
  rmSync, statSync, writeFileSync, writeSync, createReadStream,
} from 'node:fs';
import { endianness } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModelProto } from '../../sonar/sentencepiece-model.js';
import { CheckpointError, TorchCheckpoint, numel, type TensorRef } from '../torch/checkpoint.js';
import { toHalf } from './fp16.js';
import { quantizeBlocksRowsInto, quantizeRowsInto } from './quantize.js';

export const SONAR_LANGUAGES = 202;
const N_DATA_TAGS = 3;
const CHUNK_BYTES = 8 << 20;

export type ConvertErrorCode =
  | 'CONVERT_INPUT' // a file missing or not a checkpoint / tokenizer
  | 'CONVERT_KEYS' // a key missing from or unexpected in a checkpoint
  | 'CONVERT_SHAPE' // a tensor's shape differs from the template
  | 'CONVERT_VOCAB' // tokenizer and checkpoint vocabularies disagree
  | 'CONVERT_TIED' // final_proj.weight is not the embedding
  | 'CONVERT_TEMPLATE' // no template for this architecture
  | 'CONVERT_OUT_EXISTS'
  | 'CONVERT_CANCELLED';

export class ConvertError extends Error {
  override name = 'ConvertError';
  constructor(readonly code: ConvertErrorCode, message: string, readonly key?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** how a checkpoint tensor [out, in] becomes an initializer: as it is, transposed, or one of the two halves (weights,
 * scales) of an int8 quantization — per output channel for MatMulInteger, per block of inputs for MatMulNBits */
type Transform = 'identity' | 'transpose' | 'transpose-int8' | 'int8-scale' | 'int8-blocks' | 'int8-block-scale';

const QUANTIZED: Partial<Record<Transform, { values: boolean; blocks: boolean }>> = {
  'transpose-int8': { values: true, blocks: false }, 'int8-scale': { values: false, blocks: false },
  'int8-blocks': { values: true, blocks: true }, 'int8-block-scale': { values: false, blocks: true },
};

export interface TemplateTensor {
  name: string;
  dims: number[];
  dtype?: 'float32' | 'float16' | 'int8' | 'uint8';
  offset: number;
  length: number;
  source: { checkpoint: 'encoder' | 'decoder'; key: string; transform: Transform };
}

type TemplateGraphs = Record<'encoder' | 'decoder', { file: string; data: string; data_bytes: number; tensors: TemplateTensor[] }>;

/**
 * fp32: the weights as they are; fp16: the weights stored as float16 (round to nearest even), widened to float32 by
 * Cast nodes in the graph (half the disk, float32 compute); int8: int8 matrix products (the encoder per output
 * channel, the decoder and its tied vocabulary table per block of 32 inputs)
 */
export type SonarVariant = 'fp32' | 'fp16' | 'int8';

export const SONAR_VARIANTS: readonly SonarVariant[] = ['fp32', 'fp16', 'int8'];

export interface SonarTemplate {
  format: number;
  id: string;
  config: { vocab_size: number; model_dim: number; num_heads: number; ffn_dim: number; encoder_layers: number;
    decoder_layers: number; max_seq_len: number };
  sp_size: number;
  checkpoints: Record<'encoder' | 'decoder', {
    shapes: Record<string, number[]>; unused: string[]; tied: Record<string, string>; optional: string[];
  }>;
  graphs: TemplateGraphs;
  variants?: Partial<Record<Exclude<SonarVariant, 'fp32'>, TemplateGraphs>>;
  pack: Record<string, unknown>;
}

export interface ConvertProgress {
  stage: 'checking' | 'encoder' | 'decoder' | 'hashing' | 'done';
  bytesDone: number;
  bytesTotal: number;
}

export interface ConvertSonarOptions {
  encoder: string;
  decoder: string;
  spm: string;
  out: string;
  name?: string;
  description?: string;
  variant?: SonarVariant;
  /** folder of templates (one subfolder per architecture id); default: the app's bundled templates */
  templatesDir?: string;
  /** pack.json `source` (default: the three file names) — the downloader records URLs and sha256 here */
  source?: Record<string, unknown>;
  signal?: AbortSignal;
  onProgress?: (p: ConvertProgress) => void;
}

export interface ConvertResult {
  dir: string;
  templateId: string;
  bytesWritten: number;
  seconds: number;
}

export const DEFAULT_TEMPLATES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'templates', 'sonar');

export function templateId(c: SonarTemplate['config']): string {
  return `v${c.vocab_size}-d${c.model_dim}-h${c.num_heads}-f${c.ffn_dim}-e${c.encoder_layers}-l${c.decoder_layers}-p${c.max_seq_len}`;
}

function layerCount(state: Map<string, TensorRef>, prefix: string, file: string): number {
  const idx = new Set<number>();
  for (const k of state.keys()) {
    if (k.startsWith(prefix)) {
      const m = /^(\d+)\./.exec(k.slice(prefix.length));
      if (m) idx.add(Number(m[1]));
    }
  }
  if (!idx.size) throw new ConvertError('CONVERT_KEYS', `${file}: no \`${prefix}<i>.\` tensors in the checkpoint`, prefix);
  for (let i = 0; i < idx.size; i++) {
    if (!idx.has(i)) throw new ConvertError('CONVERT_KEYS', `${file}: layer indices under \`${prefix}\` are not contiguous`, prefix);
  }
  return idx.size;
}

function need(state: Map<string, TensorRef>, key: string, file: string, what: string): TensorRef {
  const t = state.get(key);
  if (!t) throw new ConvertError('CONVERT_KEYS', `${file}: missing ${key}: not a fairseq2 SONAR text ${what}`, key);
  return t;
}

/** The architecture the checkpoints describe (as convert_sonar.infer_config: heads = dim / 64, 512 positions). */
export function inferConfig(enc: Map<string, TensorRef>, dec: Map<string, TensorRef>, files: { encoder: string; decoder: string }) {
  const ee = need(enc, 'encoder_frontend.embed.weight', files.encoder, 'encoder');
  const de = need(dec, 'decoder_frontend.embed.weight', files.decoder, 'decoder');
  const [v, d] = ee.shape;
  if (de.shape.join() !== ee.shape.join()) {
    throw new ConvertError('CONVERT_SHAPE', `encoder and decoder embeddings differ in shape: [${ee.shape}] vs [${de.shape}]`, 'decoder_frontend.embed.weight');
  }
  const ffn = need(enc, 'encoder.layers.0.ffn.inner_proj.weight', files.encoder, 'encoder').shape[0];
  const dffn = need(dec, 'decoder.layers.0.ffn.inner_proj.weight', files.decoder, 'decoder').shape[0];
  if (ffn !== dffn) throw new ConvertError('CONVERT_SHAPE', `encoder ffn ${ffn} != decoder ffn ${dffn}`, 'decoder.layers.0.ffn.inner_proj.weight');
  if (d % 64) throw new ConvertError('CONVERT_SHAPE', `model dim ${d} is not a multiple of the head dim 64`, 'encoder_frontend.embed.weight');
  return {
    vocab_size: v, model_dim: d, num_heads: d / 64, ffn_dim: ffn,
    encoder_layers: layerCount(enc, 'encoder.layers.', files.encoder),
    decoder_layers: layerCount(dec, 'decoder.layers.', files.decoder), max_seq_len: 512,
  };
}

export function spPieceCount(spm: string): number {
  try {
    return parseModelProto(readFileSync(spm)).pieces.length;
  } catch (err) {
    throw new ConvertError('CONVERT_INPUT', `${spm}: not a SentencePiece model (${(err as Error).message})`, undefined, { cause: err });
  }
}

function checkVocab(vocab: number, spSize: number, spm: string): void {
  const expected = spSize + 1 + SONAR_LANGUAGES + N_DATA_TAGS;
  if (vocab !== expected) {
    throw new ConvertError('CONVERT_VOCAB', `checkpoint vocabulary ${vocab} != SentencePiece ${spSize} + 1 + ${SONAR_LANGUAGES} ` +
      `languages + ${N_DATA_TAGS} = ${expected}: wrong tokenizer model (${spm}) for these weights`);
  }
}

/**
 * A template file, stored plain or gzipped (`<name>.gz`: the full-size templates, whose inline position tables make
 * them a few MB each).
 */
export function templateFile(path: string): Buffer | null {
  if (existsSync(path)) return readFileSync(path);
  if (existsSync(`${path}.gz`)) return gunzipSync(readFileSync(`${path}.gz`));
  return null;
}

/**
 * The bytes a variant's pack stores per byte of the fp32 pack's weights, read from the largest template in `dir` (the
 * official size: at the small test size the vocabulary tables weigh more and the share differs): the free-disk check
 * before a download has only the checkpoints' sizes. 1 when no template says.
 */
export function variantShare(variant: SonarVariant, dir: string = DEFAULT_TEMPLATES_DIR): number {
  const bytes = variantWeightBytes(dir);
  return variant === 'fp32' || !bytes[variant] ? 1 : bytes[variant]! / bytes.fp32!;
}

/** Weight bytes of each variant's pack (both graphs' data files) at the size of the largest template in `dir`. */
export function variantWeightBytes(dir: string = DEFAULT_TEMPLATES_DIR): Partial<Record<SonarVariant, number>> {
  if (!existsSync(dir)) return {};
  let best: SonarTemplate | null = null;
  for (const id of readdirSync(dir)) {
    const raw = templateFile(join(dir, id, 'template.json'));
    if (!raw) continue;
    const t = JSON.parse(raw.toString('utf8')) as SonarTemplate;
    if (!best || t.config.vocab_size * t.config.model_dim > best.config.vocab_size * best.config.model_dim) best = t;
  }
  if (!best) return {};
  const out: Partial<Record<SonarVariant, number>> = { fp32: best.graphs.encoder.data_bytes + best.graphs.decoder.data_bytes };
  for (const [v, g] of Object.entries(best.variants ?? {})) out[v as SonarVariant] = g.encoder.data_bytes + g.decoder.data_bytes;
  return out;
}

export function loadTemplate(dir: string, id: string): SonarTemplate {
  const raw = templateFile(join(dir, id, 'template.json'));
  if (!raw) {
    const have = existsSync(dir) ? readdirSync(dir).filter((n) => templateFile(join(dir, n, 'template.json'))) : [];
    throw new ConvertError('CONVERT_TEMPLATE', `no graph template for this SONAR architecture (${id}); available: ` +
      `${have.join(', ') || 'none'}. Generate one with tools/make_sonar_templates.py, or convert with tools/convert_sonar.py`);
  }
  return JSON.parse(raw.toString('utf8')) as SonarTemplate;
}

/** Every template key present with its shape, nothing unexpected (a strict load_state_dict). */
function checkKeys(state: Map<string, TensorRef>, spec: SonarTemplate['checkpoints']['encoder'], file: string): void {
  for (const [key, shape] of Object.entries(spec.shapes)) {
    const t = state.get(key);
    if (!t) {
      if (spec.optional.includes(key)) continue;
      throw new ConvertError('CONVERT_KEYS', `${file}: missing tensor ${key} (expected shape [${shape}]): not a complete official SONAR checkpoint of this size`, key);
    }
    if (t.shape.join() !== shape.join()) {
      throw new ConvertError('CONVERT_SHAPE', `${file}: ${key} has shape [${t.shape}], expected [${shape}]`, key);
    }
    if (!['float32', 'float16', 'bfloat16', 'float64'].includes(t.storage.dtype)) {
      throw new ConvertError('CONVERT_SHAPE', `${file}: ${key} is ${t.storage.dtype}, expected a floating-point tensor`, key);
    }
  }
  for (const key of state.keys()) {
    if (!(key in spec.shapes)) throw new ConvertError('CONVERT_KEYS', `${file}: unexpected tensor ${key}: not an official SONAR text checkpoint of this architecture`, key);
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r));

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ConvertError('CONVERT_CANCELLED', 'conversion cancelled', undefined, { cause: signal.reason });
}

/**
 * A tensor's rows in chunks of about CHUNK_BYTES, so that a 1 GB vocabulary table never sits in memory whole; a
 * cancel is honoured before each chunk.
 */
function* rowChunks(t: TensorRef, signal?: AbortSignal): Generator<{ first: number; n: number }> {
  const rows = t.shape.length ? t.shape[0] : 1;
  const step = Math.max(1, Math.floor(CHUNK_BYTES / (Math.max(1, numel(t.shape.slice(1))) * 4)));
  for (let r = 0; r < rows; r += step) {
    checkAbort(signal);
    yield { first: r, n: Math.min(step, rows - r) };
  }
}

/** final_proj.weight must hold the embedding's values (torch.equal), compared chunk by chunk. */
async function checkTied(ck: TorchCheckpoint, a: TensorRef, b: TensorRef, keys: [string, string], signal?: AbortSignal): Promise<void> {
  if (a.storage.key === b.storage.key && a.offset === b.offset && a.stride.join() === b.stride.join()) return;
  for (const { first, n } of rowChunks(a, signal)) {
    const x = ck.readRows(a, first, n);
    const y = ck.readRows(b, first, n);
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== y[i]) {
        throw new ConvertError('CONVERT_TIED', `${keys[0]} differs from ${keys[1]} (row ${first + Math.floor(i / (x.length / n))}): head is not tied`, keys[0]);
      }
    }
    await tick();
  }
}

function f32Bytes(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** The bytes a template tensor stores for these float32 values: as they are, or as float16. */
function storedBytes(a: Float32Array, t: TemplateTensor): Buffer {
  if (t.dtype !== 'float16') return f32Bytes(a);
  const h = toHalf(a);
  return Buffer.from(h.buffer, h.byteOffset, h.byteLength);
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

type Progress = (stage: ConvertProgress['stage'], bytesDone: number, bytesTotal: number) => void;
type Kind = 'encoder' | 'decoder';
type States = Record<Kind, Map<string, TensorRef>>;

/**
 * Opens both checkpoints (into `cks`, which the caller closes) and checks them: vocabulary against the tokenizer,
 * architecture → template, every key and shape, tied head. Returns what the writing needs.
 */
async function openAndCheck(opts: ConvertSonarOptions, spSize: number, cks: Partial<Record<Kind, TorchCheckpoint>>) {
  const open = (kind: Kind) => {
    try {
      return (cks[kind] = TorchCheckpoint.open(opts[kind]));
    } catch (err) {
      if (err instanceof CheckpointError) throw new ConvertError('CONVERT_INPUT', `${kind}: ${err.message}`, undefined, { cause: err });
      throw err;
    }
  };
  const encCk = open('encoder');
  const enc = stateDictOf(encCk, opts.encoder);
  const ee = need(enc, 'encoder_frontend.embed.weight', opts.encoder, 'encoder');
  checkVocab(ee.shape[0], spSize, opts.spm); // fail early, before reading the decoder
  const decCk = open('decoder');
  const dec = stateDictOf(decCk, opts.decoder);
  const cfg = inferConfig(enc, dec, { encoder: opts.encoder, decoder: opts.decoder });
  checkVocab(cfg.vocab_size, spSize, opts.spm);
  const tpl = loadTemplate(opts.templatesDir ?? DEFAULT_TEMPLATES_DIR, templateId(cfg));
  const tplDir = join(opts.templatesDir ?? DEFAULT_TEMPLATES_DIR, tpl.id);
  checkKeys(enc, tpl.checkpoints.encoder, opts.encoder);
  checkKeys(dec, tpl.checkpoints.decoder, opts.decoder);
  const states: States = { encoder: enc, decoder: dec };
  for (const [a, b] of Object.entries(tpl.checkpoints.decoder.tied)) {
    const ta = dec.get(a);
    if (ta) await checkTied(decCk, ta, dec.get(b)!, [a, b], opts.signal);
  }
  return { checkpoints: { encoder: encCk, decoder: decCk }, states, tpl, tplDir };
}

/** Shared by both graphs' writes: progress over the two data files, and the last quantized weight. */
interface DataWriter {
  tplId: string;
  signal?: AbortSignal;
  progress: Progress;
  done: number;
  total: number;
  /** an int8 weight and its scales (`transpose-int8` + `int8-scale`, `int8-blocks` + `int8-block-scale`) come from
   * one quantization of the same source tensor */
  quantized: { key: string; q: Int8Array | Uint8Array; scale: Float32Array } | null;
}

/** One open external-data file of a graph and the checkpoint its tensors come from. */
interface GraphData {
  fd: number;
  kind: Kind;
  ck: TorchCheckpoint;
}

async function advance(w: DataWriter, g: GraphData, bytes: number): Promise<void> {
  w.done += bytes;
  w.progress(g.kind, w.done, w.total);
  await tick();
}

async function writeQuantized(w: DataWriter, g: GraphData, t: TemplateTensor, src: TensorRef): Promise<void> {
  const how = QUANTIZED[t.source.transform]!;
  const key = `${g.kind}:${t.source.key}:${how.blocks ? 'blocks' : 'channels'}`;
  if (w.quantized?.key !== key) {
    w.quantized = null; // the previous weight's int8 copy can go before this one is allocated
    const [o, i] = src.shape;
    // a block-quantized weight's template says its block: [out, in / block, block] for the values, or [out × in /
    // block] for the scales
    const block = !how.blocks ? 0 : how.values ? t.dims[2] : i / (t.dims[0] / o);
    if (how.blocks && !(Number.isInteger(block) && block > 0 && i % block === 0)) {
      throw new Error(`template ${w.tplId}: ${t.name} has dims ${t.dims.join('x')}, not blocks of ${t.source.key}`);
    }
    const q = how.blocks ? new Uint8Array(o * i) : new Int8Array(o * i);
    const scale = new Float32Array(how.blocks ? o * (i / block) : o);
    for (const { first, n } of rowChunks(src, w.signal)) {
      const rows = g.ck.readRows(src, first, n);
      if (how.blocks) quantizeBlocksRowsInto(rows, first, n, i, block, q as Uint8Array, scale);
      else quantizeRowsInto(rows, first, n, i, q as Int8Array, scale);
      await tick();
    }
    w.quantized = { key, q, scale };
  }
  const arr = how.values ? w.quantized.q : w.quantized.scale;
  if (arr.byteLength !== t.length) throw new Error(`template ${w.tplId}: ${t.name} length does not match ${t.source.key}`);
  writeSync(g.fd, Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength), 0, arr.byteLength, t.offset);
  await advance(w, g, arr.byteLength);
}

/** As-is, in chunks of rows: the 1 GB embedding table never sits in memory whole. */
async function writeRows(w: DataWriter, g: GraphData, t: TemplateTensor, src: TensorRef): Promise<void> {
  let pos = t.offset;
  for (const { first, n } of rowChunks(src, w.signal)) {
    const buf = storedBytes(g.ck.readRows(src, first, n), t);
    writeSync(g.fd, buf, 0, buf.length, pos);
    pos += buf.length;
    await advance(w, g, buf.length);
  }
}

async function writeTransposed(w: DataWriter, g: GraphData, t: TemplateTensor, src: TensorRef): Promise<void> {
  const [o, i] = src.shape;
  const x = g.ck.readRows(src);
  const xt = new Float32Array(o * i);
  for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) xt[c * o + r] = x[r * i + c];
  const buf = storedBytes(xt, t);
  writeSync(g.fd, buf, 0, buf.byteLength, t.offset);
  await advance(w, g, buf.byteLength);
}

/** One graph: its template .onnx copied, its external-data file filled from the checkpoint. */
async function writeGraphData(w: DataWriter, kind: Kind, graphs: TemplateGraphs, ck: TorchCheckpoint, states: States,
  tplDir: string, tmp: string): Promise<void> {
  const g = graphs[kind];
  const graph = templateFile(join(tplDir, g.file));
  if (!graph) throw new ConvertError('CONVERT_TEMPLATE', `template ${w.tplId}: ${g.file} is missing`);
  writeFileSync(join(tmp, basename(g.file)), graph);
  const fd = openSync(join(tmp, g.data), 'w');
  try {
    ftruncateSync(fd, g.data_bytes); // alignment gaps stay zero
    const out: GraphData = { fd, kind, ck };
    for (const t of g.tensors) {
      checkAbort(w.signal);
      const src = states[t.source.checkpoint].get(t.source.key)!;
      const tr = t.source.transform;
      if (QUANTIZED[tr]) {
        await writeQuantized(w, out, t, src);
        continue;
      }
      if (numel(src.shape) * (t.dtype === 'float16' ? 2 : 4) !== t.length) throw new Error(`template ${w.tplId}: ${t.name} length does not match ${t.source.key}`);
      if (tr === 'identity') await writeRows(w, out, t, src);
      else await writeTransposed(w, out, t, src);
    }
  } finally {
    closeSync(fd);
  }
}

/** pack.json `precision` of an fp16 pack (tools/concept_tools/sonar_fp16.py PRECISION writes the same) */
const FP16_PRECISION = {
  weights: 'float16 (round to nearest even), widened to float32 by Cast nodes in the graph', compute: 'float32',
};

/** pack.json as tools/concept_tools/pack.write_pack: every file but pack.json, sorted, with size and sha256 */
async function writePackJson(tmp: string, opts: ConvertSonarOptions, tpl: SonarTemplate, variant: SonarVariant,
  progress: Progress): Promise<void> {
  const names = readdirSync(tmp).filter((n) => !n.startsWith('.') && n !== 'pack.json' && statSync(join(tmp, n)).isFile()).sort();
  const files = [];
  let hashed = 0;
  const hashTotal = names.reduce((s, n) => s + statSync(join(tmp, n)).size, 0);
  for (const n of names) {
    checkAbort(opts.signal);
    const size = statSync(join(tmp, n)).size;
    files.push({ path: n, size, sha256: await sha256File(join(tmp, n)) });
    hashed += size;
    progress('hashing', hashed, hashTotal);
  }
  const pack = {
    format: 1, ...tpl.pack,
    ...(opts.name ? { name: opts.name } : {}),
    ...(opts.description ? { description: opts.description } : {}),
    source: opts.source ?? { encoder: basename(opts.encoder), decoder: basename(opts.decoder), tokenizer: basename(opts.spm) },
    converter: { by: 'concept-studio (TypeScript)', template: tpl.id, variant },
    ...(variant === 'int8' ? {
      quantization: { method: 'dynamic-int8',
        weights: 'encoder: int8 symmetric per output channel (MatMulInteger), its table per row; decoder and its tied table: int8 symmetric per block of 32 inputs (MatMulNBits, 8 bits)',
        activations: 'encoder: uint8 per tensor (DynamicQuantizeLinear); decoder: int8 per row and block of 32 (MatMulNBits accuracy level 4)',
        float32: 'cross-attention constants' },
    } : {}),
    ...(variant === 'fp16' ? { precision: FP16_PRECISION } : {}),
    files,
  };
  writeFileSync(join(tmp, 'pack.json'), JSON.stringify(pack, null, 2) + '\n');
}

export async function convertSonar(opts: ConvertSonarOptions): Promise<ConvertResult> {
  const t0 = performance.now();
  if (endianness() !== 'LE') throw new Error('the converter writes little-endian float32 and needs a little-endian CPU');
  const out = resolve(opts.out);
  if (existsSync(out)) {
    throw new ConvertError('CONVERT_OUT_EXISTS', `${out} already exists: remove it (\`concept packs remove\`) or choose another folder`);
  }
  for (const [what, p] of [['encoder', opts.encoder], ['decoder', opts.decoder], ['tokenizer', opts.spm]] as const) {
    if (!existsSync(p)) throw new ConvertError('CONVERT_INPUT', `${what} file not found: ${p}`);
  }
  const progress: Progress = (stage, bytesDone, bytesTotal) => opts.onProgress?.({ stage, bytesDone, bytesTotal });
  progress('checking', 0, 0);
  const spSize = spPieceCount(opts.spm);
  const cks: Partial<Record<Kind, TorchCheckpoint>> = {};
  const tmp = join(dirname(out), `.${basename(out)}.partial-${process.pid}-${Date.now().toString(36)}`);
  try {
    const { checkpoints, states, tpl, tplDir } = await openAndCheck(opts, spSize, cks);
    const variant = opts.variant ?? 'fp32';
    const graphs = variant === 'fp32' ? tpl.graphs : tpl.variants?.[variant];
    if (!graphs) throw new ConvertError('CONVERT_TEMPLATE', `the template ${tpl.id} has no ${variant} variant; regenerate it with tools/make_sonar_templates.py`);
    mkdirSync(tmp, { recursive: true });
    const total = graphs.encoder.data_bytes + graphs.decoder.data_bytes;
    const w: DataWriter = { tplId: tpl.id, signal: opts.signal, progress, done: 0, total, quantized: null };
    for (const kind of ['encoder', 'decoder'] as const) {
      await writeGraphData(w, kind, graphs, checkpoints[kind], states, tplDir, tmp);
    }
    copyFileSync(opts.spm, join(tmp, 'sentencepiece.model'));
    await writePackJson(tmp, opts, tpl, variant, progress);
    checkAbort(opts.signal);
    if (existsSync(out)) throw new ConvertError('CONVERT_OUT_EXISTS', `${out} appeared during the conversion; the new pack was not moved there`);
    renameSync(tmp, out);
    progress('done', total, total);
    return { dir: out, templateId: tpl.id, bytesWritten: total, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    cks.encoder?.close();
    cks.decoder?.close();
  }
}

function stateDictOf(ck: TorchCheckpoint, file: string): Map<string, TensorRef> {
  try {
    return ck.stateDict();
  } catch (err) {
    if (err instanceof CheckpointError) throw new ConvertError('CONVERT_INPUT', err.message, undefined, { cause: err });
    throw err;
  }
}
