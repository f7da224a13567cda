/**
 * The import thread: serves `import.prepare` (prepare.ts) with the engine worker's message protocol
 * (runtime/protocol.ts), so that runtime/host.ts drives it: ids, errors with their codes, crash handling, unref when
 * idle. It is not the engine worker: that one loads onnxruntime and runs one request at a time, and an import must
 * not wait behind an encode.
 */
import { parentPort } from 'node:worker_threads';
import { toWireError, type FromWorker, type ToWorker } from '../runtime/protocol.js';
import { prepareDocument, type PrepareOptions } from './prepare.js';

const port = parentPort;
if (!port) throw new Error('import worker: must run in a worker thread');
const send = (msg: FromWorker) => port.postMessage(msg);

port.on('message', (msg: ToWorker) => {
  if (msg.type !== 'request') return; // nothing to cancel: an import is one step
  const { id, method, params } = msg;
  if (method !== 'import.prepare') {
    send({ type: 'error', id, error: { name: 'Error', message: `import worker: unknown method '${method}'`, code: 'UNKNOWN_METHOD' } });
    return;
  }
  const p = params as { bytes: Uint8Array; name: string; opts: PrepareOptions };
  prepareDocument(p.bytes, p.name, p.opts).then(
    (value) => send({ type: 'result', id, value }),
    (err) => send({ type: 'error', id, error: toWireError(err) }),
  );
});
send({ type: 'ready', methods: ['import.prepare'] });
