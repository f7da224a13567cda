/**
 * Issue 11, defect 7 (last part): an installed LCM pack that the SONAR pack cannot use (another dimension, or a pack
 * that fails to load) was skipped silently by `auto`, and `--method lcm` then said that no LCM pack was installed.
 * Now `--method lcm` names the refused pack and why, and `auto` records (and the CLI prints) that it skipped it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createService } from '../../../main/api/service.js';
import { concept } from '../../helpers/cli.js';
import { NEWS_DOC, RANDOM } from './packs.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-lcm-rejected-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** random-sonar (dim 32) with one LCM pack: its pack.json says dim 64, or one of its files is truncated. */
function packsWith(problem: 'dim' | 'broken'): string {
  const root = join(dir, `packs-${problem}`);
  cpSync(join(RANDOM, 'sonar'), join(root, 'sonar'), { recursive: true });
  cpSync(join(RANDOM, 'base-lcm'), join(root, 'base-lcm'), { recursive: true });
  if (problem === 'dim') {
    const pj = join(root, 'base-lcm', 'pack.json');
    const j = JSON.parse(readFileSync(pj, 'utf8'));
    j.dim = 64;
    writeFileSync(pj, JSON.stringify(j, null, 2));
  } else {
    truncateSync(join(root, 'base-lcm', 'base_lcm.onnx'), 10);
  }
  return root;
}

describe('an installed LCM pack the SONAR pack cannot use', () => {
  for (const problem of ['dim', 'broken'] as const) {
    it(`${problem === 'dim' ? 'another dimension' : 'a pack that does not load'}: --method lcm names it; auto records that it skipped it`, async () => {
      const packs = packsWith(problem);
      const svc = await createService({ dbPath: join(dir, `${problem}.db`), packDirs: [packs], decoding: { beam: 1, maxTokens: 8 } });
      try {
        const { document } = await svc.importDocument({ name: 'news.txt', text: NEWS_DOC });
        const e = await svc.startRun({ documentId: document.id, task: 'summarize', targetLang: 'eng_Latn', method: 'lcm' }).catch((x) => x);
        expect(e.code).toBe(problem === 'dim' ? 'PACK_DIM_MISMATCH' : 'PACK_FILE_SIZE');
        expect(e.message).toMatch(/random-base-lcm/);
        expect(e.message).toMatch(problem === 'dim' ? /dimension 64.*32/ : /does not load.*base_lcm\.onnx/);
        expect(e.message).not.toMatch(/none is installed/);
        const c = await svc.checkRun({ task: 'expand', targetLang: 'eng_Latn' }).catch((x) => x);
        expect(c.message).toMatch(/random-base-lcm/);

        const { requestId } = await svc.startRun({ documentId: document.id, task: 'summarize', targetLang: 'eng_Latn', method: 'auto', length: { sentences: 2 } });
        const run = await svc.waitForRun(requestId);
        expect(run.method).toBe('extractive');
        expect(run.methodChoice?.skipped).toEqual([{ pack: 'random-base-lcm', reason: expect.stringMatching(problem === 'dim' ? /dimension 64/ : /does not load/) }]);
        expect((await svc.getRun(run.id)).methodChoice?.skipped?.[0].pack).toBe('random-base-lcm');
      } finally {
        await svc.close();
      }
    });
  }

  it('the CLI: --method lcm exits 3 naming the pack; auto warns on stderr', async () => {
    const packs = join(dir, 'packs-dim');
    const file = join(dir, 'news.txt');
    writeFileSync(file, NEWS_DOC);
    const common = ['--db', join(dir, 'cli.db'), '--pack', packs, '--beam', '1', '--max-tokens', '8'];
    const lcm = await concept(['summarize', file, '--method', 'lcm', ...common]);
    expect(lcm.code).toBe(3);
    expect(lcm.stderr).toMatch(/random-base-lcm .*dimension 64/);
    const auto = await concept(['summarize', file, '--sentences', '2', ...common]);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).toMatch(/warning +skipped the LCM pack random-base-lcm: its concepts have dimension 64/);
  });
});
