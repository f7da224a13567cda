/**
 * Packs: where they are searched, which SONAR and LCM packs a run uses, their verification state, and the packs API
 * (list, import, remove, verify). Weights are hash-checked before first use; digests are cached by size and mtime in
 * the store (engine/packs/verified.ts), so a verified pack opens fast.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { MethodChoice, PackInfo, PackSelftest, Settings } from './contract.js';
import { apiError } from './errors.js';
import { expandHome, guarded, type ServiceContext, type ServiceOptions } from './context.js';
import { lcmCandidates } from './lcm-choice.js';
import type { Store } from '../store/index.js';
import { discoverPacks, loadPack, toPackInfo, verifyPack, BUNDLED_PACKS_DIR, type DiscoveredPack, type LoadedPack } from '../engine/packs/index.js';
import { fidelityThresholds, packQuality } from '../engine/packs/quality.js';
import { PackVerifier, type HashEntry } from '../engine/packs/verified.js';
import { DEFAULT_FIDELITY } from '../engine/tasks/index.js';
import { packJsonSha256, readReport } from '../engine/selftest/report.js';

export interface ChosenPack {
  pack: LoadedPack;
  bundled: boolean;
}

export class PackRegistry {
  private readonly verified = new Map<string, { verified: PackInfo['verified']; problems: string[] }>();
  private readonly verifier: PackVerifier;
  private found: { key: string; value: DiscoveredPack[] } | null = null;

  constructor(private readonly opts: ServiceOptions, store: Store, private readonly settings: () => Settings) {
    this.verifier = new PackVerifier({
      load: () => store.settings.get<Record<string, HashEntry>>('packHashes'),
      save: (entries) => store.settings.set('packHashes', entries),
    });
  }

  /** Search order: the given folders, the bundled packs, the user's pack folder. */
  folders(): { path: string; bundled: boolean }[] {
    const out: { path: string; bundled: boolean }[] = [];
    const bundled = this.opts.bundledPackDir ? resolve(this.opts.bundledPackDir) : this.opts.packDirs ? null : BUNDLED_PACKS_DIR;
    for (const d of this.opts.packDirs ?? []) out.push({ path: resolve(d), bundled: bundled !== null && resolve(d) === bundled });
    if (bundled && !out.some((o) => o.path === bundled)) out.push({ path: bundled, bundled: true });
    const user = this.settings().userPackDir;
    if (user) out.push({ path: resolve(user), bundled: false });
    return out;
  }

  /**
   * Every pack found in the search folders. Cached until a folder, a pack folder or a pack.json changes (by mtime):
   * a run used to read every manifest about eight times.
   */
  discovered(): DiscoveredPack[] {
    const folders = this.folders();
    const key = discoveryKey(folders.map((f) => f.path));
    if (this.found?.key !== key) this.found = { key, value: discoverPacks(folders) };
    return this.found.value;
  }

  /** The user's pack folder (importPack copies there), or null when none is set. */
  userFolder(): string | null {
    return this.settings().userPackDir ?? (this.opts.dataDir ? join(this.opts.dataDir, 'models') : null);
  }

  async checkWeights(pack: LoadedPack, force = false): Promise<void> {
    try {
      await this.verifier.assert(pack, { force });
      this.verified.set(pack.dir, { verified: 'ok', problems: [] });
    } catch (e) {
      this.verified.set(pack.dir, { verified: 'failed', problems: [(e as Error).message] });
      throw e;
    }
  }

  markVerified(dir: string, ok: boolean): void {
    if (ok) this.verified.set(dir, { verified: 'ok', problems: [] });
    else this.verified.delete(dir);
  }

  quality(p: LoadedPack) {
    return packQuality(p.json as Record<string, unknown>);
  }

  thresholds(p: LoadedPack) {
    return fidelityThresholds(p.json as Record<string, unknown>, DEFAULT_FIDELITY);
  }

  info(p: LoadedPack, bundled: boolean, active?: boolean): PackInfo {
    const base = toPackInfo(p, { bundled, ...(this.verified.get(p.dir) ?? {}) }) as PackInfo;
    const out: PackInfo = { ...base, quality: this.quality(p) };
    if (p.json.kind === 'sonar') {
      const t = this.thresholds(p);
      out.fidelity = { threshold: t.threshold, good: t.good, source: t.source };
      const st = this.selftest(p, bundled);
      if (st) out.selftest = st;
    }
    if (active !== undefined) out.active = active;
    return out;
  }

  /**
   * Where a pack's self-test report (engine/selftest/report.ts) is kept: `selftest.json` in the pack's folder, so
   * that it travels with the pack — except for packs the app must not write into (the bundled ones, wherever they
   * are given from; read-only folders), whose report goes to the data folder's `selftest/<name>/`.
   */
  selftestDir(p: LoadedPack, bundled: boolean): string {
    const inside = (dir: string, root: string) => {
      const r = relative(resolve(root), resolve(dir));
      return r === '' || (!r.startsWith('..') && !isAbsolute(r));
    };
    const readOnly = () => {
      try {
        accessSync(p.dir, constants.W_OK);
        return false;
      } catch {
        return true;
      }
    };
    const shipped = [BUNDLED_PACKS_DIR, ...(this.opts.bundledPackDir ? [this.opts.bundledPackDir] : [])];
    if (!bundled && !shipped.some((b) => inside(p.dir, b)) && !readOnly()) return p.dir;
    return join(this.opts.dataDir ?? dirname(resolve(this.opts.dbPath)), 'selftest', p.json.name.replace(/[^\w.-]+/g, '_'));
  }

  /** The pack's last self-test report (null when none was run); `stale` when its pack.json changed since. */
  selftest(p: LoadedPack, bundled: boolean): PackSelftest | null {
    try {
      return readReport(this.selftestDir(p, bundled), packJsonSha256(p.dir));
    } catch {
      return null;
    }
  }

  /** The active SONAR pack (settings.activeSonar, else the first found). */
  sonar(): ChosenPack {
    const all = this.discovered();
    const want = this.settings().activeSonar;
    const ok = (want ? all.find((d) => d.pack?.json.kind === 'sonar' && d.pack.json.name === want) : undefined)
      ?? all.find((d) => d.pack?.json.kind === 'sonar');
    if (ok?.pack) return { pack: ok.pack, bundled: ok.bundled };
    const broken = all.filter((d) => d.error);
    const folders = this.folders().map((f) => f.path).join(', ') || '(none)';
    if (broken.length) {
      const e = broken[0].error!;
      throw apiError(e.code, `No usable SONAR pack: ${e.message}`);
    }
    throw apiError('PACK_MISSING', `No SONAR pack is installed (searched ${folders}). Install one (models/mini/sonar, or ` +
      '`concept packs import DIR`), or pass --pack DIR.');
  }

  /** The LCM pack named, or the active one that fits `sonar` (null when none fits). */
  lcm(sonar: LoadedPack, name?: string): ChosenPack | null {
    const found = this.discovered();
    const all = found.filter((d) => d.pack?.json.kind === 'lcm');
    if (!name) {
      const { fits } = lcmCandidates(found, sonar);
      const want = this.settings().activeLcm;
      const m = (want ? fits.find((d) => d.pack!.json.name === want) : undefined) ?? fits[0];
      return m ? { pack: m.pack!, bundled: m.bundled } : null;
    }
    const m = all.find((d) => d.pack!.json.name === name);
    if (!m) {
      const bad = lcmCandidates(found, sonar).rejected.find((r) => r.name === name);
      if (bad) throw apiError(bad.code, `The LCM pack ${bad.name} (${bad.dir}) was refused: ${bad.reason}.`);
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

  lcmOrNull(sonar: LoadedPack): ChosenPack | null {
    try {
      return this.lcm(sonar);
    } catch {
      return null;
    }
  }

  /** `auto` without a usable LCM: name the installed LCM packs it had to skip, and why (lcm-choice.ts). */
  withSkipped(choice: MethodChoice, sonar: LoadedPack, candidate: unknown): MethodChoice {
    if (candidate || choice.requested !== 'auto' || choice.reason === 'task') return choice;
    const { rejected } = lcmCandidates(this.discovered(), sonar);
    return rejected.length ? { ...choice, skipped: rejected.map((r) => ({ pack: r.name, reason: r.reason })) } : choice;
  }
}

/** What discovery depends on: each folder, each entry in it and its pack.json, by modification time. */
function discoveryKey(folders: readonly string[]): string {
  const mtime = (p: string) => {
    try {
      return statSync(p).mtimeMs;
    } catch {
      return -1;
    }
  };
  const parts: string[] = [];
  for (const f of folders) {
    parts.push(`${f}:${mtime(f)}:${mtime(join(f, 'pack.json'))}`);
    let names: string[] = [];
    try {
      names = readdirSync(f);
    } catch {
      /* a missing folder has no packs */
    }
    for (const n of names) parts.push(`${n}:${mtime(join(f, n))}:${mtime(join(f, n, 'pack.json'))}`);
  }
  return parts.join('|');
}

/** A listed folder whose pack does not load: shown with its error, by the name its pack.json gives where readable. */
function brokenInfo(d: DiscoveredPack): PackInfo {
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
  };
}

function declaredName(dir: string): unknown {
  try {
    return (JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}

/** Copy a verified pack folder into the user's pack folder. */
async function importPack(ctx: ServiceContext, path: string): Promise<PackInfo> {
  if (typeof path !== 'string' || !path.trim()) throw apiError('INVALID_REQUEST', 'importPack needs the path of a pack folder.');
  const src = loadPack(resolve(expandHome(path)));
  const same = ctx.packs.discovered().find((d) => d.pack?.json.name === src.json.name && d.dir !== src.dir);
  if (same) {
    throw apiError('PACK_EXISTS', `A pack named "${src.json.name}" is already installed (${same.dir}). Remove it in ` +
      'Models & settings first, or give the new pack another name in its pack.json.');
  }
  const res = await verifyPack(src);
  if (!res.ok) throw apiError(res.problems[0].code, `The pack ${src.json.name} is damaged: ${res.problems.map((p) => p.message).join('; ')}`);
  const user = ctx.packs.userFolder();
  if (!user) throw apiError('INVALID_REQUEST', 'No user pack folder is set (settings.userPackDir).');
  const dest = join(resolve(user), src.json.name.replace(/[^\w.-]+/g, '_'));
  if (resolve(dest) !== src.dir) {
    if (existsSync(dest)) throw apiError('PACK_EXISTS', `A pack is already installed at ${dest}; remove it first.`);
    await mkdir(resolve(user), { recursive: true });
    await cp(src.dir, dest, { recursive: true });
  }
  if (!ctx.settings().userPackDir) ctx.saveSettings({ userPackDir: resolve(user) });
  const p = loadPack(dest);
  ctx.packs.markVerified(p.dir, true);
  return ctx.packs.info(p, false);
}

/** Delete a pack the user imported (never a bundled one, never during a run). */
async function removePack(ctx: ServiceContext, name: string): Promise<void> {
  if (typeof name !== 'string' || !name) throw apiError('INVALID_REQUEST', 'removePack needs a pack name.');
  const all = ctx.packs.discovered();
  const d = all.find((x) => x.pack?.json.name === name) ?? all.find((x) => basename(x.dir) === name || x.dir === resolve(name));
  if (!d) throw apiError('PACK_MISSING', `No pack named "${name}" is installed.`);
  if (d.bundled) throw apiError('PACK_BUNDLED', `${name} comes with the app and cannot be removed.`);
  const user = ctx.packs.userFolder();
  const rel = user ? relative(resolve(user), d.dir) : '..';
  if (!user || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw apiError('PACK_NOT_REMOVABLE', `${name} was not imported into the app's pack folder (${d.dir}); remove it there by hand.`);
  }
  if (ctx.activeRuns()) throw apiError('BUSY', 'A run is in progress; remove the pack when it has finished.');
  await ctx.engines.close(d.dir);
  await rm(d.dir, { recursive: true, force: true });
  ctx.packs.markVerified(d.dir, false);
  const s = ctx.settings();
  const patch: Partial<Settings> = {};
  if (s.activeSonar === name) patch.activeSonar = null;
  if (s.activeLcm === name) patch.activeLcm = null;
  if (Object.keys(patch).length) ctx.saveSettings(patch);
}

export function packsApi(ctx: ServiceContext) {
  const reg = ctx.packs;
  return {
    async packs(): Promise<PackInfo[]> {
      let activeDirs = new Set<string>();
      try {
        const sp = reg.sonar();
        const lp = reg.lcmOrNull(sp.pack);
        activeDirs = new Set([sp.pack.dir, ...(lp ? [lp.pack.dir] : [])]);
      } catch {
        /* no usable SONAR pack: none is active */
      }
      const found = reg.discovered();
      // a listed pack is verified (from the digest cache after the first time), so "ok" means its weights are intact
      for (const d of found) if (d.pack) await reg.checkWeights(d.pack).catch(() => undefined);
      return found.map((d) => (d.pack ? reg.info(d.pack, d.bundled, activeDirs.has(d.pack.dir)) : brokenInfo(d)));
    },

    importPack: (path: string) => guarded(() => importPack(ctx, path)),


    removePack: (name: string) => guarded(() => removePack(ctx, name)),


    verifyPack: (name: string) => guarded(async () => {
      const all = reg.discovered();
      const d = all.find((x) => x.pack?.json.name === name || x.dir === resolve(name));
      if (!d) {
        // a pack that fails to load is still found by the name its pack.json gives: "No pack named mini-sonar is
        // installed" for an installed but broken pack sent people looking in the wrong place (issue 11)
        const bad = all.find((x) => x.error && (basename(x.dir) === name || x.dir === resolve(name) || declaredName(x.dir) === name));
        if (bad?.error) throw apiError(bad.error.code, bad.error.message);
        // a folder named by its path that is not a pack: say why (no pack.json, a pack.json link loop)
        if (existsSync(resolve(name)) && statSync(resolve(name)).isDirectory()) loadPack(resolve(name));
        throw apiError('PACK_MISSING', `No pack named "${name}" is installed (installed: ${all.map((x) => x.pack?.json.name ?? basename(x.dir)).join(', ') || 'none'}).`);
      }
      if (!d.pack) throw apiError(d.error!.code, d.error!.message);
      await reg.checkWeights(d.pack, true).catch(() => undefined); // the result is in `verified`
      return reg.info(d.pack, d.bundled);
    }),
  };
}
