export * from './errors.js';
export * from './schema.js';
export * from './load.js';
export * from './decoding-quality.js';

import type { LoadedPack } from './load.js';
import type { PackInfo } from '../types.js';
import { parseDecodingQuality } from './decoding-quality.js';

/**
 * A SONAR pack's weight variant: what the app's converter recorded (`converter.variant`), else what a pack written by
 * tools/convert_sonar.py says of its weights (`quantization`: int8, `precision`: fp16); none for a trained pack.
 */
export function sonarVariant(json: object): 'fp32' | 'fp16' | 'int8' | undefined {
  const j = json as { converter?: { variant?: unknown }; quantization?: unknown; precision?: unknown };
  const v = j.converter?.variant;
  if (v === 'fp32' || v === 'fp16' || v === 'int8') return v;
  if (j.quantization) return 'int8';
  if (j.precision) return 'fp16';
  return undefined;
}

/** The API's view of a pack. */
export function toPackInfo(pack: LoadedPack, opts: { bundled?: boolean; verified?: PackInfo['verified']; problems?: string[] } = {}): PackInfo {
  const j = pack.json;
  const trained = j.kind === 'sonar' ? Object.keys(j.languages_trained ?? {}) : [];
  const decoding = j.kind === 'sonar' ? parseDecodingQuality(j.decoding_quality) : null;
  return {
    name: j.name,
    kind: j.kind,
    variant: j.kind === 'lcm' ? j.variant : sonarVariant(j),
    space: j.space,
    dim: j.dim,
    license: j.license,
    description: j.description,
    path: pack.dir,
    bytes: pack.bytes,
    languagesTrained: trained,
    verified: opts.verified ?? 'unchecked',
    problems: opts.problems ?? [],
    bundled: opts.bundled ?? false,
    ...(decoding ? { decodingQuality: decoding } : {}),
  };
}
