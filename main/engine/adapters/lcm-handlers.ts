/**
 * Engine-worker handlers for LCM packs: the sessions AND the generation loop live in the worker, so a whole
 * generation is one request (progress per concept, cancellation between denoising steps) instead of one round trip
 * per denoiser step with the context cloned each time. Loaded by the engine host through ENGINE_HANDLERS
 * (adapters/index.ts); the caller side is adapters/lcm.ts.
 */
import type * as ort from 'onnxruntime-node';
import { generate, type NextConceptModel } from '../lcm/index.js';
import { createBaseLcm, createTwoTowerLcm, readLcmPack, type LcmPackJson } from '../lcm/pack.js';
import type { Runner } from '../lcm/runner.js';
import { checkGraphIo, loadLcmPack } from '../packs/load.js';
import type { Handlers, HandlerContext } from '../runtime/protocol.js';
import { createSession, type ProviderReport, type SessionConfig } from '../runtime/session.js';
import { sessionRunner } from '../runtime/tensors.js';
import type { LcmGeneratorPack, WireGenerateOptions } from '../tasks/lcm-adapter.js';

export interface LcmOpenResult {
  key: string;
  variant: 'base' | 'two-tower';
  pack: LcmGeneratorPack;
  providers: Record<string, ProviderReport>;
}

export interface LcmGenerateReply {
  concepts: Float32Array[];
  stopReason: string;
  /** graph runs this generation made (Two-Tower: denoiser runs), for benchmarks and tests */
  graphRuns: number;
}

interface Loaded {
  model: NextConceptModel;
  sessions: ort.InferenceSession[];
  runs: () => number;
}

const PREFIX = 'lcm.model:';

function loaded(ctx: HandlerContext, key: string): Loaded {
  const m = ctx.state.get(PREFIX + key) as Loaded | undefined;
  if (!m) throw Object.assign(new Error(`LCM model '${key}' is not loaded in the engine worker`), { code: 'MODEL_NOT_LOADED' });
  return m;
}

async function release(sessions: ort.InferenceSession[]): Promise<void> {
  await Promise.allSettled(sessions.map((s) => s.release()));
}

export const handlers: Handlers = {
  'lcm.open': async (p: { dir: string; key: string; config?: SessionConfig }, ctx): Promise<LcmOpenResult> => {
    const old = ctx.state.get(PREFIX + p.key) as Loaded | undefined;
    if (old) {
      ctx.state.delete(PREFIX + p.key);
      await release(old.sessions);
    }
    const pack = loadLcmPack(p.dir); // validates pack.json and file presence (PackError)
    const { pack: json, normalizer } = readLcmPack(pack.dir);
    const sessions: ort.InferenceSession[] = [];
    const providers: Record<string, ProviderReport> = {};
    let runs = 0;
    const open = async (graph: string): Promise<Runner> => {
      const { session, report } = await createSession(pack.graphPath(graph), p.config ?? {});
      sessions.push(session);
      providers[graph] = report;
      // a wrong graph used to load and fail at its first run with onnxruntime's "input 'input_ids' is missing in
      // 'feeds'" (issue 11): PACK_GRAPH_MISMATCH names the graph instead
      checkGraphIo(pack, graph, session.inputMetadata as never, session.outputMetadata as never);
      const r = sessionRunner(session);
      return { run: (feeds) => { runs++; return r.run(feeds); } };
    };
    let model: NextConceptModel;
    try {
      model = json.variant === 'base'
        ? createBaseLcm(json, normalizer, await open('base'))
        : createTwoTowerLcm(json, normalizer, { contextualizer: await open('contextualizer'), denoiser: await open('denoiser') });
    } catch (e) {
      await release(sessions);
      throw e;
    }
    ctx.state.set(PREFIX + p.key, { model, sessions, runs: () => runs } satisfies Loaded);
    const version = (pack.json as { version?: string }).version;
    return { key: p.key, variant: json.variant, pack: generatorPack(json, version), providers };
  },

  'lcm.generate': async (p: { key: string; prompt: Float32Array[]; options: WireGenerateOptions }, ctx): Promise<LcmGenerateReply> => {
    const m = loaded(ctx, p.key);
    const before = m.runs();
    const r = await generate(m.model, p.prompt, {
      ...p.options,
      signal: ctx.signal,
      onConcept: (e) => ctx.progress({ done: e.index + 1, total: e.total }),
    });
    return { concepts: r.concepts, stopReason: r.stopReason, graphRuns: m.runs() - before };
  },

  'lcm.close': async (p: { key: string }, ctx) => {
    const m = ctx.state.get(PREFIX + p.key) as Loaded | undefined;
    ctx.state.delete(PREFIX + p.key);
    if (m) await release(m.sessions);
    return { closed: !!m };
  },
};

function generatorPack(j: LcmPackJson, version: string | undefined): LcmGeneratorPack {
  return {
    name: j.name, space: j.space, dim: j.dim, end_of_text: j.end_of_text, instructions: j.instructions, generation: j.generation,
    ...(version ? { version } : {}),
  };
}
