/**
 * Issue 11, defect 8: `packs verify mini-sonar` for an installed pack that fails to load printed
 * `No pack named "mini-sonar" is installed`. It now reports the pack's own problem.
 */
import { cpSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createService } from '../../../main/api/service.js';

const RANDOM_SONAR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../fixtures/random/sonar');
const dir = mkdtempSync(join(tmpdir(), 'cs-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('packs verify on a pack that fails to load', () => {
  it('names the pack\'s problem, not "no pack named"', async () => {
    const pack = join(dir, 'packs', 'some-folder');
    cpSync(RANDOM_SONAR, pack, { recursive: true });
    truncateSync(join(pack, 'decoder.onnx'), 100); // wrong size: loadPack refuses it
    const svc = await createService({ dbPath: join(dir, 'c.db'), packDirs: [join(dir, 'packs')] });
    try {
      const e = await svc.verifyPack('random-sonar').catch((x) => x);
      expect(e.code).toBe('PACK_FILE_SIZE');
      expect(e.message).not.toMatch(/No pack named/);
      expect(e.message).toMatch(/decoder\.onnx/);
    } finally {
      await svc.close();
    }
  });
});
