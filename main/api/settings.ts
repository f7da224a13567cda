/**
 * Settings: the stored preferences over their defaults and the service options, and the one place a patch is
 * validated (setSettings). A change of provider or threads reopens the models (the caller's onRuntimeChange).
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Store } from '../store/index.js';
import type { ConceptApi, Settings } from './contract.js';
import { apiError, toApiError } from './errors.js';
import { requireLang } from './languages.js';
import type { ServiceOptions } from './options.js';

const DEFAULT_SETTINGS: Settings = {
  provider: 'auto',
  threads: 0,
  theme: 'system',
  uiLanguage: null,
  recentLanguages: [],
  userPackDir: null,
  activeSonar: null,
  activeLcm: null,
  firstRunDismissed: false,
};

/** `~` and `~/…` in a typed path mean the home folder. */
export function expandHome(p: string): string {
  const t = p.trim();
  if (t === '~') return homedir();
  if (t.startsWith('~/') || t.startsWith('~\\')) return join(homedir(), t.slice(2));
  return t;
}

const PROVIDERS = new Set(['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu']);

/** The settings in force: what was saved, else what the service was opened with, else the defaults. */
export function readSettings(store: Store, opts: ServiceOptions): Settings {
  const saved = store.settings.get<Partial<Settings>>('settings') ?? {};
  const s: Settings = { ...DEFAULT_SETTINGS, ...saved };
  if (!saved.provider && opts.provider) s.provider = opts.provider;
  if (saved.threads === undefined && opts.threads !== undefined) s.threads = opts.threads;
  if (!saved.userPackDir && opts.userPackDir) s.userPackDir = opts.userPackDir;
  return s;
}

/** Validate one setting of a patch and write it into `next`; unknown keys and bad values are INVALID_REQUEST. */
function applySetting(next: Settings, k: string, v: unknown, packExists: (kind: 'sonar' | 'lcm', name: string) => boolean): void {
  switch (k) {
    case 'provider':
      if (!PROVIDERS.has(v as string)) throw apiError('INVALID_REQUEST', `Unknown provider "${v}"; use ${[...PROVIDERS].join(', ')}.`);
      next.provider = v as Settings['provider'];
      break;
    case 'threads':
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 256) throw apiError('INVALID_REQUEST', 'threads is a whole number from 0 (automatic) to 256.');
      next.threads = v as number;
      break;
    case 'theme':
      if (!['system', 'light', 'dark'].includes(v as string)) throw apiError('INVALID_REQUEST', 'theme is system, light or dark.');
      next.theme = v as Settings['theme'];
      break;
    case 'uiLanguage':
      if (v !== null && typeof v !== 'string') throw apiError('INVALID_REQUEST', 'uiLanguage is a language tag or null.');
      next.uiLanguage = v as string | null;
      break;
    case 'recentLanguages':
      if (!Array.isArray(v)) throw apiError('INVALID_REQUEST', 'recentLanguages is a list of language codes.');
      for (const l of v) requireLang(l, 'language');
      next.recentLanguages = [...new Set(v as string[])].slice(0, 16);
      break;
    case 'userPackDir': {
      if (v !== null && typeof v !== 'string') throw apiError('INVALID_REQUEST', 'userPackDir is a folder path or null.');
      const dir = typeof v === 'string' && v.trim() ? resolve(expandHome(v)) : null;
      if (dir && existsSync(dir) && !statSync(dir).isDirectory()) throw apiError('INVALID_REQUEST', `${dir} is not a folder.`);
      next.userPackDir = dir;
      break;
    }
    case 'activeSonar':
    case 'activeLcm': {
      if (v !== null && typeof v !== 'string') throw apiError('INVALID_REQUEST', `${k} is a pack name or null.`);
      if (v) {
        const kind = k === 'activeSonar' ? 'sonar' : 'lcm';
        if (!packExists(kind, v as string)) throw apiError('PACK_MISSING', `No ${kind === 'sonar' ? 'SONAR' : 'LCM'} pack named "${v}" is installed.`);
      }
      next[k] = (v as string | null) || null;
      break;
    }
    case 'firstRunDismissed':
      if (typeof v !== 'boolean') throw apiError('INVALID_REQUEST', 'firstRunDismissed is true or false.');
      next.firstRunDismissed = v;
      break;
    default:
      throw apiError('INVALID_REQUEST', `Unknown setting "${k}".`);
  }
}

export function settingsApi(d: {
  store: Store;
  opts: ServiceOptions;
  packExists: (kind: 'sonar' | 'lcm', name: string) => boolean;
  onRuntimeChange: () => Promise<void>;
}): Pick<ConceptApi, 'getSettings' | 'setSettings'> {
  const { store } = d;
  const settings = () => readSettings(store, d.opts);
  return {
    async getSettings() {
      try {
        return settings();
      } catch (e) {
        throw toApiError(e);
      }
    },

    async setSettings(patch) {
      try {
        if (!patch || typeof patch !== 'object') throw apiError('INVALID_REQUEST', 'setSettings needs an object.');
        const cur = settings();
        const next: Settings = { ...cur };
        for (const [k, v] of Object.entries(patch)) applySetting(next, k, v, d.packExists);
        store.settings.set('settings', next);
        if (next.provider !== cur.provider || next.threads !== cur.threads) await d.onRuntimeChange();
        return next;
      } catch (e) {
        throw toApiError(e);
      }
    },
  };
}
