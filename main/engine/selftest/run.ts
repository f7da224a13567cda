/**
 * The pack self-test (issue 13, "verification after conversion"): run a SONAR pack on fixed sentences in six
 * languages of six scripts (sentences.json) and check what any faithful SONAR does (checks.ts): short sentences
 * survive an encode → decode round trip, translations are nearer each other than unrelated sentences, embeddings are
 * finite and not collapsed, the decoder writes sentences. Works on the tasks' ports, so the same code tests a pack
 * in the engine worker and a fake in the unit tests.
 */
import { readFileSync } from 'node:fs';
import type { LangCode, PackSelftest, SelftestCheck } from '../types.js';
import type { ConceptDecoder, ConceptEncoder, ProgressFn } from '../tasks/ports.js';
import { alignmentCheck, collapseCheck, degenerateCheck, finiteCheck, goldenCheck, roundTripCheck, type SelftestSet } from './checks.js';
import type { GoldenSet } from './golden.js';

export interface SentencesFile {
  source: string;
  languages: LangCode[];
  sentences: Record<LangCode, string>[];
}

export const SELFTEST_SENTENCES_PATH = new URL('./sentences.json', import.meta.url);

/** The committed test set (every sentence in every language). */
export function selftestSet(file: SentencesFile = JSON.parse(readFileSync(SELFTEST_SENTENCES_PATH, 'utf8'))): SelftestSet {
  const texts: Record<LangCode, string[]> = {};
  for (const l of file.languages) {
    texts[l] = file.sentences.map((s, i) => {
      if (typeof s[l] !== 'string' || !s[l]) throw new Error(`self-test sentence ${i} has no ${l} text`);
      return s[l];
    });
  }
  return { languages: [...file.languages], texts };
}

export interface SelftestOptions {
  encoder: ConceptEncoder;
  decoder: ConceptDecoder;
  pack: { name: string; space: string; dim: number; packJsonSha256: string; demo: boolean };
  set?: SelftestSet;
  golden?: GoldenSet | null;
  /** beam for the round trip; 1 (greedy) keeps a full-size pack's test to about a minute on a CPU */
  beam?: number;
  signal?: AbortSignal;
  /** stage 'selftest': done/total steps (one encode and one decode per language, plus the golden encodes) */
  onProgress?: ProgressFn;
  now?: () => Date;
}

export async function runSelftest(o: SelftestOptions): Promise<PackSelftest> {
  const t0 = performance.now();
  const set = o.set ?? selftestSet();
  const beam = o.beam ?? 1;
  const langs = set.languages;
  const goldenLangs = o.golden ? [...new Set(o.golden.vectors.map((v) => v.lang))] : [];
  const total = 2 * langs.length + goldenLangs.length;
  let done = 0;
  const step = (message: string) => o.onProgress?.({ stage: 'selftest', done, total, message });
  const vectors: Record<LangCode, Float32Array[]> = {};
  const outputs: Record<LangCode, string[]> = {};
  for (const lang of langs) {
    step(`encode ${lang}`);
    vectors[lang] = await o.encoder.encode(set.texts[lang], lang, { signal: o.signal });
    done++;
  }
  for (const lang of langs) {
    step(`decode ${lang}`);
    outputs[lang] = await o.decoder.decode(vectors[lang], lang, { signal: o.signal, beam });
    done++;
  }
  const rt = roundTripCheck(set, outputs);
  const checks: SelftestCheck[] = [rt.check, alignmentCheck(set, vectors), finiteCheck(vectors), collapseCheck(set, vectors), degenerateCheck(set, outputs)];
  if (o.golden) {
    const mine: Float32Array[] = new Array(o.golden.vectors.length);
    for (const lang of goldenLangs) {
      step(`golden ${lang}`);
      const idx = o.golden.vectors.flatMap((v, i) => (v.lang === lang ? [i] : []));
      const got = await o.encoder.encode(idx.map((i) => o.golden!.vectors[i].text), lang, { signal: o.signal });
      idx.forEach((i, k) => (mine[i] = got[k]));
      done++;
    }
    checks.push(goldenCheck(o.golden.vectors, mine));
  }
  o.onProgress?.({ stage: 'selftest', done: total, total, message: 'done' });
  return {
    version: 1,
    pack: o.pack.name,
    space: o.pack.space,
    dim: o.pack.dim,
    packJsonSha256: o.pack.packJsonSha256,
    createdAt: (o.now?.() ?? new Date()).toISOString(),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    passed: checks.every((c) => c.passed),
    languages: langs,
    sentences: set.texts[langs[0]].length,
    beam,
    checks,
    examples: rt.examples,
    demo: o.pack.demo,
  };
}
