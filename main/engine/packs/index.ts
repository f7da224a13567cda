export * from './errors.js';
export * from './schema.js';
export * from './load.js';
export * from './decoding-quality.js';

import type { LoadedPack } from './load.js';
import type { PackInfo } from '../types.js';
import { parseDecodingQuality } from './decoding-quality.js';

/** The API's view of a pack. */
export function toPackInfo(pack: LoadedPack, opts: { bundled?: boolean; verified?: PackInfo['verified']; problems?: string[] } = {}): PackInfo {
  const j = pack.json;
  const trained = j.kind === 'sonar' ? Object.keys(j.languages_trained ?? {}) : [];
  const decoding = j.kind === 'sonar' ? parseDecodingQuality(j.decoding_quality) : null;
  return {
    name: j.name,
    kind: j.kind,
    variant: j.kind === 'lcm' ? j.variant : undefined,
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
