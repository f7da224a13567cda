/**
 * Issue 11, defect 3 through the service: a SONAR pack whose decoder has 4 KB of flipped bytes (same size) used to
 * load, `summarize` stored empty text as a `done` run, and `packs list` said ok. Now the run is refused with
 * PACK_CHECKSUM naming the pack and file, and the pack is listed as failed.
 */
import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type ConceptService } from '../../../main/api/service.js';

const MINI_SONAR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../models/mini/sonar');

describe('damaged pack weights are refused before use', () => {
  let dir: string;
  let svc: ConceptService;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-weights-'));
    const pack = join(dir, 'packs', 'sonar');
    cpSync(MINI_SONAR, pack, { recursive: true });
    const dec = join(pack, 'decoder.onnx');
    const at = Math.floor(statSync(dec).size / 2);
    const fd = openSync(dec, 'r+');
    writeSync(fd, Buffer.from(readFileSync(dec).subarray(at, at + 4096).map((b) => b ^ 0xff)), 0, 4096, at);
    closeSync(fd);
    svc = await createService({ dbPath: join(dir, 'concept.db'), packDirs: [join(dir, 'packs')] });
  });
  afterAll(async () => {
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('packs() lists the pack as failed, with the damaged file named', async () => {
    const [p] = await svc.packs();
    expect(p!.verified).toBe('failed');
    expect(p!.problems.join()).toMatch(/decoder\.onnx does not match its sha256/);
  });

  it('a run fails with PACK_CHECKSUM instead of storing empty text as done', async () => {
    const imp = await svc.importDocument({ name: 'a.txt', text: 'The cat sat on the mat. It was warm outside.' });
    const err = await (async () => {
      const { requestId } = await svc.startRun({ documentId: imp.document.id, task: 'summarize', targetLang: 'eng_Latn', method: 'extractive', length: { sentences: 1 } });
      return svc.waitForRun(requestId);
    })().catch((e) => e);
    expect(err).toMatchObject({ code: 'PACK_CHECKSUM' });
    expect(err.message).toMatch(/is damaged and was not used/);
    const runs = await svc.listRuns(imp.document.id);
    expect(runs.every((r) => r.status !== 'done')).toBe(true);
  });
});
