/**
 * Work on text that is not a stored run: tasks on loose sentences (evaluation, scripts), concepts of texts and texts
 * of concepts (through the cache), the concept map of a document, and the language table.
 */
import type { ConceptMapPoint, LangCode, LanguageInfo, Method, RunRequest, TaskKind } from './contract.js';
import { apiError } from './errors.js';
import { guarded, packVersion, requireLang, type ServiceContext } from './context.js';
import { decodingChoice } from './settings.js';
import { getDocument } from './documents.js';
import { languageTable } from './languages.js';
import { b64ToVec, storedOutput } from './run-record.js';
import { runLanguages } from './source-language.js';
import { assertCacheDim, storeConceptCache } from '../engine/adapters/cache.js';
import {
  cachedEncode, chooseMethod, RunStats, sourceConcepts, conceptMap as buildConceptMap, continueText, expand, summarize, translate,
  type SourceDocument, type TaskContext, type TaskProgress,
} from '../engine/tasks/index.js';

export interface RunTextRequest {
  sentences: string[]; lang: LangCode; task: TaskKind; targetLang: LangCode; method?: Method; length?: RunRequest['length'];
  lcmPack?: string; seed?: number; fidelity?: boolean; signal?: AbortSignal; onProgress?: (p: TaskProgress) => void;
}

/** The active SONAR pack, after checking the concept cache was made in its space. */
function activeSonar(ctx: ServiceContext) {
  const sonar = ctx.packs.sonar();
  assertCacheDim(ctx.store.concepts, sonar.pack.json.space, sonar.pack.json.dim);
  return sonar;
}

/** A task on loose sentences (nothing stored but the cache). */
async function runText(ctx: ServiceContext, r: RunTextRequest) {
  requireLang(r.lang, 'source language');
  requireLang(r.targetLang, 'target language');
  const sonar = activeSonar(ctx);
  const candidate = r.task !== 'translate' ? ctx.packs.lcm(sonar.pack, r.lcmPack) : null;
  const choice = chooseMethod({ requested: r.method ?? 'auto', task: r.task, hasLcm: !!candidate, sonarQuality: ctx.packs.quality(sonar.pack), lcmQuality: candidate ? ctx.packs.quality(candidate.pack) : null });
  const method = choice.used;
  const eng = await ctx.engines.sonar(sonar.pack);
  const lcm = method === 'lcm' && candidate ? await ctx.engines.lcm(candidate.pack) : null;
  const tc: TaskContext = {
    encoder: eng.encoder,
    decoder: eng.decoder,
    cache: storeConceptCache(ctx.store.concepts, eng.encoder.dim),
    generator: lcm?.generator ?? null,
    signal: r.signal,
    onProgress: r.onProgress,
    ...decodingChoice(ctx),
    ...(r.fidelity ? { fidelity: ctx.packs.thresholds(sonar.pack) } : {}),
  };
  const doc: SourceDocument = { sentences: r.sentences, lang: r.lang };
  const o = { targetLang: r.targetLang, length: r.length, seed: r.seed };
  if (r.task === 'summarize') return summarize(doc, tc, { ...o, method });
  if (r.task === 'expand') return expand(doc, tc, o);
  if (r.task === 'continue') return continueText(doc, tc, o);
  return translate(doc, tc, { targetLang: r.targetLang });
}

/** The concept map of a document (and of a run's output concepts, when given). */
async function documentConceptMap(ctx: ServiceContext, documentId: number, runId?: number | null): Promise<ConceptMapPoint[]> {
  const doc = getDocument(ctx, documentId);
  const sents = ctx.store.sentences.list(documentId);
  if (sents.length === 0) return [];
  const sonar = activeSonar(ctx);
  const docLang = doc.language ?? 'eng_Latn';
  const eng = await ctx.engines.sonar(sonar.pack);
  // every sentence in its stored language, through the cache: the tasks' own source encoding
  const tc: TaskContext = { encoder: eng.encoder, decoder: eng.decoder, cache: storeConceptCache(ctx.store.concepts, eng.encoder.dim) };
  const source: SourceDocument = { sentences: sents.map((x) => x.text), lang: docLang, langs: runLanguages(sents.map((x) => x.language), docLang) };
  const concepts = await sourceConcepts(tc, new RunStats(), source);
  let output: { concepts: Float32Array[]; texts: string[] } | undefined;
  if (runId !== undefined && runId !== null) {
    const r = ctx.store.runs.get(runId);
    if (!r || r.documentId !== documentId) throw apiError('NOT_FOUND', `Document ${documentId} has no run ${runId}.`);
    const o = storedOutput(r);
    if (o?.concepts?.length && o.dim === eng.encoder.dim) {
      output = { concepts: o.concepts.map(b64ToVec), texts: o.sentences.map((s) => s.text) };
    }
  }
  return buildConceptMap({ concepts, texts: sents.map((s) => s.text) }, output);
}

export function textApi(ctx: ServiceContext) {
  const { store, packs, engines } = ctx;
  return {
    async languages(): Promise<LanguageInfo[]> {
      let trained: Set<string> | null = null;
      try {
        const j = packs.sonar().pack.json as { languages_trained?: Record<string, unknown> };
        trained = new Set(Object.keys(j.languages_trained ?? {}));
      } catch {
        trained = null;
      }
      return languageTable().map((l) => ({ ...l, trained: trained ? trained.has(l.code) : false }));
    },

    runText: (r: RunTextRequest) => guarded(() => runText(ctx, r)),

    encodeSentences: (texts: string[], lang: LangCode, o: { signal?: AbortSignal } = {}) => guarded(async () => {
      requireLang(lang, 'language');
      const sonar = activeSonar(ctx);
      const t0 = performance.now();
      const eng = await engines.sonar(sonar.pack);
      const t1 = performance.now();
      const r = await cachedEncode(eng.encoder, storeConceptCache(store.concepts, eng.encoder.dim), texts, lang, { signal: o.signal });
      const t2 = performance.now();
      return {
        vectors: r.vectors, hits: r.hits, misses: r.misses, space: eng.encoder.space, dim: eng.encoder.dim,
        pack: packVersion(sonar.pack), timings: { load: t1 - t0, encode: t2 - t1 },
      };
    }),

    decodeVectors: (vectors: Float32Array[], lang: LangCode, o: { signal?: AbortSignal; beam?: number } = {}) => guarded(async () => {
      requireLang(lang, 'language');
      const sonar = packs.sonar();
      for (const [i, v] of vectors.entries()) {
        if (v.length !== sonar.pack.json.dim) {
          throw apiError('PACK_DIM_MISMATCH', `Vector ${i} has ${v.length} values but the SONAR pack ${sonar.pack.json.name} decodes ` +
            `${sonar.pack.json.dim}-dimensional concepts.`);
        }
      }
      const eng = await engines.sonar(sonar.pack);
      const d = decodingChoice(ctx);
      return eng.decoder.decode(vectors, lang, { signal: o.signal, beam: o.beam ?? d.beam, rerank: d.rerank });
    }),

    conceptMap: (documentId: number, runId?: number | null) => guarded(() => documentConceptMap(ctx, documentId, runId)),
  };
}
