/**
 * One server and one Chromium for the whole e2e suite. Uses the real service (main/api/service.ts, bundled mini
 * packs, a fresh data folder) when it exists, else the fake API; CONCEPT_E2E_API=fake|real forces one.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createServer, type EventSourceApi, type RunningServer } from '../../main/server.js';
import { buildRenderer, rendererNeedsBuild, serviceOptions } from '../../main/start.js';
import { expect } from 'vitest';
import { createFakeApi } from './fake-api.js';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test', 'e2e', 'screenshots');
export const hasChromium = existsSync(CHROMIUM);

export interface E2E {
  mode: 'real' | 'fake';
  packs: string;
  api: EventSourceApi;
  server: RunningServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export function wantReal(): boolean {
  const forced = process.env.CONCEPT_E2E_API;
  if (forced === 'fake') return false;
  if (forced === 'real') return true;
  return existsSync(join(ROOT, 'main', 'api', 'service.ts'));
}

/** The message browser tests fail with (never a silent skip) when there is no Chromium to drive. */
export const CHROMIUM_MISSING =
  `Chromium is missing at ${CHROMIUM}: the browser tests cannot run. Install it (Debian/Ubuntu: apt-get install chromium) ` +
  'or point CHROMIUM_PATH at a Chromium or Chrome binary.';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(CHROMIUM_MISSING);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

export async function startE2E(opts: { locale?: string; service?: Record<string, unknown> } = {}): Promise<E2E> {
  if (rendererNeedsBuild()) buildRenderer();
  const real = wantReal();
  let dataDir: string | null = null;
  let packsUsed = 'fake';
  let api: EventSourceApi;
  if (real) {
    dataDir = mkdtempSync(join(tmpdir(), 'concept-e2e-'));
    const o = serviceOptions(dataDir);
    mkdirSync(o.userPackDir, { recursive: true });
    const spec = '../../main/api/service.js';
    const mod: any = await import(spec);
    // The bundled mini packs; before they are trained, the random-weight fixture packs (same graphs, same contract).
    const hasMini = existsSync(join(o.bundledPackDir, 'sonar')) || existsSync(join(o.bundledPackDir, 'pack.json'))
      || (existsSync(o.bundledPackDir) && readdirSync(o.bundledPackDir).some((d) => existsSync(join(o.bundledPackDir, d, 'pack.json'))));
    api = await mod.createService({
      ...o,
      ...(hasMini ? {} : { packDirs: [join(ROOT, 'test', 'fixtures', 'random')] }),
      decoding: { greedy: true, maxTokens: 48 }, // keep the suite quick: short greedy decoding
      ...opts.service,
    });
    packsUsed = hasMini ? 'models/mini' : 'test/fixtures/random';
  } else {
    api = createFakeApi();
  }
  const server = await createServer({ api });
  const browser = await launchBrowser();
  const context = await browser.newContext({
    locale: opts.locale ?? 'en-US',
    viewport: { width: 1360, height: 900 },
    deviceScaleFactor: 1,
    reducedMotion: 'reduce', // no transitions: stable screenshots and colour-contrast checks
  });
  const page = await context.newPage();
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    mode: real ? 'real' : 'fake',
    packs: packsUsed,
    api,
    server,
    browser,
    context,
    page,
    async close() {
      await browser.close().catch(() => {});
      await server.close();
      await (api as any).close?.();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** axe-core on the page: no serious or critical accessibility violation (each one listed with where it is). */
export async function axe(page: Page, label: string) {
  const src = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(src); // evaluated over the DevTools protocol, so the page's CSP does not apply
  const res: any = await page.evaluate(() => (globalThis as any).axe.run((globalThis as any).document, { resultTypes: ['violations'] }));
  const bad = res.violations.filter((v: any) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map((v: any) => `${label}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 3).map((n: any) => n.target.join(' ')).join(', ')}`);
  if (report.length) console.log(report.join('\n'));
  expect(report).toEqual([]);
}
