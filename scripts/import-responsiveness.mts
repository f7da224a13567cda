/**
 * Issue 11 measurement: how fast the browser-mode server (in its own process) answers `getSettings` while it imports
 * a large one-paragraph document over HTTP, against the import's own duration and an idle baseline in the same run.
 *
 *   npx tsx scripts/import-responsiveness.mts [--mb 4.5] [--inline]
 *
 * --inline prepares the import on the server's thread, as before issue 11 (the reference to compare with).
 *
 * Prints: the import's time and sentence count; getSettings answers during the import (count, median and longest
 * wait) and while idle (median), and the longest wait as a share of the import.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bigParagraph } from './lib/big-paragraph.js';
import { startRemoteServer } from './lib/remote-server.js';

const mbArg = process.argv.indexOf('--mb');
const mb = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 4.5;
const inline = process.argv.includes('--inline');
const dir = mkdtempSync(join(tmpdir(), 'cs-import-resp-'));
// the server in its own process: a client on the same event loop could not even send while the server is blocked
const srv = await startRemoteServer(join(dir, 'c.db'), { inline });
const call = srv.call;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
try {
  const idle: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    await call('getSettings', []);
    idle.push(performance.now() - s);
  }
  const text = bigParagraph(mb * 1024 * 1024);
  let done = 0;
  const t0 = performance.now();
  const imp = call('importDocument', [{ name: 'big.txt', text }]).then((r) => ((done = performance.now()), r));
  const waits: number[] = [];
  let failed = 0;
  while (!done) {
    const s = performance.now();
    // a blocked server can also drop the connection (ECONNRESET): counted, and its wait too
    const ok = await call('getSettings', []).then(() => true, () => false);
    if (!ok) failed++;
    if (process.env.DEBUG_WAITS) console.log(`${ok ? "ok" : "dropped"} at ${(s - t0).toFixed(0)} ms after ${(performance.now() - s).toFixed(0)} ms, import done: ${!!done}`);
    // a call that the import held until its end counts as a wait too
    if (!done || performance.now() - s > 1000) waits.push(performance.now() - s);
    await new Promise((r) => setTimeout(r, 20));
  }
  const res = (await imp) as { document: { sentenceCount: number; chars: number } };
  const importMs = done - t0;
  const longest = waits.length ? Math.max(...waits) : NaN;
  console.log(`preparation       ${inline ? "on the server's thread (--inline, as before issue 11)" : 'in a worker thread'}`);
  console.log(`document          ${mb} MB in one paragraph, ${res.document.sentenceCount} sentences`);
  console.log(`import (HTTP)     ${(importMs / 1000).toFixed(2)} s`);
  console.log(`getSettings idle  median ${median(idle).toFixed(1)} ms`);
  console.log(`getSettings during import: ${waits.length - failed} answered${failed ? ` (${failed} dropped by the server)` : ''}, median ${median(waits).toFixed(1)} ms, longest ${longest.toFixed(1)} ms ` +
    `(${((100 * longest) / importMs).toFixed(1)}% of the import)`);
} finally {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
}
