/** Settings: defaults, what the options preset, and the one validated way users change them. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Settings } from './contract.js';
import { apiError } from './errors.js';
import { expandHome, guarded, requireLang, type ServiceContext, type ServiceOptions } from './context.js';
import type { Store } from '../store/index.js';

export const DEFAULT_SETTINGS: Settings = {
  provider: 'auto',
  threads: 0,
  theme: 'system',
  uiLanguage: null,
  recentLanguages: [],
  userPackDir: null,
  activeSonar: null,
  activeLcm: null,
  firstRunDismissed: false,
  rerank: 'pack',
};

const PROVIDERS = new Set(['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu']);

/** The saved settings over the defaults; options fill what the user never set. */
export function readSettings(store: Store, opts: ServiceOptions): Settings {
  const saved = store.settings.get<Partial<Settings>>('settings') ?? {};
  const s: Settings = { ...DEFAULT_SETTINGS, ...saved };
  if (!saved.provider && opts.provider) s.provider = opts.provider;
  if (saved.threads === undefined && opts.threads !== undefined) s.threads = opts.threads;
  if (!saved.userPackDir && opts.userPackDir) s.userPackDir = opts.userPackDir;
  return s;
}

/**
 * The decoding choices of a run: the service options' (CLI flags, tests) win, then the user's setting; what neither
 * sets is the pack's own default (pack.json `decoding`).
 */
export function decodingChoice(ctx: Pick<ServiceContext, 'opts' | 'settings'>): { beam?: number; rerank?: boolean } {
  const d = ctx.opts.decoding ?? {};
  const setting = ctx.settings().rerank ?? 'pack';
  const rerank = d.rerank ?? (setting === 'pack' ? undefined : setting === 'on');
  return { ...(d.beam ? { beam: d.beam } : {}), ...(rerank !== undefined ? { rerank } : {}) };
}

export function saveSettingsPatch(store: Store, patch: Partial<Settings>): void {
  store.settings.set('settings', { ...(store.settings.get<object>('settings') ?? {}), ...patch });
}

/** One setting checked and applied to `next` (an ApiError in the user's words when the value is wrong). */
function applySetting(ctx: ServiceContext, next: Settings, k: string, v: unknown): void {
  switch (k) {
    case 'provider':
      if (!PROVIDERS.has(v as string)) throw apiError('INVALID_REQUEST', `Unknown provider "${v}"; use ${[...PROVIDERS].join(', ')}.`);
      next.provider = v as Settings['provider'];
      return;
    case 'threads':
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 256) throw apiError('INVALID_REQUEST', 'threads is a whole number from 0 (automatic) to 256.');
      next.threads = v as number;
      return;
    case 'theme':
      if (!['system', 'light', 'dark'].includes(v as string)) throw apiError('INVALID_REQUEST', 'theme is system, light or dark.');
      next.theme = v as Settings['theme'];
      return;
    case 'uiLanguage':
      if (v !== null && typeof v !== 'string') throw apiError('INVALID_REQUEST', 'uiLanguage is a language tag or null.');
      next.uiLanguage = v as string | null;
      return;
    case 'recentLanguages':
      if (!Array.isArray(v)) throw apiError('INVALID_REQUEST', 'recentLanguages is a list of language codes.');
      for (const l of v) requireLang(l, 'language');
      next.recentLanguages = [...new Set(v as string[])].slice(0, 16);
      return;
    case 'userPackDir': {
      if (v !== null && typeof v !== 'string') throw apiError('INVALID_REQUEST', 'userPackDir is a folder path or null.');
      const dir = typeof v === 'string' && v.trim() ? resolve(expandHome(v)) : null;
      if (dir && existsSync(dir) && !statSync(dir).isDirectory()) throw apiError('INVALID_REQUEST', `${dir} is not a folder.`);
      next.userPackDir = dir;
      return;
    }
    case 'activeSonar':
    case 'activeLcm': {
      if (v !== null && typeof v !== 'string') throw apiError('INVALID_REQUEST', `${k} is a pack name or null.`);
      if (v) {
        const kind = k === 'activeSonar' ? 'sonar' : 'lcm';
        const found = ctx.packs.discovered().find((d) => d.pack?.json.kind === kind && d.pack.json.name === v);
        if (!found) throw apiError('PACK_MISSING', `No ${kind === 'sonar' ? 'SONAR' : 'LCM'} pack named "${v}" is installed.`);
      }
      next[k] = (v as string | null) || null;
      return;
    }
    case 'rerank':
      if (!['pack', 'on', 'off'].includes(v as string)) throw apiError('INVALID_REQUEST', 'rerank is pack (the SONAR pack decides), on or off.');
      next.rerank = v as NonNullable<Settings['rerank']>;
      return;
    case 'firstRunDismissed':
      if (typeof v !== 'boolean') throw apiError('INVALID_REQUEST', 'firstRunDismissed is true or false.');
      next.firstRunDismissed = v;
      return;
    default:
      throw apiError('INVALID_REQUEST', `Unknown setting "${k}".`);
  }
}

export function settingsApi(ctx: ServiceContext) {
  return {
    getSettings: () => guarded(() => ctx.settings()),

    setSettings: (patch: Partial<Settings>) => guarded(async () => {
      if (!patch || typeof patch !== 'object') throw apiError('INVALID_REQUEST', 'setSettings needs an object.');
      const cur = ctx.settings();
      const next: Settings = { ...cur };
      for (const [k, v] of Object.entries(patch)) applySetting(ctx, next, k, v);
      ctx.store.settings.set('settings', next);
      // sessions are created with the provider and thread count: reopen them lazily with the new ones
      if (next.provider !== cur.provider || next.threads !== cur.threads) await ctx.engines.drop();
      return next;
    }),

    /** remember a target language at the front of the recent list (never fails a run) */
    rememberLanguage(lang: string): void {
      try {
        const s = ctx.settings();
        const recent = [lang, ...s.recentLanguages.filter((l) => l !== lang)].slice(0, 8);
        if (recent.join() !== s.recentLanguages.join()) saveSettingsPatch(ctx.store, { recentLanguages: recent });
      } catch {
        /* not worth failing a run for */
      }
    },
  };
}
