/**
 * onnxruntime-node session factory: execution providers tried in order (CUDA, DirectML, CoreML, then CPU — only the
 * ones this platform's onnxruntime binary lists), thread count, graph optimization level and an optional cache of
 * optimized graphs. Reports what was requested, what was used and why it fell back.
 *
 * Session creation errors (corrupt or truncated file, not ONNX, missing external data) are wrapped in a PackError
 * that names the file and says what to do.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { PackError } from '../packs/errors.js';

export type ProviderName = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';
export type ProviderRequest = 'auto' | ProviderName;
export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

/** Order tried for `auto`. WebGPU is only used when asked for explicitly. */
export const AUTO_ORDER: readonly ProviderName[] = ['cuda', 'dml', 'coreml', 'cpu'];

export interface SessionConfig {
  /** `auto` (default) tries AUTO_ORDER; a named provider is tried first, then CPU. */
  provider?: ProviderRequest;
  /** Intra-op threads; 0 or undefined = onnxruntime's default (physical cores). */
  threads?: number;
  /** Default `all`. */
  graphOptimizationLevel?: OptimizationLevel;
  /** Folder for optimized graphs (ORT's optimizedModelFilePath); later loads reuse them. */
  optimizedCacheDir?: string;
  /** onnxruntime log severity (0 verbose … 4 fatal); default 3 (errors only). */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

export interface ProviderReport {
  requested: ProviderRequest;
  used: ProviderName;
  fallbackReason: string | null;
  /** Every provider tried before the one used, with its error. */
  tried: { provider: ProviderName; error: string }[];
  threads: number;
  optimizedCache: 'hit' | 'written' | 'off' | 'failed';
}

/** Providers that failed to initialise in this process (e.g. CUDA libraries absent): not retried. */
const providerFailures = new Map<ProviderName, string>();

export interface CreatedSession {
  session: ort.InferenceSession;
  report: ProviderReport;
  path: string;
}

/** Providers this onnxruntime binary supports on this platform (a candidate list: CUDA may still fail to load). */
export function availableProviders(): ProviderName[] {
  let listed: { name: string }[] = [];
  try {
    listed = (ort as unknown as { listSupportedBackends?: () => { name: string }[] }).listSupportedBackends?.() ?? [];
  } catch {
    listed = [];
  }
  const names = new Set(listed.map((b) => b.name));
  const out: ProviderName[] = [];
  for (const p of ['cuda', 'dml', 'coreml', 'webgpu'] as const) if (names.has(p)) out.push(p);
  out.push('cpu');
  return out;
}

/** Folder of onnxruntime-node's native binding for this platform (where provider libraries must sit), if found. */
function bindingDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    const dir = join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a listed provider cannot work here, without trying it (CUDA's provider library is not bundled with
 * onnxruntime-node: it is downloaded at install time with --onnxruntime-node-install=cuda12), or null.
 */
export function providerUnavailableReason(p: ProviderName): string | null {
  if (p !== 'cuda') return null;
  const dir = bindingDir();
  if (!dir) return null;
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (existsSync(join(dir, lib))) return null;
  return `CUDA provider library not installed (${lib}); reinstall onnxruntime-node with --onnxruntime-node-install=cuda12 and install CUDA 12 + cuDNN 9`;
}

/** The providers `createSession` will try, in order, for a request. */
export function providerPlan(requested: ProviderRequest, available: readonly ProviderName[] = availableProviders()): ProviderName[] {
  const wanted = requested === 'auto' ? [...AUTO_ORDER] : [requested, 'cpu' as const];
  return [...new Set(wanted)].filter((p) => p === 'cpu' || available.includes(p));
}

function ortProvider(p: ProviderName): string {
  return p;
}

function sessionOptions(cfg: SessionConfig, provider: ProviderName, level: OptimizationLevel): ort.InferenceSession.SessionOptions {
  const o: ort.InferenceSession.SessionOptions = {
    executionProviders: [ortProvider(provider)],
    graphOptimizationLevel: level,
    logSeverityLevel: cfg.logSeverityLevel ?? 3,
  };
  if (cfg.threads && cfg.threads > 0) {
    o.intraOpNumThreads = cfg.threads;
    o.interOpNumThreads = 1;
  }
  return o;
}

/** Cache file for one graph under one provider/level: keyed by absolute path, size, mtime and ORT version. */
export function optimizedCachePath(dir: string, graphPath: string, provider: ProviderName, level: OptimizationLevel): string {
  const st = statSync(graphPath);
  const key = createHash('sha256')
    .update([resolve(graphPath), st.size, st.mtimeMs, provider, level, ort.env.versions?.common ?? ''].join('\0'))
    .digest('hex')
    .slice(0, 16);
  return join(dir, `${basename(graphPath).replace(/\.onnx$/, '')}.${provider}.${level}.${key}.onnx`);
}

function describe(err: unknown): string {
  const s = err instanceof Error ? err.message : String(err);
  // onnxruntime appends colourised log lines; keep the first line
  return s.split('\n')[0].replace(/\u001b\[[0-9;]*m/g, '').trim();
}

/** Wrap an onnxruntime load error with the file and an actionable hint. */
export function graphLoadError(path: string, err: unknown): PackError {
  const msg = describe(err);
  let hint = 'The file is corrupt, truncated or not an ONNX graph: re-copy or re-convert the pack (`concept packs verify` finds damaged files)';
  if (!existsSync(path)) hint = 'The file is missing: re-copy the pack';
  else if (/external data|\.data|out of bounds/i.test(msg)) hint = `The external weights file ${basename(path)}.data is missing or damaged: keep it beside the graph`;
  else if (/opset|IR version|Unsupported model/i.test(msg)) hint = 'The graph needs a newer onnxruntime: update Concept Studio, or export with opset 17';
  return new PackError('PACK_GRAPH_INVALID', `cannot load ONNX graph ${path}: ${msg}`, path, hint, { cause: err });
}

/**
 * Create a session for `path`, trying providers in order. A provider that fails to initialise falls through to the
 * next; a graph that CPU cannot load is a PackError (PACK_GRAPH_INVALID).
 */
export async function createSession(path: string, cfg: SessionConfig = {}): Promise<CreatedSession> {
  const abs = resolve(path);
  if (!existsSync(abs)) throw graphLoadError(abs, new Error('no such file'));
  const requested = cfg.provider ?? 'auto';
  const level = cfg.graphOptimizationLevel ?? 'all';
  const plan = providerPlan(requested);
  const tried: ProviderReport['tried'] = [];
  let lastErr: unknown;
  for (const provider of plan) {
    const known = providerFailures.get(provider) ?? providerUnavailableReason(provider) ?? undefined;
    if (known && provider !== 'cpu') {
      tried.push({ provider, error: known });
      continue;
    }
    let cache: ProviderReport['optimizedCache'] = 'off';
    let cachePath: string | undefined;
    if (cfg.optimizedCacheDir && level !== 'disabled') {
      try {
        mkdirSync(cfg.optimizedCacheDir, { recursive: true });
        cachePath = optimizedCachePath(cfg.optimizedCacheDir, abs, provider, level);
      } catch {
        cachePath = undefined;
        cache = 'failed';
      }
    }
    // 1. a cached optimized graph: load it without re-optimizing; drop it if it does not load
    if (cachePath && existsSync(cachePath)) {
      try {
        const session = await ort.InferenceSession.create(cachePath, sessionOptions(cfg, provider, 'disabled'));
        return { session, path: abs, report: report(requested, provider, tried, cfg, 'hit') };
      } catch {
        rmSync(cachePath, { force: true });
      }
    }
    // 2. the pack's graph (writing the optimized graph when a cache folder is set)
    try {
      const o = sessionOptions(cfg, provider, level);
      if (cachePath) o.optimizedModelFilePath = cachePath;
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(abs, o);
        if (cachePath) cache = existsSync(cachePath) ? 'written' : 'failed';
      } catch (err) {
        if (!cachePath) throw err;
        // writing the optimized graph can fail (read-only folder, >2 GB graphs): load without it
        rmSync(cachePath, { force: true });
        session = await ort.InferenceSession.create(abs, sessionOptions(cfg, provider, level));
        cache = 'failed';
      }
      return { session, path: abs, report: report(requested, provider, tried, cfg, cache) };
    } catch (err) {
      lastErr = err;
      if (provider === 'cpu') break;
      const msg = describe(err);
      if (/library|provider|not (?:available|supported|enabled)|dll|dylib|\.so/i.test(msg)) providerFailures.set(provider, msg);
      tried.push({ provider, error: msg });
    }
  }
  throw graphLoadError(abs, lastErr);
}

function report(requested: ProviderRequest, used: ProviderName, tried: ProviderReport['tried'], cfg: SessionConfig,
  cache: ProviderReport['optimizedCache']): ProviderReport {
  let fallbackReason: string | null = null;
  if (tried.length > 0) fallbackReason = tried.map((t) => `${t.provider}: ${t.error}`).join('; ');
  else if (requested !== 'auto' && requested !== used) fallbackReason = `${requested} is not available in this onnxruntime build`;
  return { requested, used, fallbackReason, tried, threads: cfg.threads ?? 0, optimizedCache: cache };
}

