/**
 * Engines: the one worker thread that runs every ONNX session (runtime/host.ts) and the SONAR and LCM models opened
 * in it, one per pack folder, opened on first use with the settings' provider and threads and closed when those
 * change. Also the API's runtime() report (which provider runs, and why it fell back).
 */
import { openLcmEngine, type LcmEngine } from '../engine/adapters/lcm.js';
import { openSonarEngine, type SonarEngine } from '../engine/adapters/sonar.js';
import type { LoadedPack } from '../engine/packs/index.js';
import { EngineHost } from '../engine/runtime/host.js';
import { availableProviders, providerPlan, type ProviderReport, type SessionConfig } from '../engine/runtime/session.js';
import { SONAR_HANDLERS } from '../engine/sonar/client.js';
import type { RuntimeInfo, Settings } from './contract.js';
import { apiError } from './errors.js';
import type { ServiceOptions } from './options.js';

export type Engines = ReturnType<typeof createEngines>;

export function createEngines(d: {
  opts: ServiceOptions;
  settings: () => Settings;
  /** hash-check a pack's weights before its first use (packs.ts) */
  checkWeights: (pack: LoadedPack) => Promise<void>;
  /** the SONAR pack in use, for runtime() before any model is open */
  sonarPack: () => { pack: LoadedPack };
}) {
  const { opts, settings, checkWeights, sonarPack } = d;
  let closed = false;
  let host: EngineHost | null = null;
  let hostStarting: Promise<EngineHost> | null = null;
  const sonarEngines = new Map<string, Promise<SonarEngine>>();
  const lcmEngines = new Map<string, Promise<LcmEngine>>();
  let lastReport: ProviderReport | null = null;

  const sessionConfig = (): SessionConfig => {
    const s = settings();
    return {
      provider: s.provider,
      threads: s.threads > 0 ? s.threads : undefined,
      ...(opts.optimizedCacheDir ? { optimizedCacheDir: opts.optimizedCacheDir } : {}),
    };
  };
  const getHost = (): Promise<EngineHost> => {
    if (closed) return Promise.reject(apiError('ENGINE_CLOSED', 'The service was closed.'));
    if (host) return Promise.resolve(host);
    hostStarting ??= EngineHost.start({ handlerModules: [SONAR_HANDLERS] }).then((h) => (host = h));
    return hostStarting;
  };
  const sonarEngine = (pack: LoadedPack): Promise<SonarEngine> => {
    let p = sonarEngines.get(pack.dir);
    if (!p) {
      p = checkWeights(pack).then(getHost).then(async (h) => {
        const eng = await openSonarEngine(h, pack.dir, { config: sessionConfig(), decoding: opts.decoding });
        lastReport = eng.info.providers.encoder ?? eng.info.providers.decoder ?? lastReport;
        return eng;
      });
      sonarEngines.set(pack.dir, p);
      p.catch(() => sonarEngines.delete(pack.dir));
    }
    return p;
  };
  const lcmEngine = (pack: LoadedPack): Promise<LcmEngine> => {
    let p = lcmEngines.get(pack.dir);
    if (!p) {
      p = checkWeights(pack).then(getHost).then((h) => openLcmEngine(h, pack.dir, { config: sessionConfig() }));
      lcmEngines.set(pack.dir, p);
      p.catch(() => lcmEngines.delete(pack.dir));
    }
    return p;
  };
  const dropEngines = async () => {
    const all = [...sonarEngines.values(), ...lcmEngines.values()];
    sonarEngines.clear();
    lcmEngines.clear();
    await Promise.allSettled(all.map(async (p) => (await p).close()));
  };

  /** Close the models opened from one pack folder (the pack is being removed). */
  const closeEngines = async (dir: string) => {
    const eng = sonarEngines.get(dir) ?? lcmEngines.get(dir);
    sonarEngines.delete(dir);
    lcmEngines.delete(dir);
    if (eng) await eng.then((e) => e.close()).catch(() => undefined);
  };

  /** Provider or threads changed: the open models are closed and reopened on next use. */
  const resetRuntime = async () => {
    lastReport = null;
    await dropEngines();
  };

  async function close() {
    closed = true;
    await dropEngines();
    const h = host ?? (hostStarting ? await hostStarting.catch(() => null) : null);
    await h?.close();
  }

  return {
    sonarEngine,
    lcmEngine,
    closeEngines,
    resetRuntime,
    close,
    async runtime(): Promise<RuntimeInfo> {
      const s = settings();
      if (!lastReport) {
        try {
          await sonarEngine(sonarPack().pack);
        } catch {
          /* reported below as not loaded */
        }
      }
      if (lastReport) {
        // a provider that failed here (CUDA listed by onnxruntime but its libraries missing) is not available
        const failed = lastReport.tried.filter((x) => x.provider !== lastReport!.used);
        return {
          requestedProvider: s.provider,
          usedProvider: lastReport.used,
          fallbackReason: lastReport.fallbackReason,
          availableProviders: availableProviders().filter((p) => !failed.some((f) => f.provider === p)),
          ...(failed.length ? { failedProviders: failed } : {}),
          threads: lastReport.threads,
        };
      }
      const planList = providerPlan(s.provider === 'webgpu' ? 'webgpu' : s.provider);
      return {
        requestedProvider: s.provider,
        usedProvider: planList[planList.length - 1] ?? 'cpu',
        fallbackReason: 'no model is loaded yet (no SONAR pack installed)',
        availableProviders: availableProviders(),
        threads: s.threads,
      };
    },
  };
}
