/**
 * Packs: where they are looked for (the service's folders, the bundled packs, the user's folder), which SONAR and LCM
 * pack a run uses (settings activeSonar/activeLcm, else the first that fits), their weights checked before first use,
 * and the API's pack methods (list, import, verify, remove).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { discoverPacks, loadPack, toPackInfo, verifyPack, BUNDLED_PACKS_DIR, type LoadedPack } from '../engine/packs/index.js';
import { fidelityThresholds, packQuality } from '../engine/packs/quality.js';
import { PackVerifier, type HashEntry } from '../engine/packs/verified.js';
import { DEFAULT_FIDELITY } from '../engine/tasks/index.js';
import type { Store } from '../store/index.js';
import type { ConceptApi, PackInfo, Settings } from './contract.js';
import { apiError, toApiError } from './errors.js';
import type { ServiceOptions } from './options.js';
import { expandHome } from './settings.js';

/** name@version of a pack (name@ the first 8 hex digits of its pack.json's sha256 when it states no version). */
export function packVersion(pack: LoadedPack): string {
  const v = (pack.json as { version?: unknown }).version;
  if (typeof v === 'string' && v) return `${pack.json.name}@${v}`;
  const h = createHash('sha256').update(readFileSync(join(pack.dir, 'pack.json'))).digest('hex').slice(0, 8);
  return `${pack.json.name}@${h}`;
}

export type PackRegistry = ReturnType<typeof createPackRegistry>;

export function createPackRegistry(d: { opts: ServiceOptions; store: Store; settings: () => Settings }) {
  const { opts, store, settings } = d;
  const packFolders = (): { path: string; bundled: boolean }[] => {
    const out: { path: string; bundled: boolean }[] = [];
    const bundled = opts.bundledPackDir ? resolve(opts.bundledPackDir) : opts.packDirs ? null : BUNDLED_PACKS_DIR;
    for (const d of opts.packDirs ?? []) out.push({ path: resolve(d), bundled: bundled !== null && resolve(d) === bundled });
    if (bundled && !out.some((o) => o.path === bundled)) out.push({ path: bundled, bundled: true });
    const user = settings().userPackDir;
    if (user) out.push({ path: resolve(user), bundled: false });
    return out;
  };
  const verified = new Map<string, { verified: PackInfo['verified']; problems: string[] }>();
  const discovered = () => discoverPacks(packFolders());
  // Weights are hash-checked before first use; digests cached by size+mtime in the store (engine/packs/verified.ts).
  const verifier = new PackVerifier({
    load: () => store.settings.get<Record<string, HashEntry>>('packHashes'),
    save: (entries) => store.settings.set('packHashes', entries),
  });
  const checkWeights = async (pack: LoadedPack, force = false): Promise<void> => {
    try {
      await verifier.assert(pack, { force });
      verified.set(pack.dir, { verified: 'ok', problems: [] });
    } catch (e) {
      verified.set(pack.dir, { verified: 'failed', problems: [(e as Error).message] });
      throw e;
    }
  };
  const quality = (p: LoadedPack) => packQuality(p.json as Record<string, unknown>);
  const thresholds = (p: LoadedPack) => fidelityThresholds(p.json as Record<string, unknown>, DEFAULT_FIDELITY);
  const info = (p: LoadedPack, bundled: boolean, active?: boolean): PackInfo => {
    const base = toPackInfo(p, { bundled, ...(verified.get(p.dir) ?? {}) }) as PackInfo;
    const out: PackInfo = { ...base, quality: quality(p) };
    if (p.json.kind === 'sonar') {
      const t = thresholds(p);
      out.fidelity = { threshold: t.threshold, good: t.good, source: t.source };
    }
    if (active !== undefined) out.active = active;
    return out;
  };

  function sonarPack(): { pack: LoadedPack; bundled: boolean } {
    const all = discovered();
    const want = settings().activeSonar;
    const ok = (want ? all.find((d) => d.pack?.json.kind === 'sonar' && d.pack.json.name === want) : undefined)
      ?? all.find((d) => d.pack?.json.kind === 'sonar');
    if (ok?.pack) return { pack: ok.pack, bundled: ok.bundled };
    const broken = all.filter((d) => d.error);
    const folders = packFolders().map((f) => f.path).join(', ') || '(none)';
    if (broken.length) {
      const e = broken[0].error!;
      throw apiError(e.code, `No usable SONAR pack: ${e.message}`);
    }
    throw apiError('PACK_MISSING', `No SONAR pack is installed (searched ${folders}). Install one (models/mini/sonar, or ` +
      '`concept packs import DIR`), or pass --pack DIR.');
  }

  function lcmPack(sonar: LoadedPack, name?: string): { pack: LoadedPack; bundled: boolean } | null {
    const all = discovered().filter((d) => d.pack?.json.kind === 'lcm');
    if (name) {
      const m = all.find((d) => d.pack!.json.name === name);
      if (!m) {
        const names = all.map((d) => d.pack!.json.name).join(', ') || 'none';
        throw apiError('PACK_MISSING', `No LCM pack named "${name}" is installed (installed: ${names}).`);
      }
      const j = m.pack!.json;
      if (j.space !== sonar.json.space) {
        throw apiError('PACK_SPACE_MISMATCH', `The LCM pack ${j.name} works in the space "${j.space}" but the SONAR pack ` +
          `${sonar.json.name} encodes into "${sonar.json.space}"; pick an LCM pack of the same space.`);
      }
      if (j.dim !== sonar.json.dim) {
        throw apiError('PACK_DIM_MISMATCH', `The LCM pack ${j.name} has dimension ${j.dim}, the SONAR pack ${sonar.json.name} ${sonar.json.dim}.`);
      }
      return { pack: m.pack!, bundled: m.bundled };
    }
    const fits = all.filter((d) => d.pack!.json.space === sonar.json.space && d.pack!.json.dim === sonar.json.dim);
    const want = settings().activeLcm;
    const m = (want ? fits.find((d) => d.pack!.json.name === want) : undefined) ?? fits[0];
    return m ? { pack: m.pack!, bundled: m.bundled } : null;
  }

  function lcmPackSafe(sonar: LoadedPack) {
    try {
      return lcmPack(sonar);
    } catch {
      return null;
    }
  }

  return { packFolders, discovered, verified, checkWeights, quality, thresholds, info, sonarPack, lcmPack, lcmPackSafe };
}

export function packsApi(
  reg: PackRegistry,
  deps: {
    opts: ServiceOptions;
    store: Store;
    settings: () => Settings;
    /** a run is in progress (a pack is not removed under it) */
    busy: () => boolean;
    /** close the models opened from a pack folder */
    closeEngines: (dir: string) => Promise<void>;
  },
): Pick<ConceptApi, 'packs' | 'importPack' | 'removePack' | 'verifyPack'> {
  const { opts, store, settings } = deps;
  const { discovered, verified, checkWeights, info, sonarPack, lcmPackSafe } = reg;
  return {
    async packs() {
      let activeDirs = new Set<string>();
      try {
        const sp = sonarPack();
        activeDirs = new Set([sp.pack.dir, ...(lcmPackSafe(sp.pack) ? [lcmPackSafe(sp.pack)!.pack.dir] : [])]);
      } catch {
        /* no usable SONAR pack: none is active */
      }
      const found = discovered();
      // a listed pack is verified (from the digest cache after the first time), so "ok" means its weights are intact
      for (const d of found) if (d.pack) await checkWeights(d.pack).catch(() => undefined);
      return found.map((d) => {
        if (d.pack) return info(d.pack, d.bundled, activeDirs.has(d.pack.dir));
        let kind: 'sonar' | 'lcm' = 'sonar';
        let name = basename(d.dir);
        try {
          const j = JSON.parse(readFileSync(join(d.dir, 'pack.json'), 'utf8'));
          if (j.kind === 'lcm') kind = 'lcm';
          if (typeof j.name === 'string') name = j.name;
        } catch {
          /* the error says it */
        }
        return {
          name, kind, space: '', dim: 0, license: '', description: '', path: d.dir, bytes: 0, languagesTrained: [],
          verified: 'failed', problems: [d.error!.message], bundled: d.bundled,
        } satisfies PackInfo;
      });
    },

    async importPack(path) {
      try {
        if (typeof path !== 'string' || !path.trim()) throw apiError('INVALID_REQUEST', 'importPack needs the path of a pack folder.');
        const src = loadPack(resolve(expandHome(path)));
        const same = discovered().find((d) => d.pack?.json.name === src.json.name && d.dir !== src.dir);
        if (same) {
          throw apiError('PACK_EXISTS', `A pack named "${src.json.name}" is already installed (${same.dir}). Remove it in ` +
            'Models & settings first, or give the new pack another name in its pack.json.');
        }
        const res = await verifyPack(src);
        if (!res.ok) throw apiError(res.problems[0].code, `The pack ${src.json.name} is damaged: ${res.problems.map((p) => p.message).join('; ')}`);
        const user = settings().userPackDir ?? (opts.dataDir ? join(opts.dataDir, 'models') : null);
        if (!user) throw apiError('INVALID_REQUEST', 'No user pack folder is set (settings.userPackDir).');
        const dest = join(resolve(user), src.json.name.replace(/[^\w.-]+/g, '_'));
        if (resolve(dest) !== src.dir) {
          if (existsSync(dest)) throw apiError('PACK_EXISTS', `A pack is already installed at ${dest}; remove it first.`);
          await mkdir(resolve(user), { recursive: true });
          await cp(src.dir, dest, { recursive: true });
        }
        if (!settings().userPackDir) store.settings.set('settings', { ...(store.settings.get<object>('settings') ?? {}), userPackDir: resolve(user) });
        const p = loadPack(dest);
        verified.set(p.dir, { verified: 'ok', problems: [] });
        return info(p, false);
      } catch (e) {
        throw toApiError(e);
      }
    },

    async removePack(name) {
      try {
        if (typeof name !== 'string' || !name) throw apiError('INVALID_REQUEST', 'removePack needs a pack name.');
        const all = discovered();
        const d = all.find((x) => x.pack?.json.name === name) ?? all.find((x) => basename(x.dir) === name || x.dir === resolve(name));
        if (!d) throw apiError('PACK_MISSING', `No pack named "${name}" is installed.`);
        if (d.bundled) throw apiError('PACK_BUNDLED', `${name} comes with the app and cannot be removed.`);
        const user = settings().userPackDir ?? (opts.dataDir ? join(opts.dataDir, 'models') : null);
        const rel = user ? relative(resolve(user), d.dir) : '..';
        if (!user || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
          throw apiError('PACK_NOT_REMOVABLE', `${name} was not imported into the app's pack folder (${d.dir}); remove it there by hand.`);
        }
        if (deps.busy()) throw apiError('BUSY', 'A run is in progress; remove the pack when it has finished.');
        await deps.closeEngines(d.dir);
        await rm(d.dir, { recursive: true, force: true });
        verified.delete(d.dir);
        const s = settings();
        const patch: Partial<Settings> = {};
        if (s.activeSonar === name) patch.activeSonar = null;
        if (s.activeLcm === name) patch.activeLcm = null;
        if (Object.keys(patch).length) store.settings.set('settings', { ...(store.settings.get<object>('settings') ?? {}), ...patch });
      } catch (e) {
        throw toApiError(e);
      }
    },

    async verifyPack(name) {
      try {
        const all = discovered();
        const d = all.find((x) => x.pack?.json.name === name || x.dir === resolve(name));
        if (!d) {
          // a pack that fails to load is still found by the name its pack.json gives: "No pack named mini-sonar is
          // installed" for an installed but broken pack sent people looking in the wrong place (issue 11)
          const declaredName = (dir: string) => {
            try {
              return (JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8')) as { name?: unknown }).name;
            } catch {
              return undefined;
            }
          };
          const bad = all.find((x) => x.error && (basename(x.dir) === name || x.dir === resolve(name) || declaredName(x.dir) === name));
          if (bad?.error) throw apiError(bad.error.code, bad.error.message);
          throw apiError('PACK_MISSING', `No pack named "${name}" is installed (installed: ${all.map((x) => x.pack?.json.name ?? basename(x.dir)).join(', ') || 'none'}).`);
        }
        if (!d.pack) throw apiError(d.error!.code, d.error!.message);
        await checkWeights(d.pack, true).catch(() => undefined); // the result is in `verified`
        return info(d.pack, d.bundled);
      } catch (e) {
        throw toApiError(e);
      }
    },
  };
}
