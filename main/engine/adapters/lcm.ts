/**
 * ConceptGenerator (engine/tasks/ports.ts) over an LCM pack (Base-LCM or Two-Tower): the graphs run as sessions in the
 * engine worker (RemoteSession), the generation loop (engine/lcm) drives them from the caller's thread with small
 * vector arithmetic only.
 */
import { checkGraphIo, loadLcmPack } from '../packs/load.js';
import { createBaseLcm, createTwoTowerLcm, readLcmPack } from '../lcm/pack.js';
import type { NextConceptModel } from '../lcm/model.js';
import type { Runner } from '../lcm/runner.js';
import type { EngineHost, RemoteSession } from '../runtime/host.js';
import type { SessionConfig } from '../runtime/session.js';
import { lcmGenerator } from '../tasks/lcm-adapter.js';
import type { ConceptGenerator } from '../tasks/ports.js';

export interface LcmEngine {
  readonly generator: ConceptGenerator;
  readonly name: string;
  readonly variant: 'base' | 'two-tower';
  readonly space: string;
  readonly dim: number;
  close(): Promise<void>;
}

let counter = 0;

/** Load an LCM pack's graphs in the worker and wrap them as a ConceptGenerator. */
export async function openLcmEngine(host: EngineHost, dir: string, opts: { config?: SessionConfig } = {}): Promise<LcmEngine> {
  const loaded = loadLcmPack(dir); // validates pack.json and file presence (PackError)
  const { pack, normalizer } = readLcmPack(loaded.dir);
  const sessions: RemoteSession[] = [];
  const open = async (graph: string): Promise<Runner> => {
    const s = await host.openSession(`lcm:${loaded.dir}:${graph}:${++counter}`, loaded.graphPath(graph), opts.config ?? {});
    sessions.push(s);
    // The graph must be the model pack.json describes: a wrong graph used to load and fail at the first run with
    // onnxruntime's "input 'input_ids' is missing in 'feeds'" (issue 11). PACK_GRAPH_MISMATCH names the graph.
    checkGraphIo(loaded, graph, s.inputMetadata as never, s.outputMetadata as never);
    return s as unknown as Runner;
  };
  let model: NextConceptModel;
  try {
    if (pack.variant === 'base') {
      model = createBaseLcm(pack, normalizer, await open('base'));
    } else {
      model = createTwoTowerLcm(pack, normalizer, { contextualizer: await open('contextualizer'), denoiser: await open('denoiser') });
    }
  } catch (e) {
    await Promise.allSettled(sessions.map((s) => s.release()));
    throw e;
  }
  const version = (loaded.json as { version?: string }).version;
  const generator = lcmGenerator({ model, pack: { ...pack, ...(version ? { version } : {}) } });
  return {
    generator,
    name: generator.name ?? pack.name,
    variant: pack.variant,
    space: pack.space,
    dim: pack.dim,
    async close() {
      await Promise.allSettled(sessions.map((s) => s.release()));
    },
  };
}
