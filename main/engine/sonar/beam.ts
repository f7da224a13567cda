/**
 * SONAR decoding: fairseq2 beam search semantics (research/sonar.md §6), exactly as the reference
 * tools/concept_tools/generate.py, over many sentences at once.
 *
 * Prefix [eos, lang]: position 0 is run alone and log p(lang | eos) starts the cumulative score; then one token per
 * step with the KV cache. At step t (t = tokens after the leading eos so far, starting at 2): the banned ids (id 1, the
 * model's legacy pad = the tokenizer's <unk>) get −inf; at the last allowed position (t ≥ maxPos − 1) everything but EOS
 * gets −inf. Candidates = cumulative score + log-prob (float32), top 2·beam over all hypotheses × vocabulary; EOS
 * candidates ranked < beam finish with score / t^lengthPenalty; the first `beam` other candidates form the next beam.
 * An input stops once it has ≥ beam finished hypotheses. maxPos = min(maxTokens, max_positions) total positions,
 * prefix included.
 *
 * Batching: the decoder runs on N = Σ (live hypotheses of each unfinished input) rows; after each step the caches
 * are reordered by a row gather (finished inputs drop out). Every input's result equals decoding it alone.
 */
import { throwIfAborted } from '../runtime/tensors.js';
import { gatherRows, type KvCache, type SonarDecoder } from './decoder.js';

export interface DecodeOptions {
  /** Beam size (default: the pack's, 5). */
  beam?: number;
  /** Greedy decoding instead of beam search (same bans, same max length). */
  greedy?: boolean;
  lengthPenalty?: number;
  normalizeScores?: boolean;
  /** Total positions including the 2-token prefix; capped by the graph's max_positions. Default: the pack's max_tokens. */
  maxTokens?: number;
  minGenLen?: number;
  bannedIds?: readonly number[];
  /**
   * Forbid any n-gram of this size from occurring twice in one hypothesis (fairseq2's NGramRepeatBlockProcessor);
   * 0 turns it off. Default: the pack's `no_repeat_ngram` (0 when absent, as in the official SONAR pipeline).
   */
  noRepeatNgram?: number;
  signal?: AbortSignal;
  onProgress?: (p: DecodeProgress) => void;
}

export interface DecodeProgress {
  stage: 'decode';
  /** Current position t (2 … maxPos − 1). */
  step: number;
  maxSteps: number;
  /** Inputs still decoding / all inputs. */
  active: number;
  total: number;
}

export interface Hypothesis {
  /** Full sequence as generate.py returns it: [eos, lang, …content, eos]. */
  tokens: number[];
  /** Normalized score (raw / t^lengthPenalty) when normalizeScores, else raw. */
  score: number;
  /** Cumulative log-probability, including log p(lang | eos). */
  rawScore: number;
}

export interface DecodeResult {
  /** Best first (beam search: every finished hypothesis; greedy: one). */
  hypotheses: Hypothesis[];
  /** The best hypothesis's content ids (prefix and EOS removed). */
  tokens: number[];
}

export interface ResolvedDecodeOptions {
  beam: number;
  lengthPenalty: number;
  normalizeScores: boolean;
  maxPos: number;
  minGenLen: number;
  bannedIds: number[];
  noRepeatNgram: number;
}

export function resolveOptions(dec: SonarDecoder, o: DecodeOptions): ResolvedDecodeOptions {
  const d = dec.spec.decoding;
  const maxTokens = o.maxTokens ?? d.max_tokens;
  const maxPos = Math.min(maxTokens, dec.spec.maxPositions, d.max_positions ?? Infinity);
  if (!(maxPos >= 3)) throw new Error(`decode: max length ${maxPos} leaves no room for a token (need ≥ 3 positions)`);
  const beam = o.beam ?? d.beam;
  if (!(Number.isInteger(beam) && beam >= 1)) throw new Error(`decode: beam must be a positive integer (got ${beam})`);
  return {
    beam,
    lengthPenalty: o.lengthPenalty ?? d.length_penalty,
    normalizeScores: o.normalizeScores ?? d.normalize_scores,
    maxPos,
    minGenLen: o.minGenLen ?? d.min_gen_len ?? 1,
    bannedIds: [...(o.bannedIds ?? d.banned_ids)],
    noRepeatNgram: checkNgram(o.noRepeatNgram ?? d.no_repeat_ngram ?? 0),
  };
}

function checkNgram(n: number): number {
  if (!(Number.isInteger(n) && n >= 0)) throw new Error(`decode: noRepeatNgram must be a non-negative integer (got ${n})`);
  return n;
}

const NEG_INF = Number.NEGATIVE_INFINITY;

/**
 * Ban, in row `r` of a [*, V] log-prob array, every token that would complete an n-gram already present in `seq`
 * (the hypothesis so far, prefix included). Small models fall into loops ("de de de …") when the concept is out of
 * their depth; blocking repeats turns a loop into a finished sentence that the fidelity check can still judge.
 */
export function blockRepeatedNgrams(lp: Float32Array, v: number, r: number, seq: readonly number[], n: number): void {
  if (n <= 0 || seq.length < n) return;
  const k = n - 1; // the tail that a new token would extend
  const base = r * v;
  for (let i = 0; i + n <= seq.length; i++) {
    let same = true;
    for (let j = 0; j < k; j++) {
      if (seq[i + j] !== seq[seq.length - k + j]) { same = false; break; }
    }
    if (same) lp[base + seq[i + k]] = NEG_INF;
  }
}

/** Apply the step's bans in place to rows [r0, r0 + n) of a [*, V] log-prob array (generate.py's masking). */
function mask(lp: Float32Array, v: number, r0: number, n: number, t: number, o: ResolvedDecodeOptions, eos: number): void {
  for (let r = r0; r < r0 + n; r++) {
    const base = r * v;
    if (t >= o.maxPos - 1) {
      const keep = lp[base + eos];
      lp.fill(NEG_INF, base, base + v);
      lp[base + eos] = keep;
    } else {
      for (const id of o.bannedIds) if (id >= 0 && id < v) lp[base + id] = NEG_INF;
      // fairseq2 bans EOS while t < prompt_len + min_gen_len − 1 (prompt_len 2): never with min_gen_len 1
      if (t < 2 + o.minGenLen - 1) lp[base + eos] = NEG_INF;
    }
  }
}

/**
 * Top-k of (scores[b] + lp[b, tok]) in float32 over rows [r0, r0 + n), best first; ties keep the lower flat index.
 * Returns flat indices b·V + tok (b relative to r0) and values.
 */
export function topCandidates(lp: Float32Array, v: number, r0: number, n: number, scores: readonly number[], k: number): { idx: number[]; val: number[] } {
  const kk = Math.min(k, n * v);
  const idx: number[] = [];
  const val: number[] = [];
  for (let b = 0; b < n; b++) {
    const s = scores[b];
    const base = (r0 + b) * v;
    for (let tok = 0; tok < v; tok++) {
      const c = Math.fround(s + lp[base + tok]);
      if (Number.isNaN(c)) continue;
      const m = idx.length;
      if (m === kk && !(c > val[m - 1])) continue;
      // insertion point: after every value ≥ c (stable for ties)
      let pos = m;
      while (pos > 0 && val[pos - 1] < c) pos--;
      idx.splice(pos, 0, b * v + tok);
      val.splice(pos, 0, c);
      if (idx.length > kk) { idx.pop(); val.pop(); }
    }
  }
  return { idx, val };
}

function checkInputs(dec: SonarDecoder, embs: readonly Float32Array[], langIds: readonly number[]): void {
  if (embs.length !== langIds.length) throw new Error(`decode: ${embs.length} embeddings but ${langIds.length} languages`);
  const { dim, vocabSize } = dec.spec;
  embs.forEach((e, i) => {
    if (e.length !== dim) throw new Error(`decode: embedding ${i} has dimension ${e.length}, the SONAR pack expects ${dim}`);
  });
  for (const l of langIds) {
    if (!(Number.isInteger(l) && l >= 0 && l < vocabSize)) throw new Error(`decode: language token ${l} outside the vocabulary`);
  }
}

/** Run position 0 ([eos]) and position 1 ([lang]) for all inputs; returns the lang scores, log-probs and cache. */
async function prefix(dec: SonarDecoder, emb: Float32Array, langIds: readonly number[]) {
  const n = langIds.length;
  const v = dec.spec.vocabSize;
  const eos = dec.spec.eos;
  const first = await dec.step(new Array(n).fill(eos), 1, emb, dec.emptyCache(n));
  const start = langIds.map((l, i) => first.logprobs[i * v + l]);
  const second = await dec.step(langIds, 1, emb, first.cache);
  return { start, logprobs: second.logprobs, cache: second.cache };
}

function concatRows(embs: readonly Float32Array[], d: number): Float32Array {
  const out = new Float32Array(embs.length * d);
  embs.forEach((e, i) => out.set(e, i * d));
  return out;
}

interface BeamState {
  input: number;
  hyps: number[][];
  scores: number[];
  finished: Hypothesis[];
  done: boolean;
}

/** Beam search for every (embedding, target language token) pair, decoded together. */
export async function beamSearch(dec: SonarDecoder, embs: readonly Float32Array[], langIds: readonly number[], opts: DecodeOptions = {}): Promise<Hypothesis[][]> {
  checkInputs(dec, embs, langIds);
  if (embs.length === 0) return [];
  const o = resolveOptions(dec, opts);
  const { vocabSize: v, eos, dim } = dec.spec;
  const signal = opts.signal;
  throwIfAborted(signal);
  let emb = concatRows(embs, dim);
  const pre = await prefix(dec, emb, langIds);
  let lp = pre.logprobs;
  let cache: KvCache = pre.cache;
  const states: BeamState[] = langIds.map((l, i) => ({ input: i, hyps: [[eos, l]], scores: [pre.start[i]], finished: [], done: false }));
  let active = states; // in row order: active[j] owns rows [rowStart_j, rowStart_j + hyps.length)
  let t = 2;
  for (;;) {
    throwIfAborted(signal);
    const rows: number[] = [];
    const nextTokens: number[] = [];
    const stillActive: BeamState[] = [];
    let r0 = 0;
    for (const st of active) {
      const n = st.hyps.length;
      mask(lp, v, r0, n, t, o, eos);
      if (o.noRepeatNgram > 0 && t < o.maxPos - 1) {
        for (let b = 0; b < n; b++) blockRepeatedNgrams(lp, v, r0 + b, st.hyps[b], o.noRepeatNgram);
      }
      const { idx, val } = topCandidates(lp, v, r0, n, st.scores, 2 * o.beam);
      const nxt: { b: number; tok: number; val: number }[] = [];
      idx.forEach((flat, rank) => {
        const b = Math.floor(flat / v);
        const tok = flat - b * v;
        if (tok === eos) {
          if (rank < o.beam) {
            const score = o.normalizeScores ? val[rank] / Math.pow(t, o.lengthPenalty) : val[rank];
            st.finished.push({ tokens: [...st.hyps[b], eos], score, rawScore: val[rank] });
          }
          return;
        }
        if (nxt.length < o.beam) nxt.push({ b, tok, val: val[rank] });
      });
      // generate.py would go on past the last position with −inf hypotheses when an input has fewer than `beam`
      // finished ones there (only possible when maxPos = 3); it has no meaningful continuation, so stop.
      if (st.finished.length >= o.beam || nxt.length === 0 || t >= o.maxPos - 1) {
        st.done = true;
      } else {
        for (const c of nxt) {
          rows.push(r0 + c.b);
          nextTokens.push(c.tok);
        }
        st.hyps = nxt.map((c) => [...st.hyps[c.b], c.tok]);
        st.scores = nxt.map((c) => c.val);
        stillActive.push(st);
      }
      r0 += n;
    }
    opts.onProgress?.({ stage: 'decode', step: t, maxSteps: o.maxPos - 1, active: stillActive.length, total: states.length });
    if (stillActive.length === 0) break;
    active = stillActive;
    throwIfAborted(signal);
    cache = cache.gather(rows);
    emb = gatherRows(emb, dim, rows);
    const out = await dec.step(nextTokens, 1, emb, cache);
    lp = out.logprobs;
    cache = out.cache;
    t += 1;
  }
  return states.map((st) => st.finished.slice().sort((a, b) => b.score - a.score));
}

/** Greedy decoding (generate.py greedy_batch): argmax after the same bans; EOS forced at the last position. */
export async function greedySearch(dec: SonarDecoder, embs: readonly Float32Array[], langIds: readonly number[], opts: DecodeOptions = {}): Promise<Hypothesis[]> {
  checkInputs(dec, embs, langIds);
  if (embs.length === 0) return [];
  const o = resolveOptions(dec, opts);
  const { vocabSize: v, eos, dim } = dec.spec;
  const signal = opts.signal;
  throwIfAborted(signal);
  let emb = concatRows(embs, dim);
  const pre = await prefix(dec, emb, langIds);
  let lp = pre.logprobs;
  let cache = pre.cache;
  const out: number[][] = langIds.map(() => []);
  const raw = pre.start.slice();
  const finalT: number[] = langIds.map(() => 0);
  let active = langIds.map((_, i) => i); // input of each row
  for (let t = 2; t < o.maxPos; t++) {
    throwIfAborted(signal);
    const rows: number[] = [];
    const toks: number[] = [];
    active.forEach((input, r) => {
      const base = r * v;
      for (const id of o.bannedIds) if (id >= 0 && id < v) lp[base + id] = NEG_INF;
      let tok = eos;
      if (t !== o.maxPos - 1) {
        if (t < 2 + o.minGenLen - 1) lp[base + eos] = NEG_INF;
        if (o.noRepeatNgram > 0) blockRepeatedNgrams(lp, v, r, [eos, langIds[input], ...out[input]], o.noRepeatNgram);
        let best = NEG_INF;
        tok = -1;
        for (let k = 0; k < v; k++) {
          const x = lp[base + k];
          if (x > best || tok < 0) { best = x; tok = k; }
        }
      }
      raw[input] = Math.fround(raw[input] + lp[base + tok]);
      if (tok === eos) {
        finalT[input] = t;
      } else {
        out[input].push(tok);
        rows.push(r);
        toks.push(tok);
      }
    });
    opts.onProgress?.({ stage: 'decode', step: t, maxSteps: o.maxPos - 1, active: rows.length, total: langIds.length });
    if (rows.length === 0) break;
    active = rows.map((r) => active[r]);
    cache = cache.gather(rows);
    emb = gatherRows(emb, dim, rows);
    throwIfAborted(signal);
    const r = await dec.step(toks, 1, emb, cache);
    lp = r.logprobs;
    cache = r.cache;
  }
  return langIds.map((l, i) => ({
    tokens: [eos, l, ...out[i], eos],
    rawScore: raw[i],
    score: o.normalizeScores ? raw[i] / Math.pow(finalT[i], o.lengthPenalty) : raw[i],
  }));
}

/** The content ids of a hypothesis: prefix and EOS removed. */
export function contentTokens(h: Hypothesis, eos: number): number[] {
  const t = h.tokens.slice(2);
  if (t.length && t[t.length - 1] === eos) t.pop();
  return t;
}

/** Decode many embeddings into target-language token ids (beam search, or greedy with `greedy: true`). */
export async function decodeEmbeddings(dec: SonarDecoder, embs: readonly Float32Array[], langIds: readonly number[], opts: DecodeOptions = {}): Promise<DecodeResult[]> {
  if (opts.greedy) {
    const hs = await greedySearch(dec, embs, langIds, opts);
    return hs.map((h) => ({ hypotheses: [h], tokens: contentTokens(h, dec.spec.eos) }));
  }
  const all = await beamSearch(dec, embs, langIds, opts);
  return all.map((hs) => ({ hypotheses: hs, tokens: hs.length ? contentTokens(hs[0], dec.spec.eos) : [] }));
}
