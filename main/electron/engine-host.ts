/**
 * The engine's process (Electron utilityProcess): creates the real service and answers calls from the main process.
 * ONNX inference blocks this process's event loop, never the window's.
 */
import type { ApiEvent } from '../api/contract.js';
import { errorJson } from '../api/errors.js';
import type { ConceptService } from '../api/service.js';
import type { FromEngine, ToEngine } from './protocol.js';

interface ParentPort {
  on(ev: 'message', cb: (e: { data: ToEngine }) => void): void;
  postMessage(msg: FromEngine): void;
}

const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!port) throw new Error('engine-host runs inside an Electron utilityProcess.');

const send = (m: FromEngine) => port.postMessage(m);
let api: Promise<ConceptService> | null = null;

port.on('message', async ({ data }) => {
  if (data.type === 'init') {
    api = (async () => {
      // A literal specifier so that main/electron/build.ts bundles the service into this file; loaded on `init`, so
      // the process answers (init-failed) even when the service cannot load.
      const { createService } = await import('../api/service.js');
      const svc = await createService(data.options);
      svc.onEvent((event: ApiEvent) => send({ type: 'event', event }));
      return svc;
    })();
    api.then(() => send({ type: 'ready' }), (e) => send({ type: 'init-failed', error: errorJson(e) }));
    return;
  }
  if (data.type === 'call') {
    try {
      if (!api) throw Object.assign(new Error('The engine was not initialised.'), { code: 'ENGINE_UNAVAILABLE' });
      const svc = await api;
      const fn = (svc as any)[data.method];
      if (typeof fn !== 'function') throw Object.assign(new Error(`No API method ${data.method}.`), { code: 'UNKNOWN_METHOD' });
      const result = await fn.apply(svc, data.args);
      send({ type: 'result', id: data.id, ok: true, result: result ?? null });
    } catch (e) {
      send({ type: 'result', id: data.id, ok: false, error: errorJson(e) });
    }
  }
});
