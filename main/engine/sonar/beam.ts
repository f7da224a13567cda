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
 * are reordered by a row gather (finished inputs drop out), inside the graph where it has `beam_index`. Every
 * input's result equals decoding it alone.
 *
 * Top-k steps: when the pack's decoder graph has the top-k outputs, a step fetches each row's K best log-probs
 * instead of the whole V-wide row (`stepRows`; why the result is the same as the full row's: `topKFor`).
 */
import { throwIfAborted } from '../runtime/tensors.js';
import { gatherRows, type KvCache, type SonarDecoder, type TopRows } from './decoder.js';

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
  /**
   * Search on the full log-softmax rows even when the graph offers top-k outputs (the reference path for parity
   * checks and benchmarks). Both paths give the same tokens and scores.
   */
  fullLogprobs?: boolean;
  /** Filled with how many decoder steps took each path (benchmarks, tests). */
  stats?: DecodeStats;
  signal?: AbortSignal;
  onProgress?: (p: DecodeProgress) => void;
}

export interface DecodeStats {
  /** Steps that fetched only each row's top-k log-probs. */
  topkSteps: number;
  /** Steps that fetched the full rows (no top-k graph, the first and last positions, `fullLogprobs`). */
  fullSteps: number;
  /** Top-k steps run again with full rows because a rounding tie reached past the fetched entries (rare). */
  reruns: number;
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
  const base = r * v;
  for (const tok of repeatedNgramBans(seq, n)) lp[base + tok] = NEG_INF;
}

/** The tokens that would complete an n-gram already present in `seq` (what `blockRepeatedNgrams` bans). */
export function repeatedNgramBans(seq: readonly number[], n: number): number[] {
  const out: number[] = [];
  if (n <= 0 || seq.length < n) return out;
  const k = n - 1; // the tail that a new token would extend
  for (let i = 0; i + n <= seq.length; i++) {
    let same = true;
    for (let j = 0; j < k; j++) {
      if (seq[i + j] !== seq[seq.length - k + j]) { same = false; break; }
    }
    if (same) out.push(seq[i + k]);
  }
  return out;
}

/**
 * The tokens the search sets to −inf at position t < maxPos − 1 for the hypothesis `seq` (prefix included): the
 * banned ids, EOS before the minimum length, and with noRepeatNgram the repeats. The same set as `mask` +
 * `blockRepeatedNgrams` on a full row; the top-k path skips these ids in a row's fetched entries.
 */
export function maskedTokens(seq: readonly number[], t: number, o: ResolvedDecodeOptions, eos: number, v: number): Set<number> {
  const out = new Set<number>();
  for (const id of o.bannedIds) if (id >= 0 && id < v) out.add(id);
  if (t < 2 + o.minGenLen - 1) out.add(eos);
  if (o.noRepeatNgram > 0) for (const tok of repeatedNgramBans(seq, o.noRepeatNgram)) out.add(tok);
  return out;
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

/** One decoder step as the search reads it: full rows (`lp`, [N,V]) or each row's K best (`top`) with its bans. */
interface StepRows {
  lp?: Float32Array;
  top?: TopRows;
  /** Per row, the tokens to skip in `top` (maskedTokens at this position). */
  bans?: Set<number>[];
  cache: KvCache;
}

/** Extra entries a beam row fetches beyond 2·beam, so that a float32 rounding tie at the cut is seen to end. */
const TIE_SLACK = 4;

/**
 * The K to fetch so that the top-k rows decide exactly what the full rows would, or null for the full rows.
 *
 * Why this is exact. The search masks a row's log-probs (−inf for the tokens of `maskedTokens`, computable before the
 * step from the hypothesis alone), then needs from each row only its `need` best masked entries: greedy takes the
 * argmax (need 1); beam search takes the top 2·beam of score[b] + lp over the rows of one input, and no entry of row
 * b below that row's 2·beam-th can be among them, since 2·beam entries of the same row beat it. The K best unmasked
 * entries contain the `need` best masked ones as soon as K ≥ need + (number of masked ids that may sit among them),
 * so K = need + max over rows of |maskedTokens|. The one masked position this cannot serve is the last (t = maxPos − 1:
 * everything but EOS is masked, and log p(EOS) may lie anywhere in the row), which fetches the full rows, as does the
 * first step (the score starts with log p(lang | eos), at any id). Order and ties: ONNX TopK sorts largest first and
 * breaks ties by the lower id — the order `topCandidates` and the greedy argmax use on a full row. What TopK cannot
 * see is a tie created by rounding the candidate score fround(score + lp): two log-probs that differ by less than an
 * ulp of the score become equal and then rank by id. `need` includes TIE_SLACK spare entries; when a row's tie at
 * its 2·beam-th candidate still reaches its last fetched entry, the step is run again on full rows (`reruns`).
 */
function topKFor(dec: SonarDecoder, t: number, o: ResolvedDecodeOptions, need: number, bans: readonly Set<number>[]): number | null {
  if (!dec.hasTopK || t >= o.maxPos - 1) return null;
  let most = 0;
  for (const b of bans) most = Math.max(most, b.size);
  const k = need + most;
  return k <= dec.spec.vocabSize ? k : null;
}

/** Run one decoder step on rows whose hypotheses are `seqs` and whose next decision is at position t. */
async function stepRows(dec: SonarDecoder, tokens: readonly number[], emb: Float32Array, cache: KvCache, t: number,
  seqs: readonly (readonly number[])[], need: number, o: ResolvedDecodeOptions, opts: DecodeOptions, full = false): Promise<StepRows> {
  const stats = opts.stats;
  if (!full && !opts.fullLogprobs && dec.hasTopK && t < o.maxPos - 1) {
    const bans = seqs.map((q) => maskedTokens(q, t, o, dec.spec.eos, dec.spec.vocabSize));
    const k = topKFor(dec, t, o, need, bans);
    if (k !== null) {
      const r = await dec.stepTop(tokens, 1, emb, cache, k);
      if (stats) stats.topkSteps++;
      return { top: r.top, bans, cache: r.cache };
    }
  }
  const r = await dec.step(tokens, 1, emb, cache);
  if (stats) stats.fullSteps++;
  return { lp: r.logprobs, cache: r.cache };
}

/**
 * `topCandidates` over top-k rows: the same indices and values as on the masked full rows, or null when a row's
 * rounding tie at its m-th candidate runs to its last fetched entry (then only the full row can decide).
 */
export function topCandidatesFromTop(top: TopRows, bans: readonly Set<number>[], v: number, r0: number, n: number,
  scores: readonly number[], m: number): { idx: number[]; val: number[] } | null {
  const { k, values, ids } = top;
  const flat: number[] = [];
  const cand: number[] = [];
  for (let b = 0; b < n; b++) {
    const r = r0 + b;
    const s = scores[b];
    let got = 0;
    let cut = NaN;
    let ended = false;
    for (let j = 0; j < k; j++) {
      const tok = Number(ids[r * k + j]);
      if (bans[r].has(tok)) continue;
      const c = Math.fround(s + values[r * k + j]);
      if (Number.isNaN(c)) continue;
      // entries come best first, and fround is monotone: past the m-th, only an equal score can still compete
      if (got >= m && !(c >= cut)) { ended = true; break; }
      flat.push(b * v + tok);
      cand.push(c);
      if (++got === m) cut = c;
    }
    if (!ended && k < v) return null;
  }
  const order = flat.map((_, i) => i);
  // best first, ties to the lower flat index (NaN from −inf − −inf falls through to the index)
  order.sort((x, y) => (cand[y] - cand[x]) || (flat[x] - flat[y]));
  const kk = Math.min(m, n * v);
  const top2 = order.slice(0, kk);
  return { idx: top2.map((i) => flat[i]), val: top2.map((i) => cand[i]) };
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

/**
 * Run position 0 ([eos], full rows: log p(lang | eos) starts the score) and position 1 ([lang]) for all inputs;
 * returns the lang scores, the step rows for the decision at t = 2 and the cache, and how to run that step again.
 */
async function prefix(dec: SonarDecoder, emb: Float32Array, langIds: readonly number[], need: number, o: ResolvedDecodeOptions, opts: DecodeOptions) {
  const n = langIds.length;
  const v = dec.spec.vocabSize;
  const eos = dec.spec.eos;
  const first = await dec.step(new Array(n).fill(eos), 1, emb, dec.emptyCache(n));
  if (opts.stats) opts.stats.fullSteps++;
  const start = langIds.map((l, i) => first.logprobs[i * v + l]);
  const seqs = langIds.map((l) => [eos, l]);
  const run = (full: boolean) => stepRows(dec, langIds, emb, first.cache, 2, seqs, need, o, opts, full);
  return { start, rows: await run(false), rerun: () => run(true) };
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

/**
 * The m best candidates of each input at position t, from the full rows (masked in place) or the top-k rows
 * (null for an input whose rounding tie needs the full rows).
 */
function beamCandidates(rows: StepRows, active: readonly BeamState[], t: number, o: ResolvedDecodeOptions, v: number, eos: number, m: number) {
  let r0 = 0;
  return active.map((st) => {
    const n = st.hyps.length;
    let c: { idx: number[]; val: number[] } | null;
    if (rows.top) {
      c = topCandidatesFromTop(rows.top, rows.bans!, v, r0, n, st.scores, m);
    } else {
      const lp = rows.lp!;
      mask(lp, v, r0, n, t, o, eos);
      if (o.noRepeatNgram > 0 && t < o.maxPos - 1) {
        for (let b = 0; b < n; b++) blockRepeatedNgrams(lp, v, r0 + b, st.hyps[b], o.noRepeatNgram);
      }
      c = topCandidates(lp, v, r0, n, st.scores, m);
    }
    r0 += n;
    return c;
  });
}

/** Beam search for every (embedding, target language token) pair, decoded together. */
export async function beamSearch(dec: SonarDecoder, embs: readonly Float32Array[], langIds: readonly number[], opts: DecodeOptions = {}): Promise<Hypothesis[][]> {
  checkInputs(dec, embs, langIds);
  if (embs.length === 0) return [];
  const o = resolveOptions(dec, opts);
  const { vocabSize: v, eos, dim } = dec.spec;
  const signal = opts.signal;
  const m = 2 * o.beam;
  const need = m + TIE_SLACK;
  throwIfAborted(signal);
  let emb = concatRows(embs, dim);
  const pre = await prefix(dec, emb, langIds, need, o, opts);
  let step = pre.rows;
  let rerun = pre.rerun;
  const states: BeamState[] = langIds.map((l, i) => ({ input: i, hyps: [[eos, l]], scores: [pre.start[i]], finished: [], done: false }));
  let active = states; // in row order: active[j] owns rows [rowStart_j, rowStart_j + hyps.length)
  let t = 2;
  for (;;) {
    throwIfAborted(signal);
    let cands = beamCandidates(step, active, t, o, v, eos, m);
    if (cands.some((c) => c === null)) {
      step = await rerun();
      if (opts.stats) opts.stats.reruns++;
      cands = beamCandidates(step, active, t, o, v, eos, m);
    }
    const rows: number[] = [];
    const nextTokens: number[] = [];
    const stillActive: BeamState[] = [];
    let r0 = 0;
    active.forEach((st, j) => {
      const n = st.hyps.length;
      const { idx, val } = cands[j]!;
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
    });
    opts.onProgress?.({ stage: 'decode', step: t, maxSteps: o.maxPos - 1, active: stillActive.length, total: states.length });
    if (stillActive.length === 0) break;
    active = stillActive;
    throwIfAborted(signal);
    const cache = dec.reorder(step.cache, rows);
    emb = gatherRows(emb, dim, rows);
    t += 1;
    const seqs = active.flatMap((st) => st.hyps);
    const stepEmb = emb;
    const stepT = t;
    rerun = () => stepRows(dec, nextTokens, stepEmb, cache, stepT, seqs, need, o, opts, true);
    step = await stepRows(dec, nextTokens, emb, cache, t, seqs, need, o, opts);
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
  const pre = await prefix(dec, emb, langIds, 1, o, opts);
  let step = pre.rows;
  const out: number[][] = langIds.map(() => []);
  const raw = pre.start.slice();
  const finalT: number[] = langIds.map(() => 0);
  let active = langIds.map((_, i) => i); // input of each row
  for (let t = 2; t < o.maxPos; t++) {
    throwIfAborted(signal);
    const rows: number[] = [];
    const toks: number[] = [];
    active.forEach((input, r) => {
      let tok = eos;
      let lpTok: number;
      if (step.top) {
        // the row's best entry that is not masked: its K = 1 + |masked| best hold it (topKFor); never the last position
        const { k, values, ids } = step.top;
        const bans = step.bans![r];
        tok = -1;
        lpTok = NEG_INF;
        for (let j = 0; j < k; j++) {
          const id = Number(ids[r * k + j]);
          if (bans.has(id)) continue;
          tok = id;
          lpTok = values[r * k + j];
          break;
        }
        if (tok < 0) throw new Error(`decode: top-${k} row ${r} holds only masked tokens`);
      } else {
        const lp = step.lp!;
        const base = r * v;
        for (const id of o.bannedIds) if (id >= 0 && id < v) lp[base + id] = NEG_INF;
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
        lpTok = lp[base + tok];
      }
      raw[input] = Math.fround(raw[input] + lpTok);
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
    const cache = dec.reorder(step.cache, rows);
    emb = gatherRows(emb, dim, rows);
    throwIfAborted(signal);
    const seqs = active.map((input) => [eos, langIds[input], ...out[input]]);
    step = await stepRows(dec, toks, emb, cache, t + 1, seqs, 1, o, opts);
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
