/**
 * The pack self-test through the API (engine/selftest): on demand (`selftestPack`) and after Get SONAR has converted a
 * pack (sonar-download.ts calls `afterInstall`). Progress events have the stage 'selftest' under the caller's request
 * id; cancelRun(requestId) cancels. The report is saved where PackRegistry.selftestDir says (with the pack), so the
 * next packs() shows it in the pack card.
 */
import { randomUUID } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { PackInfo, PackSelftest, SelftestRequest } from './contract.js';
import { apiError, toApiError } from './errors.js';
import type { ServiceContext } from './context.js';
import type { LoadedPack } from '../engine/packs/index.js';
import { runSelftest } from '../engine/selftest/run.js';
import { findGolden } from '../engine/selftest/golden.js';
import { packJsonSha256, writeReport } from '../engine/selftest/report.js';

export function selftestApi(ctx: ServiceContext, idInUse: (id: string) => boolean) {
  const running = new Map<string, AbortController>();

  /** Run the self-test on `pack` under `requestId`, save the report, return it. */
  async function test(pack: LoadedPack, bundled: boolean, requestId: string, signal: AbortSignal): Promise<PackSelftest> {
    if (pack.json.kind !== 'sonar') throw apiError('INVALID_REQUEST', `${pack.json.name} is an LCM pack; the self-test runs on SONAR packs.`);
    ctx.emit({ type: 'progress', requestId, stage: 'selftest', done: 0, total: 1, message: 'load' });
    const eng = await ctx.engines.sonar(pack);
    const j = pack.json as typeof pack.json & { random_weights?: unknown };
    const report = await runSelftest({
      encoder: eng.encoder,
      decoder: eng.decoder,
      pack: { name: j.name, space: j.space, dim: j.dim, packJsonSha256: packJsonSha256(pack.dir), demo: ctx.packs.quality(pack).demo || j.random_weights === true },
      golden: findGolden(pack.dir, j.space, j.dim),
      signal,
      onProgress: (p) => ctx.emit({ type: 'progress', requestId, ...p }),
    });
    if (signal.aborted) throw apiError('CANCELLED', 'The self-test was cancelled.');
    writeReport(ctx.packs.selftestDir(pack, bundled), report);
    return report;
  }

  async function guardedTest<T>(requestId: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (running.has(requestId) || idInUse(requestId)) throw apiError('INVALID_REQUEST', `request id ${requestId} is in use.`);
    const controller = new AbortController();
    running.set(requestId, controller);
    try {
      return await fn(controller.signal);
    } catch (e) {
      if (controller.signal.aborted) throw apiError('CANCELLED', 'The self-test was cancelled; run it again from the pack card or `concept packs selftest`.');
      throw toApiError(e);
    } finally {
      if (running.get(requestId) === controller) running.delete(requestId);
    }
  }

  return {
    /** cancel a self-test by its request id (false: no such self-test) */
    cancel(requestId: string): boolean {
      const c = running.get(requestId);
      c?.abort(new DOMException('cancelled', 'AbortError'));
      return !!c;
    },

    has: (requestId: string) => running.has(requestId),

    /**
     * After Get SONAR installed a pack: test it under the download's request id and signal. A cancel here keeps the
     * pack (it is complete) without a report; any other failure of the new pack is the caller's error.
     */
    async afterInstall(pack: LoadedPack, requestId: string, signal: AbortSignal): Promise<PackSelftest | null> {
      try {
        return await test(pack, false, requestId, signal);
      } catch (e) {
        if (signal.aborted) return null;
        const err = toApiError(e);
        throw apiError(err.code, `The pack ${pack.json.name} was installed (${pack.dir}) but its self-test could not run: ${err.message}`);
      }
    },

    selftestPack: (req: SelftestRequest) => {
      const requestId = typeof req?.requestId === 'string' && req.requestId ? req.requestId : randomUUID();
      return guardedTest<PackInfo>(requestId, async (signal) => {
        const all = ctx.packs.discovered();
        const d = all.find((x) => x.pack?.json.name === req.name) ?? all.find((x) => x.pack && (x.dir === resolve(req.name) || basename(x.dir) === req.name));
        if (!d) {
          const bad = all.find((x) => x.error && (basename(x.dir) === req.name || x.dir === resolve(req.name)));
          if (bad?.error) throw apiError(bad.error.code, bad.error.message);
          throw apiError('PACK_MISSING', `No pack named "${req.name}" is installed (installed: ${all.map((x) => x.pack?.json.name ?? basename(x.dir)).join(', ') || 'none'}).`);
        }
        if (!d.pack) throw apiError(d.error!.code, d.error!.message);
        await test(d.pack, d.bundled, requestId, signal);
        return ctx.packs.info(d.pack, d.bundled);
      });
    },
  };
}
