/**
 * The Electron shell without Electron (its binary cannot run here): the engine supervisor with a fake process,
 * the preload bundle run against a fake `electron` module, and the security settings of the main process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it, vi } from 'vitest';
import { API_METHODS, type ApiEvent } from '../../main/api/contract.js';
import { EngineSupervisor, type EngineProcess } from '../../main/electron/engine-supervisor.js';
import type { FromEngine, ToEngine } from '../../main/electron/protocol.js';
import { ROOT } from './harness.js';

class FakeProc implements EngineProcess {
  sent: ToEngine[] = [];
  private msg: ((m: FromEngine) => void) | null = null;
  private exit: ((code: number) => void) | null = null;
  killed = false;
  postMessage(m: ToEngine) {
    this.sent.push(m);
  }
  onMessage(cb: (m: FromEngine) => void) {
    this.msg = cb;
  }
  onExit(cb: (code: number) => void) {
    this.exit = cb;
  }
  kill() {
    this.killed = true;
  }
  reply(m: FromEngine) {
    this.msg!(m);
  }
  crash(code = 134) {
    this.exit!(code);
  }
  lastCall() {
    return this.sent.filter((m) => m.type === 'call').at(-1) as Extract<ToEngine, { type: 'call' }>;
  }
}

const OPTIONS = { dataDir: '/d', dbPath: '/d/db', userPackDir: '/d/models', bundledPackDir: '/m' };

describe('engine supervisor (utilityProcess)', () => {
  function setup(maxRestarts = 3) {
    const procs: FakeProc[] = [];
    const events: ApiEvent[] = [];
    const sup = new EngineSupervisor({
      fork: () => {
        const p = new FakeProc();
        procs.push(p);
        return p;
      },
      options: OPTIONS,
      onEvent: (e) => events.push(e),
      maxRestarts,
    });
    return { sup, procs, events };
  }

  it('initialises the engine and answers calls by id', async () => {
    const { sup, procs } = setup();
    const r = sup.call('languages', []);
    expect(procs).toHaveLength(1);
    expect(procs[0].sent[0]).toEqual({ type: 'init', options: OPTIONS });
    const c = procs[0].lastCall();
    expect(c).toMatchObject({ method: 'languages', args: [] });
    procs[0].reply({ type: 'result', id: c.id, ok: true, result: [{ code: 'eng_Latn' }] });
    await expect(r).resolves.toEqual([{ code: 'eng_Latn' }]);
  });

  it('passes errors with their code', async () => {
    const { sup, procs } = setup();
    const r = sup.call('getDocument', [9]);
    procs[0].reply({ type: 'result', id: procs[0].lastCall().id, ok: false, error: { code: 'DOCUMENT_NOT_FOUND', message: 'No document 9.' } });
    await expect(r).rejects.toMatchObject({ code: 'DOCUMENT_NOT_FOUND', message: 'No document 9.' });
  });

  it('on a crash: fails pending calls and in-flight runs, then restarts the engine', async () => {
    const { sup, procs, events } = setup();
    const start = sup.call('startRun', [{ documentId: 1, task: 'summarize', targetLang: 'fra_Latn' }]);
    procs[0].reply({ type: 'result', id: procs[0].lastCall().id, ok: true, result: { requestId: 'req-1' } });
    await start;
    procs[0].reply({ type: 'event', event: { type: 'progress', requestId: 'req-1', stage: 'encode', done: 1, total: 4 } });
    const pending = sup.call('listRuns', [1]);
    procs[0].crash(139);
    await expect(pending).rejects.toMatchObject({ code: 'ENGINE_CRASHED' });
    expect(events.at(-1)).toMatchObject({ type: 'error', requestId: 'req-1', code: 'ENGINE_CRASHED' });
    expect(procs).toHaveLength(2); // restarted at once
    expect(procs[1].sent[0]).toMatchObject({ type: 'init' });
    const again = sup.call('languages', []);
    procs[1].reply({ type: 'result', id: procs[1].lastCall().id, ok: true, result: [] });
    await expect(again).resolves.toEqual([]);
    expect(sup.crashes).toBe(1);
  });

  it('does not report finished runs as failed', async () => {
    const { sup, procs, events } = setup();
    const start = sup.call('startRun', [{}]);
    procs[0].reply({ type: 'result', id: procs[0].lastCall().id, ok: true, result: { requestId: 'r2' } });
    await start;
    procs[0].reply({ type: 'event', event: { type: 'error', requestId: 'r2', code: 'CANCELLED', message: 'x' } });
    procs[0].crash();
    expect(events.filter((e) => e.type === 'error' && e.code === 'ENGINE_CRASHED')).toHaveLength(0);
  });

  it('stops restarting in a crash loop and starts again lazily on the next call', async () => {
    const { sup, procs } = setup(1);
    sup.start();
    procs[0].crash();
    expect(procs).toHaveLength(2);
    procs[1].crash();
    expect(procs).toHaveLength(2); // gave up for now
    const r = sup.call('languages', []);
    expect(procs).toHaveLength(3);
    procs[2].reply({ type: 'result', id: procs[2].lastCall().id, ok: true, result: [] });
    await expect(r).resolves.toEqual([]);
  });

  it('ignores messages from a dead process and rejects calls after stop()', async () => {
    const { sup, procs } = setup();
    sup.start();
    const old = procs[0];
    old.crash();
    expect(() => old.reply({ type: 'event', event: { type: 'progress', requestId: 'x', stage: 'load', done: 0, total: 1 } })).not.toThrow();
    sup.stop();
    expect(procs[1].killed).toBe(true);
    await expect(sup.call('languages', [])).rejects.toMatchObject({ code: 'ENGINE_STOPPED' });
  });
});

describe('preload bridge', () => {
  it('exposes exactly the API methods plus onEvent, and unwraps errors into {code, message}', async () => {
    const out = await build({
      entryPoints: [join(ROOT, 'main/electron/preload.ts')], bundle: true, write: false, format: 'cjs', platform: 'node',
      external: ['electron'], logLevel: 'silent',
    });
    const exposed: Record<string, any> = {};
    const listeners: Record<string, Function[]> = {};
    const invoke = vi.fn(async (_ch: string, method: string, args: unknown[]) =>
      method === 'getRun' ? { ok: false, error: { code: 'RUN_NOT_FOUND', message: 'No run.' } } : { ok: true, result: { method, args } });
    const electron = {
      contextBridge: { exposeInMainWorld: (k: string, v: unknown) => (exposed[k] = v) },
      ipcRenderer: {
        invoke,
        on: (ch: string, l: Function) => (listeners[ch] ??= []).push(l),
        removeListener: (ch: string, l: Function) => (listeners[ch] = listeners[ch].filter((x) => x !== l)),
      },
    };
    const mod = { exports: {} };
    runInNewContext(out.outputFiles[0].text, { require: (n: string) => (n === 'electron' ? electron : undefined), module: mod, exports: mod.exports });
    const bridge = exposed.conceptApi;
    expect(Object.keys(exposed)).toEqual(['conceptApi']);
    expect(Object.keys(bridge).sort()).toEqual([...API_METHODS, 'onEvent'].sort());
    expect(Object.isFrozen(bridge)).toBe(true);
    await expect(bridge.getDocument(3)).resolves.toEqual({ method: 'getDocument', args: [3] });
    expect(invoke).toHaveBeenCalledWith('concept:call', 'getDocument', [3]);
    await expect(bridge.getRun(1)).rejects.toEqual({ code: 'RUN_NOT_FOUND', message: 'No run.' });
    const got: unknown[] = [];
    const off = bridge.onEvent((e: unknown) => got.push(e));
    listeners['concept:event'][0]({}, { type: 'progress' });
    off();
    expect(listeners['concept:event']).toHaveLength(0);
    expect(got).toEqual([{ type: 'progress' }]);
  });
});

describe('Electron main process security settings', () => {
  const src = readFileSync(join(ROOT, 'main/electron/main.ts'), 'utf8');
  it.each([
    'contextIsolation: true', 'sandbox: true', 'nodeIntegration: false', 'webSecurity: true', 'webviewTag: false',
    "setWindowOpenHandler(() => ({ action: 'deny' }))", 'setPermissionRequestHandler((_wc, _permission, callback) => callback(false))',
    "contents.on('will-navigate'", "protocol.handle('app'", 'trustedSender(e)', 'utilityProcess.fork',
  ])('main.ts has %s', (needle) => {
    expect(src).toContain(needle);
  });
  it('never loads file:// and serves the renderer with the CSP', () => {
    expect(src).not.toMatch(/loadFile\(|loadURL\([`'"]file:/);
    expect(src).toContain('win.loadURL(`${APP_ORIGIN}/index.html`)');
    expect(src).toContain("'content-security-policy': CSP");
  });
});

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own schema validation and names every target', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config');
    const { DebugLogger } = require('builder-util');
    const cfg = await getConfig(ROOT, join(ROOT, 'electron-builder.yml'), null);
    await validateConfiguration(cfg, new DebugLogger(false));
    expect(cfg.linux.target).toEqual(['AppImage', 'deb']);
    expect(cfg.win.target).toEqual(['nsis']);
    expect(cfg.mac.target).toEqual(['dmg']);
    expect(cfg.asarUnpack).toEqual(expect.arrayContaining(['**/node_modules/onnxruntime-node/**', '**/node_modules/better-sqlite3/**']));
    expect(cfg.extraResources[0]).toMatchObject({ from: 'models/mini', to: 'models/mini' });
    expect(JSON.stringify(cfg.files)).toContain('node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}/**');
  });
});

describe('bundled engine host (the utilityProcess entry)', () => {
  it.skipIf(!existsSync(join(ROOT, 'main/api/service.ts')))('bundles with its worker and serves a run under a stand-in parentPort', async () => {
    // Inside the checkout (under node_modules/.cache), so the bundle's external packages resolve from node_modules.
    mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
    const out = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'concept-electron-'));
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'main/electron/build.ts'), out], { cwd: ROOT, stdio: 'pipe' });
      for (const f of ['main.mjs', 'preload.cjs', 'engine-host.mjs', 'worker.js', 'handlers.js']) expect(existsSync(join(out, f)), f).toBe(true);
      const line = execFileSync(process.execPath, [join(ROOT, 'test/e2e/engine-host-smoke.mjs'), out, join(ROOT, 'test/fixtures/random')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      const r = JSON.parse(line.trim().split('\n').pop()!);
      expect(r).toMatchObject({ languages: 202, imported: true, unknown: 'UNKNOWN_METHOD', end: 'done' });
      expect(r.progress).toBeGreaterThan(3);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
