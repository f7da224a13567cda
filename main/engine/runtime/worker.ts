/**
 * The engine worker: the one thread where onnxruntime runs. It imports the handler modules named in workerData,
 * then serves requests one at a time (runs are serialized; sessions are shared through ctx.state). A cancel message
 * aborts the request's signal: a queued request is dropped, a running one stops at its next check. An exception in a
 * handler is sent back as an error message for that request; the worker keeps serving.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { builtinHandlers } from './handlers.js';
import { toWireError, type FromWorker, type Handlers, type HandlerModule, type ToWorker, type WorkerStartData } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('engine worker: must run in a worker thread');

function send(msg: FromWorker): void {
  port!.postMessage(msg);
}

const handlers: Handlers = { ...builtinHandlers };
const state = new Map<string, unknown>();
const controllers = new Map<number, AbortController>();
const queue: { id: number; method: string; params: unknown }[] = [];
let running = false;

function abortError(reason?: string): DOMException {
  return new DOMException(reason ?? 'The operation was cancelled', 'AbortError');
}

async function serve(): Promise<void> {
  if (running) return;
  running = true;
  try {
    while (queue.length) {
      const req = queue.shift()!;
      const ctl = controllers.get(req.id)!;
      try {
        if (ctl.signal.aborted) throw ctl.signal.reason;
        const h = handlers[req.method];
        if (!h) throw Object.assign(new Error(`engine worker: unknown method '${req.method}'`), { code: 'UNKNOWN_METHOD' });
        const value = await h(req.params, {
          requestId: req.id,
          signal: ctl.signal,
          progress: (data) => send({ type: 'progress', id: req.id, data }),
          state,
        });
        if (ctl.signal.aborted) throw ctl.signal.reason;
        send({ type: 'result', id: req.id, value });
      } catch (err) {
        send({ type: 'error', id: req.id, error: toWireError(err) });
      } finally {
        controllers.delete(req.id);
      }
    }
  } finally {
    running = false;
  }
}

async function start(): Promise<void> {
  const data = (workerData ?? { handlerModules: [] }) as WorkerStartData;
  for (const url of data.handlerModules) {
    const mod = (await import(url)) as Partial<HandlerModule>;
    if (!mod.handlers || typeof mod.handlers !== 'object') throw new Error(`engine worker: ${url} exports no 'handlers'`);
    Object.assign(handlers, mod.handlers);
  }
  port!.on('message', (msg: ToWorker) => {
    if (msg.type === 'request') {
      controllers.set(msg.id, new AbortController());
      queue.push({ id: msg.id, method: msg.method, params: msg.params });
      void serve();
    } else if (msg.type === 'cancel') {
      controllers.get(msg.id)?.abort(abortError(msg.reason));
    }
  });
  send({ type: 'ready', methods: Object.keys(handlers).sort() });
}

start().catch((err) => send({ type: 'startup-error', error: toWireError(err) }));
