/**
 * The import thread: serves `import.store` (import-document.ts) on its own connection to the database, with the
 * engine worker's message protocol (engine/runtime/protocol.ts) so that EngineHost drives it (ids, errors with their
 * codes, crash handling, unref when idle). It is not the engine worker: that one loads onnxruntime and runs one
 * request at a time, and an import must not wait behind an encode. SQLite's WAL lets the service's connection read
 * while this one writes.
 */
import { parentPort } from 'node:worker_threads';
import { toWireError, type FromWorker, type ToWorker } from '../engine/runtime/protocol.js';
import { openStore, type Store } from '../store/index.js';
import { importAndStore, type ImportInput } from './import-document.js';

const port = parentPort;
if (!port) throw new Error('import worker: must run in a worker thread');
const send = (msg: FromWorker) => port.postMessage(msg);
const stores = new Map<string, Store>();

port.on('message', (msg: ToWorker) => {
  if (msg.type !== 'request') return; // nothing to cancel: an import is one step
  const { id, method, params } = msg;
  if (method === 'import.close') {
    for (const s of stores.values()) s.close();
    stores.clear();
    send({ type: 'result', id, value: null });
    return;
  }
  if (method !== 'import.store') {
    send({ type: 'error', id, error: { name: 'Error', message: `import worker: unknown method '${method}'`, code: 'UNKNOWN_METHOD' } });
    return;
  }
  const p = params as { dbPath: string; input: ImportInput };
  Promise.resolve().then(() => {
    let store = stores.get(p.dbPath);
    if (!store) stores.set(p.dbPath, (store = openStore(p.dbPath)));
    return importAndStore(store, p.input);
  }).then(
    (value) => send({ type: 'result', id, value }),
    (err) => send({ type: 'error', id, error: toWireError(err) }),
  );
});
send({ type: 'ready', methods: ['import.store', 'import.close'] });
