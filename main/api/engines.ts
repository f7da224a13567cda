/**
 * Engines: the one engine worker (started on first use) and the SONAR and LCM engines opened in it, one per pack
 * folder, each after its weights were verified. Also the runtime report (which provider really runs).
 */
import type { RuntimeInfo, Settings } from './contract.js';
import { apiError } from './errors.js';
import type { ServiceOptions } from './context.js';
import type { PackRegistry } from './packs.js';
import type { LoadedPack } from '../engine/packs/index.js';
import { EngineHost } from '../engine/runtime/host.js';
import { availableProviders, providerPlan, type ProviderReport, type SessionConfig } from '../engine/runtime/session.js';
import { ENGINE_HANDLERS } from '../engine/adapters/index.js';
import { openSonarEngine, type SonarEngine } from '../engine/adapters/sonar.js';
import { openLcmEngine, type LcmEngine } from '../engine/adapters/lcm.js';

export class Engines {
  private host: EngineHost | null = null;
  private hostStarting: Promise<EngineHost> | null = null;
  private readonly sonarEngines = new Map<string, Promise<SonarEngine>>();
  private readonly lcmEngines = new Map<string, Promise<LcmEngine>>();
  private lastReport: ProviderReport | null = null;
  private closed = false;

  constructor(private readonly opts: ServiceOptions, private readonly packs: PackRegistry, private readonly settings: () => Settings) {}

  private sessionConfig(): SessionConfig {
    const s = this.settings();
    return {
      provider: s.provider,
      threads: s.threads > 0 ? s.threads : undefined,
      ...(this.opts.optimizedCacheDir ? { optimizedCacheDir: this.opts.optimizedCacheDir } : {}),
    };
  }

  private getHost(): Promise<EngineHost> {
    if (this.closed) return Promise.reject(apiError('ENGINE_CLOSED', 'The service was closed.'));
    if (this.host) return Promise.resolve(this.host);
    this.hostStarting ??= EngineHost.start({ handlerModules: ENGINE_HANDLERS }).then((h) => (this.host = h));
    return this.hostStarting;
  }

  sonar(pack: LoadedPack): Promise<SonarEngine> {
    let p = this.sonarEngines.get(pack.dir);
    if (!p) {
      p = this.packs.checkWeights(pack).then(() => this.getHost()).then(async (h) => {
        const eng = await openSonarEngine(h, pack.dir, { config: this.sessionConfig(), decoding: this.opts.decoding });
        this.lastReport = eng.info.providers.encoder ?? eng.info.providers.decoder ?? this.lastReport;
        return eng;
      });
      this.sonarEngines.set(pack.dir, p);
      p.catch(() => this.sonarEngines.delete(pack.dir));
    }
    return p;
  }

  lcm(pack: LoadedPack): Promise<LcmEngine> {
    let p = this.lcmEngines.get(pack.dir);
    if (!p) {
      p = this.packs.checkWeights(pack).then(() => this.getHost()).then((h) => openLcmEngine(h, pack.dir, { config: this.sessionConfig() }));
      this.lcmEngines.set(pack.dir, p);
      p.catch(() => this.lcmEngines.delete(pack.dir));
    }
    return p;
  }

  /** Close the engine of one pack folder (before the pack is removed). */
  async close(dir: string): Promise<void> {
    const eng = this.sonarEngines.get(dir) ?? this.lcmEngines.get(dir);
    this.sonarEngines.delete(dir);
    this.lcmEngines.delete(dir);
    if (eng) await eng.then((e) => e.close()).catch(() => undefined);
  }

  /** Close every engine; the next use reopens them (new provider or thread settings). */
  async drop(): Promise<void> {
    this.lastReport = null;
    const all = [...this.sonarEngines.values(), ...this.lcmEngines.values()];
    this.sonarEngines.clear();
    this.lcmEngines.clear();
    await Promise.allSettled(all.map(async (p) => (await p).close()));
  }

  async shutdown(): Promise<void> {
    await this.drop();
    this.closed = true;
    const h = this.host ?? (this.hostStarting ? await this.hostStarting.catch(() => null) : null);
    await h?.close();
  }

  /** Which provider runs (loading the SONAR pack to find out when nothing ran yet). */
  async runtime(): Promise<RuntimeInfo> {
    const s = this.settings();
    if (!this.lastReport) {
      try {
        await this.sonar(this.packs.sonar().pack);
      } catch {
        /* reported below as not loaded */
      }
    }
    const last = this.lastReport;
    if (last) {
      // a provider that failed here (CUDA listed by onnxruntime but its libraries missing) is not available
      const failed = last.tried.filter((x) => x.provider !== last.used);
      return {
        requestedProvider: s.provider,
        usedProvider: last.used,
        fallbackReason: last.fallbackReason,
        availableProviders: availableProviders().filter((p) => !failed.some((f) => f.provider === p)),
        ...(failed.length ? { failedProviders: failed } : {}),
        threads: last.threads,
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
  }
}
