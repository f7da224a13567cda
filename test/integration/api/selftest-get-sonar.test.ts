/**
 * getSonar runs the self-test on the pack it installed (same request id, stage 'selftest'), and a cancel during the
 * self-test keeps the complete pack, without a report — against a local server of official-format random checkpoints.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../../main/api/service.js';
import type { ApiEvent } from '../../../main/api/contract.js';
import { startFileServer, type FileServer } from '../../helpers/file-server.js';
import { writeOfficialSonarFolder } from '../../helpers/official-sonar.js';

describe('getSonar and the self-test', () => {
  let work: string;
  let srv: FileServer;
  let sha: Record<string, string>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cs-getsonar-selftest-'));
    const served = writeOfficialSonarFolder(work);
    sha = served.tokenizerSha256;
    srv = await startFileServer(served.dir);
  }, 240_000);
  afterAll(async () => {
    await srv?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('cancel during the self-test: the pack stays installed, without a report; selftestPack then tests it', async () => {
    const data = join(work, 'data');
    const svc = await createService({ dbPath: join(data, 'c.db'), dataDir: data, userPackDir: join(data, 'models'), packDirs: [], sonarSha256: sha, decoding: { maxTokens: 24 } });
    const stages: string[] = [];
    svc.onEvent((e: ApiEvent) => {
      if (e.type !== 'progress' || e.requestId !== 'get-1') return;
      stages.push(e.stage);
      if (e.stage === 'selftest' && e.message === 'encode rus_Cyrl') void svc.cancelRun('get-1');
    });
    try {
      await svc.acceptSonarLicense();
      const pack = await svc.getSonar({ baseUrl: srv.url, requestId: 'get-1' });
      expect(stages).toContain('convert');
      expect(stages).toContain('selftest');
      expect(pack.name).toBe('sonar-text-basic');
      expect(pack.selftest).toBeUndefined();
      expect(existsSync(join(pack.path, 'pack.json'))).toBe(true);
      expect(existsSync(join(pack.path, 'selftest.json'))).toBe(false);
      // run on demand: random weights fail alignment, and the report is now saved with the pack
      const tested = await svc.selftestPack({ name: 'sonar-text-basic' });
      expect(tested.selftest!.checks.find((c) => c.id === 'alignment')!.passed).toBe(false);
      expect(existsSync(join(pack.path, 'selftest.json'))).toBe(true);
    } finally {
      await svc.close();
    }
  }, 400_000);
});
