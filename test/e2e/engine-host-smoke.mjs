// Runs a bundled engine-host.mjs under plain Node with a stand-in for Electron's process.parentPort:
//   node engine-host-smoke.mjs <bundle dir> <pack dir>   → prints one JSON line with what happened
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [bundleDir, packDir] = process.argv.slice(2);
const ee = new EventEmitter();
const got = [];
process.parentPort = { on: (ev, cb) => ee.on(ev, cb), postMessage: (m) => got.push(m) };
await import(pathToFileURL(resolve(bundleDir, 'engine-host.mjs')).href);
const d = mkdtempSync(join(tmpdir(), 'engine-host-'));
const send = (data) => ee.emit('message', { data });
const wait = (pred) => new Promise((ok, no) => {
  const t0 = Date.now();
  const i = setInterval(() => {
    const m = got.find(pred);
    if (m) { clearInterval(i); ok(m); } else if (Date.now() - t0 > 90_000) { clearInterval(i); no(new Error('timeout')); }
  }, 20);
});
send({ type: 'init', options: { dataDir: d, dbPath: join(d, 'db.sqlite'), userPackDir: join(d, 'models'), bundledPackDir: resolve(packDir), packDirs: [resolve(packDir)], decoding: { greedy: true, maxTokens: 16 } } });
send({ type: 'call', id: 1, method: 'languages', args: [] });
send({ type: 'call', id: 2, method: 'importDocument', args: [{ name: 'a.txt', text: 'One sentence here. Another one there. And a third one.' }] });
const langs = await wait((m) => m.id === 1);
const imp = await wait((m) => m.id === 2);
send({ type: 'call', id: 3, method: 'startRun', args: [{ documentId: imp.result.document.id, task: 'summarize', targetLang: 'fra_Latn', length: { sentences: 2 } }] });
send({ type: 'call', id: 4, method: 'nope', args: [] });
const bad = await wait((m) => m.id === 4);
const end = await wait((m) => m.type === 'event' && (m.event.type === 'done' || m.event.type === 'error'));
console.log(JSON.stringify({
  languages: langs.ok ? langs.result.length : langs.error,
  imported: imp.ok,
  unknown: bad.ok ? 'ok?' : bad.error.code,
  progress: got.filter((m) => m.type === 'event' && m.event.type === 'progress').length,
  end: end.event.type === 'done' ? end.event.result.status : `${end.event.code}: ${end.event.message}`,
}));
process.exit(0);
