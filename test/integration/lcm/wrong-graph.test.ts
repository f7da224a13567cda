/**
 * Issue 11, defect 7: an LCM pack whose graph is the wrong model loaded, and the run failed with a raw onnxruntime
 * message (`input 'input_ids' is missing in 'feeds'`). Every graph of every pack kind is now checked against pack.json
 * when it is opened.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLcmEngine } from '../../../main/engine/adapters/lcm.js';
import { EngineHost } from '../../../main/engine/runtime/host.js';
import { ENGINE_HANDLERS } from '../../../main/engine/adapters/index.js';
import { cleanup, copyPack, RANDOM, replaceFile } from '../../unit/packs/helpers.js';

let host: EngineHost;
beforeAll(async () => {
  host = await EngineHost.start({ handlerModules: ENGINE_HANDLERS });
});
afterAll(async () => {
  await host?.close();
  cleanup();
});

describe('LCM graphs checked when opened', () => {
  it('a Base-LCM pack holding the SONAR encoder graph is refused with PACK_GRAPH_MISMATCH', async () => {
    const dir = copyPack('base-lcm');
    replaceFile(dir, 'base_lcm.onnx', readFileSync(join(RANDOM, 'sonar', 'encoder.onnx')));
    const e = await openLcmEngine(host, dir).catch((x) => x);
    expect(e.code).toBe('PACK_GRAPH_MISMATCH');
    expect(e.message).toMatch(/base_lcm\.onnx: pack\.json names input 'concepts'/);
  });

  it('a Two-Tower pack with the contextualizer in place of the denoiser is refused', async () => {
    const dir = copyPack('two-tower-lcm');
    replaceFile(dir, 'denoiser.onnx', readFileSync(join(dir, 'contextualizer.onnx')));
    const e = await openLcmEngine(host, dir).catch((x) => x);
    expect(e.code).toBe('PACK_GRAPH_MISMATCH');
    expect(e.message).toMatch(/denoiser\.onnx/);
  });

  it('intact packs still open', async () => {
    for (const name of ['base-lcm', 'two-tower-lcm']) {
      const eng = await openLcmEngine(host, copyPack(name));
      await eng.close();
    }
  });
});
