/**
 * Search semantics on edge cases, against generate.py itself (edge_cases.json, made by gen_edge_cases.py on the random
 * test decoder): short max lengths (EOS forced at the last position), beam sizes 1–8, length penalties, greedy caps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSonarPack } from '../../../main/engine/packs/load.js';
import { SonarDecoder } from '../../../main/engine/sonar/decoder.js';
import { beamSearch, greedySearch, topCandidates } from '../../../main/engine/sonar/beam.js';
import { ROOT, sonarFixture, FAMILIES } from './packs.js';

interface Edge {
  beam: { embedding_of: number; lang: string; beam: number; max_len: number; length_penalty: number; hyps: { tokens: number[]; score: number; raw_score: number }[] }[];
  greedy: { embedding_of: number[]; langs: string[]; max_len: number; tokens: number[][] }[];
  ngram_beam: (Edge['beam'][number] & { no_repeat_ngram: number })[];
  ngram_greedy: (Edge['greedy'][number] & { no_repeat_ngram: number })[];
}

/** True when some n-gram occurs twice in `seq`. */
function repeatsNgram(seq: readonly number[], n: number): boolean {
  const seen = new Set<string>();
  for (let i = 0; i + n <= seq.length; i++) {
    const k = seq.slice(i, i + n).join(',');
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

const edge = JSON.parse(readFileSync(fileURLToPath(new URL('./edge_cases.json', import.meta.url)), 'utf8')) as Edge;
const fx = sonarFixture(FAMILIES[0]);

describe('beam/greedy edge cases vs generate.py (random decoder)', () => {
  let dec: SonarDecoder;
  let langId: (c: string) => number;
  const emb = (k: number) => Float32Array.from(fx.encoder[k].embedding);

  beforeAll(async () => {
    const pack = loadSonarPack(join(ROOT, 'test/fixtures/random/sonar'));
    langId = (c) => pack.json.tokenizer.lang_offset + pack.json.tokenizer.languages.indexOf(c);
    dec = await SonarDecoder.fromPack(pack, { provider: 'cpu', threads: 1 });
  });
  afterAll(async () => dec?.dispose());

  it('every beam case: same hypotheses in the same order, scores within 1e-4', async () => {
    let worst = 0;
    for (const c of edge.beam) {
      const [got] = await beamSearch(dec, [emb(c.embedding_of)], [langId(c.lang)], { beam: c.beam, maxTokens: c.max_len, lengthPenalty: c.length_penalty });
      expect(got.map((h) => h.tokens), JSON.stringify({ ...c, hyps: undefined })).toEqual(c.hyps.map((h) => h.tokens));
      got.forEach((h, i) => { worst = Math.max(worst, Math.abs(h.score - c.hyps[i].score), Math.abs(h.rawScore - c.hyps[i].raw_score)); });
      for (const h of got) expect(h.tokens.length).toBeLessThanOrEqual(c.max_len);
    }
    expect(worst).toBeLessThanOrEqual(1e-4);
  });

  it('beam cases with the same settings decoded together give the same results', async () => {
    const groups = new Map<string, Edge['beam']>();
    for (const c of edge.beam) {
      const k = `${c.beam}/${c.max_len}/${c.length_penalty}`;
      groups.set(k, [...(groups.get(k) ?? []), c]);
    }
    for (const cs of groups.values()) {
      const c0 = cs[0];
      const got = await beamSearch(dec, cs.map((c) => emb(c.embedding_of)), cs.map((c) => langId(c.lang)), { beam: c0.beam, maxTokens: c0.max_len, lengthPenalty: c0.length_penalty });
      got.forEach((hs, i) => expect(hs.map((h) => h.tokens)).toEqual(cs[i].hyps.map((h) => h.tokens)));
    }
  });

  it('greedy with length caps, batched', async () => {
    for (const g of edge.greedy) {
      const got = await greedySearch(dec, g.embedding_of.map(emb), g.langs.map(langId), { maxTokens: g.max_len });
      expect(got.map((h) => h.tokens.slice(2, -1))).toEqual(g.tokens);
    }
  });

  it('repeated n-gram blocking matches generate.py (beam, alone and batched; greedy, batched)', async () => {
    expect(edge.ngram_beam.length).toBeGreaterThan(0);
    let worst = 0;
    for (const c of edge.ngram_beam) {
      const o = { beam: c.beam, maxTokens: c.max_len, noRepeatNgram: c.no_repeat_ngram };
      const [got] = await beamSearch(dec, [emb(c.embedding_of)], [langId(c.lang)], o);
      expect(got.map((h) => h.tokens), JSON.stringify({ ...c, hyps: undefined })).toEqual(c.hyps.map((h) => h.tokens));
      got.forEach((h, i) => { worst = Math.max(worst, Math.abs(h.score - c.hyps[i].score)); });
      for (const h of got) expect(repeatsNgram(h.tokens.slice(0, -1), c.no_repeat_ngram)).toBe(false);
    }
    expect(worst).toBeLessThanOrEqual(1e-4);
    const same = edge.ngram_beam.filter((c) => c.beam === 4 && c.no_repeat_ngram === 2);
    const batched = await beamSearch(dec, same.map((c) => emb(c.embedding_of)), same.map((c) => langId(c.lang)), { beam: 4, maxTokens: 40, noRepeatNgram: 2 });
    batched.forEach((hs, i) => expect(hs.map((h) => h.tokens)).toEqual(same[i].hyps.map((h) => h.tokens)));
    for (const g of edge.ngram_greedy) {
      const got = await greedySearch(dec, g.embedding_of.map(emb), g.langs.map(langId), { maxTokens: g.max_len, noRepeatNgram: g.no_repeat_ngram });
      expect(got.map((h) => h.tokens.slice(2, -1))).toEqual(g.tokens);
    }
  });

  it('blocking changes what a looping decoder writes (the cases are not vacuous)', async () => {
    // without blocking, the random decoder repeats tokens within 40 positions; with it, it cannot
    const plain = await greedySearch(dec, [emb(0), emb(3), emb(5)], [0, 0, 0].map(() => langId('eng_Latn')), { maxTokens: 40 });
    expect(plain.some((h) => repeatsNgram(h.tokens.slice(2, -1), 1))).toBe(true);
    const blocked = await greedySearch(dec, [emb(0), emb(3), emb(5)], [0, 0, 0].map(() => langId('eng_Latn')), { maxTokens: 40, noRepeatNgram: 1 });
    for (const h of blocked) expect(repeatsNgram(h.tokens.slice(0, -1), 1)).toBe(false);
    await expect(greedySearch(dec, [emb(0)], [langId('eng_Latn')], { noRepeatNgram: -1 })).rejects.toThrow(/noRepeatNgram/);
  });

  it('topCandidates: best first, ties to the lower index, -inf kept when needed', () => {
    const lp = Float32Array.from([-1, -2, -1, Number.NEGATIVE_INFINITY, -0.5, -3]);
    expect(topCandidates(lp, 3, 0, 2, [0, -1], 4)).toEqual({ idx: [0, 2, 4, 1], val: [-1, -1, -1.5, -2] });
    expect(topCandidates(lp, 3, 1, 1, [0], 3)).toEqual({ idx: [1, 2, 0], val: [-0.5, -3, Number.NEGATIVE_INFINITY] });
  });

  it('rejects bad inputs clearly', async () => {
    await expect(beamSearch(dec, [new Float32Array(5)], [langId('eng_Latn')])).rejects.toThrow(/dimension 5.*expects 32/);
    await expect(beamSearch(dec, [emb(0)], [99999])).rejects.toThrow(/outside the vocabulary/);
    await expect(beamSearch(dec, [emb(0)], [langId('eng_Latn')], { maxTokens: 2 })).rejects.toThrow(/no room/);
    await expect(beamSearch(dec, [emb(0)], [langId('eng_Latn')], { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(await beamSearch(dec, [], [])).toEqual([]);
  });
});
