/**
 * Issue 11, defect 1 (second part): a 4.5 MB one-paragraph import over HTTP held the server's event loop for its
 * whole duration (import, detection and segmentation ran on it), so the app answered nothing else meanwhile. They
 * now run in a worker thread for large inputs (engine/import/prepare-thread.ts): `getSettings`, asked again and again
 * while the import runs, is answered throughout. No time limits: the longest wait for an answer is compared with the
 * import's own duration, in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type ConceptService } from '../../../main/api/service.js';
import { createServer, type RunningServer } from '../../../main/server.js';
import { bigParagraph } from '../../../scripts/lib/big-paragraph.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-import-loop-'));
let svc: ConceptService;
let srv: RunningServer;
beforeAll(async () => {
  svc = await createService({ dbPath: join(dir, 'c.db'), packDirs: [] });
  srv = await createServer({ api: svc, staticDir: null });
});
afterAll(async () => {
  await srv?.close();
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, args: unknown[]): Promise<unknown> {
  const r = await fetch(`${srv.url}api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-concept-token': srv.token },
    body: JSON.stringify(args),
  });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`${method}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

describe('a large import does not hold the server', () => {
  it('getSettings is answered while a 4.5 MB one-paragraph document is imported', async () => {
    const text = bigParagraph(4.5 * 1024 * 1024);
    let importDone = 0;
    const t0 = performance.now();
    const imp = call('importDocument', [{ name: 'big.txt', text }]).then((r) => {
      importDone = performance.now();
      return r as { document: { sentenceCount: number } };
    });
    // ask for the settings one after another until the import has answered
    const waits: number[] = [];
    let answeredDuringImport = 0;
    while (!importDone) {
      const s = performance.now();
      await call('getSettings', []);
      const e = performance.now();
      if (!importDone) {
        answeredDuringImport++;
        waits.push(e - s);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await imp;
    const importMs = importDone - t0;
    expect(res.document.sentenceCount).toBeGreaterThan(40_000);
    // before: the first getSettings waited for the whole import and no other was answered during it
    expect(answeredDuringImport).toBeGreaterThanOrEqual(5);
    const longest = Math.max(...waits);
    expect(longest / importMs, `longest getSettings ${longest.toFixed(0)} ms, import ${importMs.toFixed(0)} ms`).toBeLessThan(0.25);
  }, 600_000);
});
