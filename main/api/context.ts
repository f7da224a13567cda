/**
 * What every concern of the service shares (service.ts builds it once): the options, the store, settings, events,
 * the pack registry and the engines. Each concern module (documents, runs, packs, settings, text) takes this and
 * returns its slice of the API.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ApiEvent, Settings } from './contract.js';

export type { ServiceOptions } from './options.js';
import { toApiError } from './errors.js';
export { requireLang } from './languages.js';
import type { Store } from '../store/index.js';
import type { LoadedPack } from '../engine/packs/index.js';
import type { Engines } from './engines.js';
import type { ServiceOptions } from './options.js';
import type { PackRegistry } from './packs.js';

export interface ServiceContext {
  readonly opts: ServiceOptions;
  readonly store: Store;
  /** the saved settings over the defaults and the options */
  settings(): Settings;
  /** merge a patch into the saved settings (no validation: settings.ts validates what users send) */
  saveSettings(patch: Partial<Settings>): void;
  emit(ev: ApiEvent): void;
  readonly packs: PackRegistry;
  readonly engines: Engines;
  /** runs in progress, by request id (packs refuse removal while any is) */
  readonly activeRuns: () => number;
}

/** `~` and `~/…` in a typed path mean the home folder. */
export function expandHome(p: string): string {
  const t = p.trim();
  if (t === '~') return homedir();
  if (t.startsWith('~/') || t.startsWith('~\\')) return join(homedir(), t.slice(2));
  return t;
}


/** name@version, or name@ the first 8 hex of pack.json's sha256 when the pack has no version. */
export function packVersion(pack: LoadedPack): string {
  const v = (pack.json as { version?: unknown }).version;
  if (typeof v === 'string' && v) return `${pack.json.name}@${v}`;
  const h = createHash('sha256').update(readFileSync(join(pack.dir, 'pack.json'))).digest('hex').slice(0, 8);
  return `${pack.json.name}@${h}`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Every API method reports failures as ApiErrors: run `fn`, converting whatever it throws. */
export async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toApiError(e);
  }
}
