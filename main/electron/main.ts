/**
 * Electron main process, kept thin: one window, the renderer served from app://concept (never file://), a strict
 * CSP, the engine in a utilityProcess, and the typed API over one validated IPC channel.
 * Security checklist: contextIsolation, sandbox, no nodeIntegration, webSecurity on, permission requests denied,
 * navigation and new windows blocked, <webview> refused, IPC senders checked against the app origin.
 */
import { app, BrowserWindow, ipcMain, protocol, session, utilityProcess, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { readFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_METHODS, type ApiEvent } from '../api/contract.js';
import { dataDirOptions } from '../api/options.js';
import { contentType, CSP, staticPath } from '../static.js';
import { EngineSupervisor, type EngineProcess } from './engine-supervisor.js';
import { APP_ORIGIN, IPC_CALL, IPC_EVENT, type FromEngine, type IpcReply, type ToEngine } from './protocol.js';

// Bundled to out/electron/main.mjs; the app root (package.json, renderer/dist) is two levels up, in the asar too.
const HERE = fileURLToPath(new URL('.', import.meta.url));
const APP_ROOT = resolve(HERE, '..', '..');
const RENDERER_DIR = join(APP_ROOT, 'renderer', 'dist');
const METHODS = new Set<string>(API_METHODS);

app.setName('Concept Studio');
protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);

if (!app.requestSingleInstanceLock()) app.quit();

function bundledPackDir() {
  return app.isPackaged ? join(process.resourcesPath, 'models', 'mini') : join(APP_ROOT, 'models', 'mini');
}

function serviceOptions() {
  // ~/.config/Concept Studio, %APPDATA%\Concept Studio, ~/Library/Application Support/…
  const opts = {
    ...dataDirOptions(app.getPath('userData'), bundledPackDir()),
    sonarTemplatesDir: app.isPackaged ? join(process.resourcesPath, 'templates', 'sonar') : join(APP_ROOT, 'main', 'engine', 'packs', 'templates', 'sonar'),
  };
  mkdirSync(opts.userPackDir, { recursive: true });
  return opts;
}

function forkEngine(): EngineProcess {
  const child = utilityProcess.fork(join(HERE, 'engine-host.mjs'), [], { serviceName: 'Concept Studio engine', stdio: 'inherit' });
  return {
    postMessage: (m: ToEngine) => child.postMessage(m),
    onMessage: (cb) => child.on('message', (m: FromEngine) => cb(m)),
    onExit: (cb) => child.on('exit', (code: number) => cb(code)),
    kill: () => void child.kill(),
  };
}

/** Only the app's own top frame may call the API. */
function trustedSender(e: IpcMainInvokeEvent): boolean {
  const frame = e.senderFrame;
  if (!frame || frame.parent) return false;
  try {
    return new URL(frame.url).origin === APP_ORIGIN;
  } catch {
    return false;
  }
}

async function serveRenderer(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.host !== 'concept') return new Response('Not found', { status: 404 });
  const found = staticPath(RENDERER_DIR, url.pathname);
  if ('status' in found) return new Response(found.message, { status: found.status });
  const { file } = found;
  try {
    const body = await readFile(file);
    return new Response(body, {
      headers: { 'content-type': contentType(file), 'content-security-policy': CSP },
    });
  } catch {
    return new Response('Not found', { status: 404 });
  }
}

function harden(contents: WebContents) {
  contents.on('will-navigate', (e, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) e.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

function createWindow() {
  const win = new BrowserWindow({
    width: 1320,
    height: 860,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'Concept Studio',
    backgroundColor: '#15171a',
    webPreferences: {
      preload: join(HERE, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

app.on('web-contents-created', (_e, contents) => harden(contents));

app.whenReady().then(() => {
  protocol.handle('app', serveRenderer);
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });

  const broadcast = (ev: ApiEvent) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(IPC_EVENT, ev);
  };
  const engine = new EngineSupervisor({ fork: forkEngine, options: serviceOptions(), onEvent: broadcast, log: console.error });
  engine.start();

  ipcMain.handle(IPC_CALL, async (e, method: unknown, args: unknown): Promise<IpcReply> => {
    if (!trustedSender(e)) return { ok: false, error: { code: 'FORBIDDEN', message: 'Untrusted sender.' } };
    if (typeof method !== 'string' || !METHODS.has(method)) {
      return { ok: false, error: { code: 'UNKNOWN_METHOD', message: `No API method ${String(method)}.` } };
    }
    if (!Array.isArray(args)) return { ok: false, error: { code: 'BAD_ARGS', message: 'Arguments must be an array.' } };
    try {
      return { ok: true, result: await engine.call(method, args) };
    } catch (err: any) {
      return { ok: false, error: { code: String(err?.code ?? 'INTERNAL'), message: String(err?.message ?? err) } };
    }
  });

  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('before-quit', () => engine.stop());
});

app.on('second-instance', () => {
  const [w] = BrowserWindow.getAllWindows();
  if (w) {
    if (w.isMinimized()) w.restore();
    w.focus();
  }
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
