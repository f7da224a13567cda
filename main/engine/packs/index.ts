export * from './errors.js';
export * from './schema.js';
export * from './load.js';

import type { LoadedPack } from './load.js';

/** A pack as the API shows it (structurally the API contract's PackInfo; the engine does not import the API). */
export interface PackSummary {
  name: string;
  kind: 'sonar' | 'lcm';
  variant?: string;
  space: string;
  dim: number;
  license: string;
  description: string;
  path: string;
  bytes: number;
  languagesTrained: string[];
  verified: 'ok' | 'failed' | 'unchecked';
  problems: string[];
  bundled: boolean;
}

type PackInfo = PackSummary;

/** The API's view of a pack. */
export function toPackInfo(pack: LoadedPack, opts: { bundled?: boolean; verified?: PackInfo['verified']; problems?: string[] } = {}): PackInfo {
  const j = pack.json;
  const trained = j.kind === 'sonar' ? Object.keys(j.languages_trained ?? {}) : [];
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
  };
}
