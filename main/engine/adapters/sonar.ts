/**
 * ConceptEncoder / ConceptDecoder (engine/tasks/ports.ts) over a SONAR pack loaded in the engine worker
 * (runtime/host.ts + sonar/handlers.ts): every tokenization, encoder and decoder run happens in the worker thread, so
 * the caller's event loop (Electron main, HTTP server, CLI) never blocks on onnxruntime.
 */
import { SonarClient } from '../sonar/client.js';
import type { SonarOpenResult } from '../sonar/handlers.js';
import { sonarPorts } from '../sonar/ports.js';
import type { TextDecodeOptions } from '../sonar/model.js';
import type { EngineHost } from '../runtime/host.js';
import type { SessionConfig } from '../runtime/session.js';
import type { ConceptDecoder, ConceptEncoder } from '../tasks/ports.js';

export interface SonarEngine {
  readonly info: SonarOpenResult;
  readonly client: SonarClient;
  readonly encoder: ConceptEncoder;
  readonly decoder: ConceptDecoder;
  close(): Promise<void>;
}

export interface OpenSonarOptions {
  config?: SessionConfig;
  /** defaults for every decode (greedy, maxTokens, …) */
  decoding?: Omit<TextDecodeOptions, 'signal' | 'onProgress'>;
  key?: string;
}

/** Load the SONAR pack at `dir` in the worker and adapt it to the tasks' ports. */
export async function openSonarEngine(host: EngineHost, dir: string, opts: OpenSonarOptions = {}): Promise<SonarEngine> {
  const client = await SonarClient.open(host, dir, { key: opts.key, config: opts.config });
  const { encoder, decoder } = sonarPorts(client, opts.decoding ?? {});
  return {
    info: client.info,
    client,
    encoder,
    decoder,
    async close() {
      try {
        await client.close();
      } catch {
        /* the worker may already be gone */
      }
    },
  };
}
