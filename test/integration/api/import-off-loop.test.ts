/**
 * Issue 11, defect 1 (second part): a 4.5 MB one-paragraph import over HTTP held the server's event loop for its
 * whole duration (import, detection and segmentation ran on it), so the app answered nothing else meanwhile. They
 * now run, with the database write, in a worker thread for large inputs (api/import-thread.ts): `getSettings`, asked
 * again and again while the import runs, is answered throughout. No time limits: the longest wait for an answer is compared with the
 * import's own duration, in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigParagraph } from '../../../scripts/lib/big-paragraph.js';
import { startRemoteServer, type RemoteServer } from '../../../scripts/lib/remote-server.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-import-loop-'));
let srv: RemoteServer;
// the server in its own process (scripts/lib/serve-child.mjs): a client on the server's event loop could not even
// send its request while the server is blocked, and would measure nothing
beforeAll(async () => {
  srv = await startRemoteServer(join(dir, 'c.db'));
});
afterAll(async () => {
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});
const call = (method: string, args: unknown[]) => srv.call(method, args);

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
    let dropped = 0;
    while (!importDone) {
      const s = performance.now();
      // before, a call during the import could also have its connection dropped (ECONNRESET): counted as unanswered
      const ok = await call('getSettings', []).then(() => true, () => false);
      if (!ok) dropped++;
      const e = performance.now();
      if (!importDone && ok) {
        answeredDuringImport++;
        waits.push(e - s);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await imp;
    const importMs = importDone - t0;
    expect(res.document.sentenceCount).toBeGreaterThan(40_000);
    // before: the first getSettings waited for the whole import (or was dropped) and no other was answered during it
    expect(dropped).toBe(0);
    expect(answeredDuringImport).toBeGreaterThanOrEqual(5);
    const longest = Math.max(...waits);
    expect(longest / importMs, `longest getSettings ${longest.toFixed(0)} ms, import ${importMs.toFixed(0)} ms`).toBeLessThan(0.25);
  }, 600_000);
});
