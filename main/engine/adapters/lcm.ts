/**
 * ConceptGenerator (engine/tasks/ports.ts) over an LCM pack (Base-LCM or Two-Tower) whose sessions and generation
 * loop live in the engine worker (adapters/lcm-handlers.ts): one request per generation, progress per concept,
 * cancellation through the request's signal.
 */
import type { EngineHost } from '../runtime/host.js';
import type { SessionConfig } from '../runtime/session.js';
import { lcmGenerator, type GenerationRunner } from '../tasks/lcm-adapter.js';
import type { ConceptGenerator } from '../tasks/ports.js';
import type { LcmGenerateReply, LcmOpenResult } from './lcm-handlers.js';

/** URL of the LCM handler module, for EngineHost.start({ handlerModules }). */
export const LCM_HANDLERS: URL = new URL(import.meta.url.endsWith('.ts') ? './lcm-handlers.ts' : './lcm-handlers.js', import.meta.url);

export interface LcmEngine {
  readonly generator: ConceptGenerator;
  readonly name: string;
  readonly variant: 'base' | 'two-tower';
  readonly space: string;
  readonly dim: number;
  close(): Promise<void>;
}

let counter = 0;

/** Load an LCM pack's graphs in the worker (PackError for a bad pack or a wrong graph) and wrap them as a ConceptGenerator. */
export async function openLcmEngine(host: EngineHost, dir: string, opts: { config?: SessionConfig } = {}): Promise<LcmEngine> {
  const info = await host.request<LcmOpenResult>('lcm.open', { dir, key: `${dir}#${++counter}`, config: opts.config ?? {} });
  const run: GenerationRunner = async (prompt, options, ctl) => {
    const onProgress = ctl.onConcept ? (e: { done: number; total: number }) => ctl.onConcept!(e.done, e.total) : undefined;
    const r = await host.request<LcmGenerateReply>('lcm.generate', { key: info.key, prompt, options }, { signal: ctl.signal, onProgress });
    return { concepts: r.concepts, stopReason: r.stopReason };
  };
  const generator = lcmGenerator({ run, pack: info.pack });
  return {
    generator,
    name: generator.name ?? info.pack.name,
    variant: info.variant,
    space: info.pack.space,
    dim: info.pack.dim,
    async close() {
      await host.request('lcm.close', { key: info.key }).catch(() => undefined);
    },
  };
}
