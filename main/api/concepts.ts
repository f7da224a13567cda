/**
 * Concepts without a stored run: the concept map of a document (and of a run's output), and the calls scripts and
 * evaluations use — checkRun (what a run would use, and whether it can), runText (a task on sentences that are not
 * stored as a document), encodeSentences and decodeVectors (through the concept cache).
 */
import { assertCacheDim, storeConceptCache } from '../engine/adapters/cache.js';
import {
  cachedEncode,
  chooseMethod,
  conceptMap as buildConceptMap,
  continueText,
  expand,
  summarize,
  translate,
  type SourceDocument,
  type TaskContext,
  type TaskProgress,
  type TaskResult,
} from '../engine/tasks/index.js';
import type { Store } from '../store/index.js';
import type { ConceptApi, ConceptMapPoint, LangCode, Method, MethodChoice, PackInfo, RunRequest, TaskKind } from './contract.js';
import type { DocumentLookup } from './documents.js';
import type { Engines } from './engines.js';
import { apiError, toApiError } from './errors.js';
import { requireLang } from './languages.js';
import type { ServiceOptions } from './options.js';
import { packVersion, type PackRegistry } from './packs.js';
import { b64ToVec, type StoredOutput } from './run-output.js';

export interface EncodeSentencesResult {
  vectors: Float32Array[];
  hits: number;
  misses: number;
  space: string;
  dim: number;
  pack: string;
  timings: Record<string, number>;
}

export interface ConceptsApi extends Pick<ConceptApi, 'conceptMap'> {
  /** what startRun checks before anything runs: packs present and compatible, cache dimension, languages */
  checkRun(req: { task: TaskKind; targetLang: LangCode; method?: Method; lcmPack?: string; sourceLang?: LangCode | null; load?: boolean }): Promise<{ sonar: PackInfo; lcm: PackInfo | null; method: MethodChoice }>;
  /**
   * A task on sentences that are not stored as a document (evaluation, scripts): cache used, nothing else written.
   */
  runText(req: { sentences: string[]; lang: LangCode; task: TaskKind; targetLang: LangCode; method?: Method; length?: RunRequest['length']; lcmPack?: string; seed?: number; fidelity?: boolean; signal?: AbortSignal; onProgress?: (p: TaskProgress) => void }): Promise<TaskResult>;
  /** one concept per text (through the cache) */
  encodeSentences(texts: string[], lang: LangCode, opts?: { signal?: AbortSignal }): Promise<EncodeSentencesResult>;
  /** text of each vector in a language */
  decodeVectors(vectors: Float32Array[], lang: LangCode, opts?: { signal?: AbortSignal; beam?: number }): Promise<string[]>;
}

export function conceptsApi(d: { opts: ServiceOptions; store: Store; docs: DocumentLookup; packs: PackRegistry; engines: Engines }): ConceptsApi {
  const { opts, store } = d;
  const { getDoc } = d.docs;
  const { sonarPack, lcmPack, quality, thresholds, info } = d.packs;
  const { sonarEngine, lcmEngine } = d.engines;
  return {
    async conceptMap(documentId, runId): Promise<ConceptMapPoint[]> {
      try {
        const doc = getDoc(documentId);
        const sents = store.sentences.list(documentId);
        if (sents.length === 0) return [];
        const sonar = sonarPack();
        assertCacheDim(store.concepts, sonar.pack.json.space, sonar.pack.json.dim);
        const docLang = doc.language ?? 'eng_Latn';
        const eng = await sonarEngine(sonar.pack);
        const cache = storeConceptCache(store.concepts, eng.encoder.dim);
        const concepts = new Array<Float32Array>(sents.length);
        const groups = new Map<string, number[]>();
        sents.forEach((s, i) => groups.set(s.language ?? docLang, [...(groups.get(s.language ?? docLang) ?? []), i]));
        for (const [l, idx] of groups) {
          const r = await cachedEncode(eng.encoder, cache, idx.map((i) => sents[i].text), l);
          idx.forEach((i, j) => (concepts[i] = r.vectors[j]));
        }
        let output: { concepts: Float32Array[]; texts: string[] } | undefined;
        if (runId !== undefined && runId !== null) {
          const r = store.runs.get(runId);
          if (!r || r.documentId !== documentId) throw apiError('NOT_FOUND', `Document ${documentId} has no run ${runId}.`);
          const o = r.output as StoredOutput | null;
          if (o?.concepts?.length && o.dim === eng.encoder.dim) {
            output = { concepts: o.concepts.map(b64ToVec), texts: o.sentences.map((s) => s.text) };
          }
        }
        return buildConceptMap({ concepts, texts: sents.map((s) => s.text) }, output);
      } catch (e) {
        throw toApiError(e);
      }
    },

    async checkRun(req) {
      try {
        requireLang(req.targetLang, 'target language');
        if (req.sourceLang) requireLang(req.sourceLang, 'source language');
        const sonar = sonarPack();
        assertCacheDim(store.concepts, sonar.pack.json.space, sonar.pack.json.dim);
        const candidate = req.task !== 'translate' ? lcmPack(sonar.pack, req.lcmPack) : null;
        const choice = chooseMethod({ requested: req.method ?? 'auto', task: req.task, hasLcm: !!candidate, sonarQuality: quality(sonar.pack), lcmQuality: candidate ? quality(candidate.pack) : null });
        const needs = choice.used === 'lcm';
        const lcm = needs ? candidate : null;
        if (needs && !lcm) {
          throw apiError('PACK_MISSING', `"${req.task}"${req.task === 'summarize' ? ' with --method lcm' : ''} needs an LCM pack, and none ` +
            `is installed for the concept space "${sonar.pack.json.space}". Pass --pack with a Base or Two-Tower LCM pack` +
            (req.task === 'summarize' ? ', or use --method extractive.' : '.'));
        }
        if (req.load) {
          // open the graphs now: a damaged pack fails here, before anything is imported
          await sonarEngine(sonar.pack);
          if (lcm) await lcmEngine(lcm.pack);
        }
        return { sonar: info(sonar.pack, sonar.bundled, true), lcm: lcm ? info(lcm.pack, lcm.bundled, true) : null, method: choice };
      } catch (e) {
        throw toApiError(e);
      }
    },

    async runText(r) {
      try {
        requireLang(r.lang, 'source language');
        requireLang(r.targetLang, 'target language');
        const sonar = sonarPack();
        assertCacheDim(store.concepts, sonar.pack.json.space, sonar.pack.json.dim);
        const candidate = r.task !== 'translate' ? lcmPack(sonar.pack, r.lcmPack) : null;
        const choice = chooseMethod({ requested: r.method ?? 'auto', task: r.task, hasLcm: !!candidate, sonarQuality: quality(sonar.pack), lcmQuality: candidate ? quality(candidate.pack) : null });
        const method = choice.used;
        const lcmP = method === 'lcm' ? candidate : null;
        const eng = await sonarEngine(sonar.pack);
        const lcm = lcmP ? await lcmEngine(lcmP.pack) : null;
        const ctx: TaskContext = {
          encoder: eng.encoder,
          decoder: eng.decoder,
          cache: storeConceptCache(store.concepts, eng.encoder.dim),
          generator: lcm?.generator ?? null,
          signal: r.signal,
          onProgress: r.onProgress,
          ...(opts.decoding?.beam ? { beam: opts.decoding.beam } : {}),
        };
        const doc: SourceDocument = { sentences: r.sentences, lang: r.lang };
        if (r.fidelity) ctx.fidelity = thresholds(sonar.pack);
        const o = { targetLang: r.targetLang, length: r.length, seed: r.seed };
        if (r.task === 'summarize') return await summarize(doc, ctx, { ...o, method });
        if (r.task === 'expand') return await expand(doc, ctx, o);
        if (r.task === 'continue') return await continueText(doc, ctx, o);
        return await translate(doc, ctx, { targetLang: r.targetLang });
      } catch (e) {
        throw toApiError(e);
      }
    },

    async encodeSentences(texts, lang, o = {}) {
      try {
        requireLang(lang, 'language');
        const sonar = sonarPack();
        assertCacheDim(store.concepts, sonar.pack.json.space, sonar.pack.json.dim);
        const t0 = performance.now();
        const eng = await sonarEngine(sonar.pack);
        const t1 = performance.now();
        const r = await cachedEncode(eng.encoder, storeConceptCache(store.concepts, eng.encoder.dim), texts, lang, { signal: o.signal });
        const t2 = performance.now();
        return {
          vectors: r.vectors, hits: r.hits, misses: r.misses, space: eng.encoder.space, dim: eng.encoder.dim,
          pack: packVersion(sonar.pack), timings: { load: t1 - t0, encode: t2 - t1 },
        };
      } catch (e) {
        throw toApiError(e);
      }
    },

    async decodeVectors(vectors, lang, o = {}) {
      try {
        requireLang(lang, 'language');
        const sonar = sonarPack();
        for (const [i, v] of vectors.entries()) {
          if (v.length !== sonar.pack.json.dim) {
            throw apiError('PACK_DIM_MISMATCH', `Vector ${i} has ${v.length} values but the SONAR pack ${sonar.pack.json.name} decodes ` +
              `${sonar.pack.json.dim}-dimensional concepts.`);
          }
        }
        const eng = await sonarEngine(sonar.pack);
        return await eng.decoder.decode(vectors, lang, { signal: o.signal, beam: o.beam ?? opts.decoding?.beam });
      } catch (e) {
        throw toApiError(e);
      }
    },
  };
}
