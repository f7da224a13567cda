/**
 * Models & settings → the SONAR pack card's self-test in the browser (real service with the bundled mini packs, real
 * Chromium): "not run yet", Run → progress → the report, which for the mini pack is a plain failure (round trip far
 * below its threshold, with baseline), marked as expected for a demonstration pack; the report survives a reload
 * (saved with the pack). Screenshot (not committed): test/e2e/screenshots/selftest-mini.png
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe, CHROMIUM_MISSING, hasChromium, SCREENSHOTS, startE2E, type E2E } from './harness.js';

if (!hasChromium) {
  describe('pack self-test (e2e)', () => {
    it('needs Chromium', () => {
      throw new Error(CHROMIUM_MISSING);
    });
  });
} else {
  describe('pack self-test in the browser (e2e)', () => {
    let e: E2E;
    let page: Page;
    const errors: string[] = [];

    beforeAll(async () => {
      e = await startE2E();
      page = e.page;
      page.on('pageerror', (err) => errors.push(err.message));
    }, 300_000);
    afterAll(async () => {
      await e?.close();
    });

    it('run from the pack card: progress, then the failed report of the demo pack, kept after a reload', async () => {
      expect(e.mode).toBe('real');
      expect(e.packs).toBe('models/mini');
      await page.goto(e.server.appUrl);
      if (await page.getByTestId('first-run').count()) await page.getByTestId('first-run-dismiss').click();
      await page.getByTestId('open-settings').click();
      const card = page.getByTestId('settings').locator('[data-testid="pack-card"][data-name="mini-sonar"]');
      const st = card.getByTestId('pack-selftest');
      await st.waitFor();
      expect(await st.getAttribute('data-status')).toBe('none');
      expect(await st.getByTestId('selftest-status').textContent()).toMatch(/not run yet/);
      // the LCM packs have no self-test
      expect(await page.locator('[data-testid="pack-card"][data-kind="lcm"] [data-testid="pack-selftest"]').count()).toBe(0);

      await st.getByTestId('selftest-run').click();
      await st.getByTestId('selftest-cancel').waitFor(); // running: progress and cancel are shown
      await expect.poll(() => st.getAttribute('data-status'), { timeout: 120_000 }).toBe('failed');
      expect(await st.getByTestId('selftest-status').textContent()).toMatch(/failed/);
      expect(await st.getByTestId('selftest-note').textContent()).toMatch(/demonstration pack: failing is expected/);
      const rt = st.locator('[data-testid="selftest-check"][data-check="round_trip"]');
      expect(await rt.getAttribute('data-passed')).toBe('false');
      const rtText = (await rt.textContent()) ?? '';
      expect(rtText).toMatch(/Round trip \(chrF\)/);
      expect(rtText).toMatch(/needs ≥ 70\.0/);
      expect(rtText).toMatch(/baseline \d+\.\d/);
      const value = Number(/(\d+\.\d)needs/.exec(rtText.replace(/\s+/g, ''))?.[1]);
      expect(value).toBeLessThan(70);
      const al = st.locator('[data-testid="selftest-check"][data-check="alignment"]');
      expect(await al.textContent()).toMatch(/Translations found \(share\)\s*0\.\d+/);
      expect(await st.locator('[data-testid="selftest-check"]').count()).toBe(5);
      await st.locator('details summary').click();
      expect(await st.locator('.examples li').count()).toBe(6);
      await card.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOTS, 'selftest-mini.png') });
      await axe(page, 'settings with a self-test report');

      // saved with the pack: a reload shows the same report
      await page.reload();
      if (await page.getByTestId('first-run').count()) await page.getByTestId('first-run-dismiss').click();
      await page.getByTestId('open-settings').click();
      const again = page.getByTestId('settings').locator('[data-testid="pack-card"][data-name="mini-sonar"] [data-testid="pack-selftest"]');
      await expect.poll(() => again.getAttribute('data-status'), { timeout: 30_000 }).toBe('failed');
      expect(errors).toEqual([]);
    }, 300_000);
  });
}
