/**
 * Engine-worker handlers for SONAR (load with `EngineHost.start({ handlerModules: [SONAR_HANDLERS] })`, or use
 * SonarClient). The models live in the worker's state, keyed by the caller's choice (default: the pack folder).
 */
import type { Handlers, HandlerContext } from '../runtime/protocol.js';
import type { SessionConfig, ProviderReport } from '../runtime/session.js';
import type { DecodeOptions } from './beam.js';
import type { EncodeOptions } from './encoder.js';
import { SonarModel, type TextDecodeOptions } from './model.js';

export interface SonarOpenResult {
  key: string;
  name: string;
  space: string;
  dim: number;
  languages: string[];
  languagesTrained: string[];
  maxPositions: number;
  providers: { encoder?: ProviderReport; decoder?: ProviderReport };
}

type WireEncodeOptions = Omit<EncodeOptions, 'signal' | 'onProgress'>;
type WireDecodeOptions = Omit<DecodeOptions, 'signal' | 'onProgress'>;
type WireTextDecodeOptions = Omit<TextDecodeOptions, 'signal' | 'onProgress'>;

const PREFIX = 'sonar.model:';

function model(ctx: HandlerContext, key: string): SonarModel {
  const m = ctx.state.get(PREFIX + key) as SonarModel | undefined;
  if (!m) throw Object.assign(new Error(`SONAR model '${key}' is not loaded in the engine worker`), { code: 'MODEL_NOT_LOADED' });
  return m;
}

export const handlers: Handlers = {
  'sonar.open': async (p: { dir: string; key?: string; config?: SessionConfig }, ctx): Promise<SonarOpenResult> => {
    const key = p.key ?? p.dir;
    const old = ctx.state.get(PREFIX + key) as SonarModel | undefined;
    if (old) {
      ctx.state.delete(PREFIX + key);
      await old.dispose();
    }
    const m = await SonarModel.load(p.dir, p.config ?? {});
    ctx.state.set(PREFIX + key, m);
    const j = m.pack.json;
    return {
      key,
      name: j.name,
      space: j.space,
      dim: j.dim,
      languages: [...j.tokenizer.languages],
      languagesTrained: Object.keys(j.languages_trained ?? {}),
      maxPositions: m.decoder.spec.maxPositions,
      providers: m.providers,
    };
  },

  'sonar.close': async (p: { key: string }, ctx) => {
    const m = ctx.state.get(PREFIX + p.key) as SonarModel | undefined;
    ctx.state.delete(PREFIX + p.key);
    await m?.dispose();
    return { closed: !!m };
  },

  'sonar.tokenize': (p: { key: string; texts: string[]; lang: string | string[] }, ctx) => {
    const m = model(ctx, p.key);
    return p.texts.map((t, i) => m.tokenize(t, typeof p.lang === 'string' ? p.lang : p.lang[i]));
  },

  'sonar.encodeIds': (p: { key: string; seqs: number[][]; options?: WireEncodeOptions }, ctx) =>
    model(ctx, p.key).encodeIds(p.seqs, { ...p.options, signal: ctx.signal, onProgress: (pr) => ctx.progress(pr) }),

  'sonar.encodeTexts': (p: { key: string; texts: string[]; lang: string | string[]; options?: WireEncodeOptions }, ctx) =>
    model(ctx, p.key).encodeTexts(p.texts, p.lang, { ...p.options, signal: ctx.signal, onProgress: (pr) => ctx.progress(pr) }),

  'sonar.decodeIds': (p: { key: string; embeddings: Float32Array[]; lang: string | string[]; options?: WireDecodeOptions }, ctx) =>
    model(ctx, p.key).decodeIds(p.embeddings, p.lang, { ...p.options, signal: ctx.signal, onProgress: (pr) => ctx.progress(pr) }),

  'sonar.decodeTexts': (p: { key: string; embeddings: Float32Array[]; lang: string | string[]; options?: WireTextDecodeOptions }, ctx) =>
    model(ctx, p.key).decodeTexts(p.embeddings, p.lang, { ...p.options, signal: ctx.signal, onProgress: (pr) => ctx.progress(pr) }),
};
