/**
 * Models & settings → Get SONAR in the browser (real service, real Chromium) against a local HTTP server on
 * 127.0.0.1 serving official-format random checkpoints: the licence is shown and must be ticked, the download and
 * conversion show progress (int8 preselected, the models running on the CPU), the converted pack appears with its self-test report, is made active, and a summary
 * runs on it.
 * Screenshots: test/e2e/screenshots/{get-sonar-license,get-sonar-installed}.png
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer, type FileServer } from '../helpers/file-server.js';
import { OFFICIAL_DECODER, writeOfficialSonarFolder } from '../helpers/official-sonar.js';
import { CHROMIUM_MISSING, hasChromium, ROOT, SCREENSHOTS, startE2E, type E2E } from './harness.js';


if (!hasChromium) {
  describe('Get SONAR (e2e)', () => {
    it('needs Chromium', () => {
      throw new Error(CHROMIUM_MISSING);
    });
  });
} else {
  describe('Get SONAR in the browser (e2e)', () => {
    let e: E2E;
    let page: Page;
    let srv: FileServer;
    let work: string;
    const errors: string[] = [];

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'e2e-get-sonar-'));
      const served = writeOfficialSonarFolder(work);
      srv = await startFileServer(served.dir);
      srv.trickle(OFFICIAL_DECODER, 5); // slow enough for the progress line to be seen
      // the test tokenizer is not the official one: its own hash stands in for the documented hash
      e = await startE2E({ service: { sonarSha256: served.tokenizerSha256 } });
      page = e.page;
      page.on('pageerror', (err) => errors.push(err.message));
    }, 300_000);
    afterAll(async () => {
      await e?.close();
      await srv?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('licence → progress → converted pack → active → a summary runs on it', async () => {
      expect(e.mode).toBe('real');
      await page.goto(e.server.appUrl);
      if (await page.getByTestId('first-run').count()) await page.getByTestId('first-run-dismiss').click();
      await page.getByTestId('open-settings').click();
      const dlg = page.getByTestId('settings');
      await dlg.getByTestId('get-sonar-open').click();
      const lic = dlg.getByTestId('get-sonar-license');
      await lic.waitFor();
      expect(await lic.textContent()).toMatch(/NON-COMMERCIAL/);
      expect(await dlg.getByTestId('get-sonar-start').isDisabled()).toBe(true); // not before the licence is ticked
      // each variant names the disk its pack takes at the official size: int8 under a third of fp32
      const gb = async (v: string) => {
        await expect.poll(() => dlg.locator(`[data-testid="get-sonar-variant"] option[value="${v}"]`).textContent()).toMatch(/\d GB$/);
        const text = (await dlg.locator(`[data-testid="get-sonar-variant"] option[value="${v}"]`).textContent())!;
        return Number(/([\d.]+) GB$/.exec(text)![1]);
      };
      const [g32, g16, g8] = [await gb('fp32'), await gb('fp16'), await gb('int8')];
      expect(g16 / g32).toBeCloseTo(0.5, 1);
      expect(g8 / g32).toBeLessThan(0.3);
      // the models run on the CPU here: int8 is recommended and preselected (the user can still pick another)
      const rec = dlg.getByTestId('get-sonar-recommended');
      await rec.waitFor();
      expect(await rec.getAttribute('data-variant')).toBe('int8');
      expect(await rec.textContent()).toMatch(/int8.*CPU/);
      expect(await dlg.getByTestId('get-sonar-variant').inputValue()).toBe('int8');
      await dlg.getByTestId('get-sonar-accept').check();
      await dlg.getByTestId('get-sonar-url').fill(srv.url);
      await page.screenshot({ path: join(SCREENSHOTS, 'get-sonar-license.png') });
      await dlg.getByTestId('get-sonar-start').click();
      await expect.poll(() => dlg.getByTestId('get-sonar-progress').textContent(), { timeout: 60_000 }).toMatch(/Downloading sonar_text_decoder\.pt/);
      const card = dlg.locator('[data-testid="pack-card"][data-name="sonar-text-basic-int8"]');
      await card.waitFor({ timeout: 180_000 });
      expect(await card.getByTestId('pack-kind').textContent()).toBe('sonar · int8');
      expect((await e.api.sonarLicense()).accepted).toBe(true);
      // the self-test ran on the new pack before it was listed: random weights fail it, and the card says so
      const st = card.getByTestId('pack-selftest');
      expect(await st.getAttribute('data-status')).toBe('failed');
      expect(await st.locator('[data-testid="selftest-check"][data-check="alignment"]').getAttribute('data-passed')).toBe('false');
      await card.getByTestId('pack-use').click();
      await card.getByTestId('pack-active').waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SCREENSHOTS, 'get-sonar-installed.png') });
      expect((await e.api.getSettings()).activeSonar).toBe('sonar-text-basic-int8');
      await page.getByTestId('close-settings').click();

      await page.getByTestId('paste-toggle').click();
      await page.getByTestId('paste-title').fill('On SONAR');
      await page.getByTestId('paste-text').fill('The cat sleeps on the mat. The dog runs in the park. Two birds sing in the tree. The sun is warm today.');
      await page.getByTestId('paste-import').click();
      await expect.poll(() => page.getByTestId('doc-title').textContent(), { timeout: 60_000 }).toMatch(/^On SONAR/);
      await page.getByTestId('run').click();
      await page.getByTestId('output-sentence').first().waitFor({ timeout: 240_000 });
      const runs = await e.api.listRuns(1);
      expect(runs.length).toBeGreaterThan(0);
      const run = await e.api.getRun(runs[0].id);
      expect(JSON.stringify(run.packs)).toContain('sonar-text-basic-int8');
      expect(errors).toEqual([]);
    }, 400_000);
  });
}
