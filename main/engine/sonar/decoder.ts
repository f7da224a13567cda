/**
 * SONAR decoder step over the pack's `decoder` graph (models/FORMAT.md): `input_ids` [N,T] new tokens,
 * `sentence_embedding` [N,D], the KV cache `past_key_{i}` / `past_value_{i}` [N,H,P,hd] → `logprobs` [N,V] of the last
 * new position and the grown cache [N,H,P+T,hd]. P = 0 at the first call (zero-length third axis).
 * Beam reordering: packs whose graph has the optional `beam_index` input (int64 [N]) read row r of the cache from
 * row beam_index[r] of the tensors fed, so a reordering is only a list of rows (`KvCache.select`) that the graph
 * applies with one Gather per cache tensor; for older packs it is a row copy in JS (`KvCache.gather`).
 *
 * Packs whose graph has the optional cross-attention cache (`past_cross` → `present_cross` [N,L,D], the per-layer
 * constants of each row's concept) compute those constants at a sentence's first step only; the cache carries them
 * (`KvCache.cross`) and reorders them with the keys and values. Older packs recompute them at every step.
 *
 * Packs whose graph has the optional top-k I/O (`topk` int64 [1] → `topk_logprobs` [N,K], `topk_ids` int64 [N,K]) let
 * the search fetch only each row's K best log-probs (`stepTop`) instead of all V (256,206 floats per row for real
 * SONAR): only the requested outputs are copied out of onnxruntime. Packs without it use `step` (the full row).
 */
import type { DecoderGraphSpec, DecodingSpec } from '../packs/schema.js';
import { ioName } from '../packs/schema.js';
import type { SonarPack } from '../packs/load.js';
import { checkGraphIo } from '../packs/load.js';
import { createSession, type ProviderReport, type SessionConfig } from '../runtime/session.js';
import type * as ort from 'onnxruntime-node';
import { asF32, f32, i64, type TensorLike } from '../runtime/tensors.js';

/** The optional top-k I/O of the decoder graph (models/FORMAT.md). */
export interface TopKIo {
  input: string;
  values: string;
  ids: string;
}

/** A graph runner that can fetch a subset of the outputs (ort.InferenceSession.run(feeds, fetches)). */
export interface FetchingRunner {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, ort.Tensor>, fetches: readonly string[]): Promise<Record<string, TensorLike>>;
}

/** Each row's K largest log-probs of one step, best first (ties: lower token id first), row-major [N,K]. */
export interface TopRows {
  k: number;
  values: Float32Array;
  ids: BigInt64Array;
}

export interface DecoderSpec {
  inputIds: string;
  embedding: string;
  pastKey: string[];
  pastValue: string[];
  logprobs: string;
  presentKey: string[];
  presentValue: string[];
  /** Present when the graph offers the top-k outputs. */
  topk?: TopKIo;
  /** The `beam_index` input's name, when the graph reorders the cache itself. */
  reorder?: string;
  /** The cross-attention cache I/O, when the graph has it. */
  cross?: { input: string; output: string };
  layers: number;
  heads: number;
  headDim: number;
  /** Decoder positional table size: prefix + generated tokens ≤ this. */
  maxPositions: number;
  dim: number;
  vocabSize: number;
  eos: number;
  langOffset: number;
  decoding: DecodingSpec;
}

/**
 * Per-layer key/value caches, rows = hypotheses. Layout [stored,H,P,hd] row-major, so one row is contiguous. Row r of
 * the cache is stored row `rows[r]` when a reordering is pending (`select`), else stored row r.
 */
export class KvCache {
  constructor(
    /** rows of the cache (hypotheses) */
    readonly n: number,
    readonly past: number,
    readonly heads: number,
    readonly headDim: number,
    /** keys[i], values[i] for layer i: Float32Array of stored·H·P·hd. */
    readonly keys: Float32Array[],
    readonly values: Float32Array[],
    /** the stored row of each row, when a reordering is pending (the graph applies it: `beam_index`) */
    readonly rows?: readonly number[],
    /** rows in `keys` / `values` / `cross` */
    readonly stored: number = n,
    /** the cross-attention constants, stored·L·D ([stored,L,D]); empty before the first step or without the I/O */
    readonly cross: Float32Array = new Float32Array(0),
  ) {}

  static empty(n: number, layers: number, heads: number, headDim: number): KvCache {
    const z = () => new Float32Array(0);
    return new KvCache(n, 0, heads, headDim, Array.from({ length: layers }, z), Array.from({ length: layers }, z));
  }

  get rowSize(): number {
    return this.heads * this.past * this.headDim;
  }

  /** Floats of `cross` per stored row. */
  get crossRowSize(): number {
    return this.stored === 0 ? 0 : this.cross.length / this.stored;
  }

  /** The stored row of each row (identity when no reordering is pending). */
  storedRows(): number[] {
    return this.rows ? [...this.rows] : Array.from({ length: this.n }, (_, r) => r);
  }

  /** The stored rows behind rows `rows` of this cache (a pending selection composed with the new one). */
  private storedOf(rows: readonly number[]): readonly number[] {
    const sel = this.rows;
    return sel ? rows.map((r) => sel[r]) : rows;
  }

  /** The cache whose row r is this cache's row rows[r], copying nothing: for a graph that reorders (`beam_index`). */
  select(rows: readonly number[]): KvCache {
    return new KvCache(rows.length, this.past, this.heads, this.headDim, this.keys, this.values, this.storedOf(rows), this.stored,
      this.cross);
  }

  /** New cache whose row r is this cache's row rows[r], copied (beam reordering, dropping finished inputs). */
  gather(rows: readonly number[]): KvCache {
    const rs = this.rowSize;
    const to = this.storedOf(rows);
    const pick = (src: Float32Array) => gatherRows(src, rs, to);
    return new KvCache(rows.length, this.past, this.heads, this.headDim, this.keys.map(pick), this.values.map(pick), undefined,
      rows.length, gatherRows(this.cross, this.crossRowSize, to));
  }
}

/** Rows of a row-major [N, rowSize] array, in the given order (repeats allowed). */
export function gatherRows(src: Float32Array, rowSize: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * rowSize);
  if (rowSize === 0) return out;
  // identity prefix (common in greedy decoding and when nothing was reordered): one bulk copy
  let k = 0;
  while (k < rows.length && rows[k] === k) k++;
  if (k > 0) out.set(src.subarray(0, k * rowSize), 0);
  for (let r = k; r < rows.length; r++) {
    const s = rows[r] * rowSize;
    out.set(src.subarray(s, s + rowSize), r * rowSize);
  }
  return out;
}

export class SonarDecoder {
  constructor(readonly runner: FetchingRunner, readonly spec: DecoderSpec, readonly provider?: ProviderReport) {}

  /** Whether `stepTop` is available (the pack's graph has the top-k I/O). */
  get hasTopK(): boolean {
    return this.spec.topk !== undefined;
  }

  static specOf(pack: SonarPack): DecoderSpec {
    const g = pack.json.graphs.decoder as DecoderGraphSpec;
    const L = g.layers;
    const per = (t: string) => Array.from({ length: L }, (_, i) => ioName(t, i));
    return {
      inputIds: g.inputs.input_ids,
      embedding: g.inputs.sentence_embedding,
      pastKey: per(g.inputs.past_key),
      pastValue: per(g.inputs.past_value),
      logprobs: g.outputs.logprobs,
      presentKey: per(g.outputs.present_key),
      presentValue: per(g.outputs.present_value),
      ...(g.inputs.topk && g.outputs.topk_logprobs && g.outputs.topk_ids
        ? { topk: { input: g.inputs.topk, values: g.outputs.topk_logprobs, ids: g.outputs.topk_ids } }
        : {}),
      ...(g.inputs.beam_index ? { reorder: g.inputs.beam_index } : {}),
      ...(g.inputs.past_cross && g.outputs.present_cross ? { cross: { input: g.inputs.past_cross, output: g.outputs.present_cross } } : {}),
      layers: L,
      heads: g.heads,
      headDim: g.head_dim,
      maxPositions: g.max_positions,
      dim: pack.json.dim,
      vocabSize: pack.json.tokenizer.vocab_size,
      eos: pack.json.tokenizer.eos,
      langOffset: pack.json.tokenizer.lang_offset,
      decoding: pack.json.decoding,
    };
  }

  static async fromPack(pack: SonarPack, cfg: SessionConfig = {}): Promise<SonarDecoder> {
    const { session, report } = await createSession(pack.graphPath('decoder'), cfg);
    checkGraphIo(pack, 'decoder', session.inputMetadata, session.outputMetadata);
    return new SonarDecoder(session, SonarDecoder.specOf(pack), report);
  }

  emptyCache(n: number): KvCache {
    return KvCache.empty(n, this.spec.layers, this.spec.heads, this.spec.headDim);
  }

  /** The cache whose row r is `cache`'s row rows[r]: a list of rows for a graph that reorders, else a copy. */
  reorder(cache: KvCache, rows: readonly number[]): KvCache {
    return this.spec.reorder ? cache.select(rows) : cache.gather(rows);
  }

  /**
   * One incremental step. `tokens` holds N·T ids (row-major [N,T]); `emb` N·D floats; `cache` has N rows.
   * Returns the log-probs of each row's last new position (N·V) and the grown cache.
   */
  async step(tokens: ArrayLike<number>, t: number, emb: Float32Array, cache: KvCache): Promise<{ logprobs: Float32Array; cache: KvCache }> {
    const s = this.spec;
    const n = cache.n;
    // a graph with the top-k input needs it fed even when only `logprobs` is fetched
    const out = await this.run(tokens, t, emb, cache, s.logprobs, s.topk ? 1 : 0);
    const logprobs = asF32(out[s.logprobs], s.logprobs);
    if (logprobs.length !== n * s.vocabSize) throw new Error(`decoder step: logprobs has ${logprobs.length} values, expected ${n}×${s.vocabSize}`);
    return { logprobs, cache: this.grown(out, cache, t) };
  }

  /**
   * The same step, returning only each row's `k` best log-probs (bit-identical to those of `step`'s row, ordered best
   * first, ties by lower id). Needs a graph with the top-k I/O (`hasTopK`); 1 ≤ k ≤ V.
   */
  async stepTop(tokens: ArrayLike<number>, t: number, emb: Float32Array, cache: KvCache, k: number): Promise<{ top: TopRows; cache: KvCache }> {
    const s = this.spec;
    if (!s.topk) throw new Error('decoder step: this pack\'s decoder graph has no top-k outputs (re-export it, or use step)');
    if (!(Number.isInteger(k) && k >= 1 && k <= s.vocabSize)) throw new Error(`decoder step: top-k ${k} outside 1…${s.vocabSize}`);
    const n = cache.n;
    const out = await this.run(tokens, t, emb, cache, [s.topk.values, s.topk.ids], k);
    const values = asF32(out[s.topk.values], s.topk.values);
    const ids = out[s.topk.ids]?.data;
    if (!(ids instanceof BigInt64Array)) throw new Error(`graph output '${s.topk.ids}' missing or not int64`);
    if (values.length !== n * k || ids.length !== n * k) throw new Error(`decoder step: top-k outputs have ${values.length}/${ids.length} values, expected ${n}×${k}`);
    return { top: { k, values, ids }, cache: this.grown(out, cache, t) };
  }

  private async run(tokens: ArrayLike<number>, t: number, emb: Float32Array, given: KvCache, wanted: string | string[], k: number): Promise<Record<string, TensorLike>> {
    const s = this.spec;
    const n = given.n;
    // a graph without `beam_index` needs the rows in order (a cache selected for another decoder, or by a caller)
    const cache = given.rows && !s.reorder ? given.gather(Array.from({ length: n }, (_, r) => r)) : given;
    if (tokens.length !== n * t) throw new Error(`decoder step: ${tokens.length} tokens for ${n}×${t}`);
    if (emb.length !== n * s.dim) throw new Error(`decoder step: embedding has ${emb.length} values, expected ${n}×${s.dim}`);
    if (cache.past + t > s.maxPositions) throw new Error(`decoder step: ${cache.past + t} positions exceed max_positions ${s.maxPositions}`);
    const feeds: Record<string, ort.Tensor> = {
      [s.inputIds]: i64(tokens, [n, t]),
      [s.embedding]: f32(emb, [n, s.dim]),
    };
    if (s.topk) feeds[s.topk.input] = i64([Math.min(Math.max(k, 1), s.vocabSize)], [1]);
    // a graph with `beam_index` needs it on every call: identity rows when nothing was reordered
    if (s.reorder) feeds[s.reorder] = i64(cache.storedRows(), [n]);
    const kvDims = [cache.stored, s.heads, cache.past, s.headDim];
    for (let i = 0; i < s.layers; i++) {
      feeds[s.pastKey[i]] = f32(cache.keys[i], kvDims);
      feeds[s.pastValue[i]] = f32(cache.values[i], kvDims);
    }
    // an empty cross cache (first step) makes the graph compute the constants from `emb`
    if (s.cross) feeds[s.cross.input] = f32(cache.cross, [cache.stored, cache.crossRowSize / s.dim, s.dim]);
    // fetch only what the caller reads: onnxruntime-node copies every fetched output into JavaScript
    const fetches = [...(typeof wanted === 'string' ? [wanted] : wanted), ...s.presentKey, ...s.presentValue,
      ...(s.cross ? [s.cross.output] : [])];
    return this.runner.run(feeds, fetches);
  }

  private grown(out: Record<string, TensorLike>, cache: KvCache, t: number): KvCache {
    const s = this.spec;
    const keys: Float32Array[] = [];
    const values: Float32Array[] = [];
    for (let i = 0; i < s.layers; i++) {
      keys.push(asF32(out[s.presentKey[i]], s.presentKey[i]));
      values.push(asF32(out[s.presentValue[i]], s.presentValue[i]));
    }
    const cross = s.cross ? asF32(out[s.cross.output], s.cross.output) : undefined;
    if (cross && cross.length !== cache.n * s.layers * s.dim) throw new Error(`decoder step: ${s.cross?.output} has ${cross.length} values, expected ${cache.n}×${s.layers}×${s.dim}`);
    return new KvCache(cache.n, cache.past + t, s.heads, s.headDim, keys, values, undefined, cache.n, cross);
  }

  async dispose(): Promise<void> {
    await (this.runner as { release?: () => Promise<void> }).release?.();
  }
}
