/**
 * Adapters from a SONAR model (in-process SonarModel, or SonarClient in the engine worker) to the tasks layer's
 * ports (engine/tasks/ports.ts: ConceptEncoder, ConceptDecoder). Typed structurally so sonar/ does not import tasks/.
 */
import type { DecodeProgress } from './beam.js';
import type { SonarClient } from './client.js';
import type { EncodeOptions } from './encoder.js';
import type { SonarModel, TextDecodeOptions } from './model.js';

type PortProgress = (done: number, total: number) => void;

export interface EncoderPort {
  readonly space: string;
  readonly dim: number;
  encode(texts: string[], lang: string, opts?: { signal?: AbortSignal; onProgress?: PortProgress }): Promise<Float32Array[]>;
}

export interface DecoderPort {
  decode(vectors: Float32Array[], lang: string, opts?: { beam?: number; rerank?: boolean; signal?: AbortSignal; onProgress?: PortProgress }): Promise<string[]>;
}

/** Encoder and decoder ports over one SONAR model; `decoding` sets defaults (greedy, maxTokens, …) for every decode. */
export function sonarPorts(model: SonarModel | SonarClient, decoding: Omit<TextDecodeOptions, 'signal' | 'onProgress'> = {}): { encoder: EncoderPort; decoder: DecoderPort } {
  const space = 'info' in model ? model.info.space : model.space;
  const dim = 'info' in model ? model.info.dim : model.dim;
  const encoder: EncoderPort = {
    space,
    dim,
    encode: (texts, lang, opts = {}) => {
      const o: EncodeOptions = { signal: opts.signal, onProgress: opts.onProgress && ((p) => opts.onProgress!(p.done, p.total)) };
      return model.encodeTexts(texts, lang, o);
    },
  };
  const decoder: DecoderPort = {
    decode: async (vectors, lang, opts = {}) => {
      const o: TextDecodeOptions = {
        ...decoding,
        ...(opts.beam !== undefined ? { beam: opts.beam } : {}),
        ...(opts.rerank !== undefined ? { rerank: opts.rerank } : {}),
        signal: opts.signal,
        onProgress: opts.onProgress && ((p: DecodeProgress) => opts.onProgress!(p.total - p.active, p.total)),
      };
      const out = await model.decodeTexts(vectors, lang, o);
      return out.map((r) => r.text);
    },
  };
  return { encoder, decoder };
}
