/**
 * Issue 11 measurement: how fast the browser-mode server answers `getSettings` while it imports a large
 * one-paragraph document over HTTP, against the import's own duration and an idle baseline in the same run.
 *
 *   npx tsx scripts/import-responsiveness.mts [--mb 4.5]
 *
 * Prints: the import's time and sentence count; getSettings answers during the import (count, median and longest
 * wait) and while idle (median), and the longest wait as a share of the import.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService } from '../main/api/service.js';
import { createServer } from '../main/server.js';
import { bigParagraph } from './lib/big-paragraph.js';

const mbArg = process.argv.indexOf('--mb');
const mb = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 4.5;
const dir = mkdtempSync(join(tmpdir(), 'cs-import-resp-'));
const svc = await createService({ dbPath: join(dir, 'c.db'), packDirs: [] });
const srv = await createServer({ api: svc, staticDir: null });
const call = async (method: string, args: unknown[]) => {
  const r = await fetch(`${srv.url}api/${method}`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-concept-token': srv.token }, body: JSON.stringify(args),
  });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`${method}: ${r.status} ${JSON.stringify(body)}`);
  return body;
};
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
  while (!done) {
    const s = performance.now();
    await call('getSettings', []);
    if (!done) waits.push(performance.now() - s);
    await new Promise((r) => setTimeout(r, 20));
  }
  const res = (await imp) as { document: { sentenceCount: number; chars: number } };
  const importMs = done - t0;
  const longest = Math.max(...waits);
  console.log(`document          ${mb} MB in one paragraph, ${res.document.sentenceCount} sentences`);
  console.log(`import (HTTP)     ${(importMs / 1000).toFixed(2)} s`);
  console.log(`getSettings idle  median ${median(idle).toFixed(1)} ms`);
  console.log(`getSettings during import: ${waits.length} answered, median ${median(waits).toFixed(1)} ms, longest ${longest.toFixed(1)} ms ` +
    `(${((100 * longest) / importMs).toFixed(1)}% of the import)`);
} finally {
  await srv.close();
  await svc.close();
  rmSync(dir, { recursive: true, force: true });
}
