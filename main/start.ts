/**
 * `npm start`: the desktop app when Electron's binary is installed, otherwise browser mode.
 *
 *   npm start                   Electron if `require('electron')` names an existing binary, else browser mode
 *   npm start -- --browser      always browser mode (also: CONCEPT_BROWSER=1); prints the URL with its token
 *   npm start -- --port 8765    fixed port (default: a free one)
 *   npm start -- --data DIR     where the database and the user's packs live (default: the platform's app data dir)
 *
 * main() builds the renderer (renderer/dist) when it is missing or older than its sources; Electron's main,
 * preload and engine host are bundled to out/electron/ by main/electron/build.ts before Electron starts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventSourceApi } from './api/contract.js';
import { dataDirOptions } from './api/options.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const RENDERER_DIST = join(ROOT, 'renderer', 'dist');

export interface StartArgs {
  browser: boolean;
  port: number;
  host: string;
  dataDir: string;
  open: boolean;
}

export function parseArgs(argv: string[]): StartArgs {
  const a: StartArgs = {
    browser: !!process.env.CONCEPT_BROWSER,
    port: Number(process.env.CONCEPT_PORT ?? 0),
    host: '127.0.0.1',
    dataDir: process.env.CONCEPT_DATA_DIR ?? defaultDataDir(),
    open: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--browser' || k === '--no-electron') a.browser = true;
    else if (k === '--port') a.port = Number(argv[++i]);
    else if (k === '--host') a.host = String(argv[++i]);
    else if (k === '--data') a.dataDir = resolve(String(argv[++i]));
    else if (k === '--open') a.open = true;
  }
  return a;
}

/** The same folder Electron's app.getPath('userData') uses for the app name "Concept Studio". */
export function defaultDataDir(): string {
  const name = 'Concept Studio';
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), name);
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', name);
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), name);
}

/** Path of the Electron binary when the `electron` package installed one, else null. */
function electronBinary(): string | null {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null; // not installed, or installed with ELECTRON_SKIP_BINARY_DOWNLOAD
  }
}

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** True when renderer/dist is missing or older than any renderer source. */
export function rendererNeedsBuild(): boolean {
  const index = join(RENDERER_DIST, 'index.html');
  if (!existsSync(index)) return true;
  return newestMtime(join(ROOT, 'renderer')) > statSync(index).mtimeMs;
}

export function buildRenderer(): void {
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', join(ROOT, 'renderer', 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('The renderer build failed (vite build).');
}

/** The service options of an app data folder, with this checkout's bundled packs. */
export function serviceOptions(dataDir: string) {
  return dataDirOptions(dataDir, join(ROOT, 'models', 'mini'));
}

/** The real service (main/api/service.ts) on the app data folder `dataDir`. */
async function loadService(dataDir: string): Promise<EventSourceApi> {
  const { createService } = await import('./api/service.js');
  const opts = serviceOptions(dataDir);
  mkdirSync(opts.userPackDir, { recursive: true });
  return createService(opts);
}

async function startBrowserMode(api: EventSourceApi, args: Pick<StartArgs, 'port' | 'host'>) {
  const { createServer } = await import('./server.js');
  const srv = await createServer({ api, port: args.port, host: args.host });
  console.log(`Concept Studio (browser mode) is running.\n\n  Open: ${srv.appUrl}\n\n` +
    'The token in the link is required for every API call; it changes at each start. Ctrl+C stops.');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 5000).unref(); // never hang on the way out
    await srv.close().catch(() => undefined);
    await (api as any).close?.().catch?.(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  watchAncestors(stop);
  return srv;
}

/** The parent pid of `pid` (Linux /proc), or null. */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/**
 * `npm start` runs `sh -c "tsx main/start.ts"`, and Debian's sh (dash) does not pass a SIGTERM on: npm and the shell
 * end, tsx and this server are orphaned and keep answering. So, when started by npm on Linux, watch the chain of
 * ancestors (tsx → sh → npm) and stop as soon as one of them is gone.
 */
function watchAncestors(stop: () => void) {
  if (process.platform !== 'linux' || !process.env.npm_lifecycle_event) return;
  const chain: [number, number | null][] = [];
  let pid = process.pid;
  for (let i = 0; i < 4; i++) {
    const parent = parentOf(pid);
    if (!parent || parent <= 1) break;
    chain.push([pid, parent]);
    pid = parent;
  }
  if (!chain.length) return;
  const timer = setInterval(() => {
    if (chain.some(([child, parent]) => parentOf(child) !== parent)) {
      clearInterval(timer);
      void stop();
    }
  }, 500);
  timer.unref();
}

export async function main(argv = process.argv.slice(2)) {
  const args = parseArgs(argv);
  if (rendererNeedsBuild()) {
    console.log('Building the renderer (vite build)…');
    buildRenderer();
  }
  const electron = args.browser ? null : electronBinary();
  if (electron) {
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'main', 'electron', 'build.ts')], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (build.status !== 0) throw new Error('Bundling the Electron main process failed.');
    const child = spawn(electron, [join(ROOT, 'out', 'electron', 'main.js')], { cwd: ROOT, stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 0));
    return;
  }
  if (!args.browser) console.log('Electron is not installed here (no binary); starting browser mode.');
  mkdirSync(args.dataDir, { recursive: true });
  let api: EventSourceApi;
  try {
    api = await loadService(args.dataDir);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
  await startBrowserMode(api, args);
}

// Run as a script only (not when bundled into another entry such as out/electron/main.mjs).
if (process.argv[1] && /[\\/]start\.(ts|js)$/.test(fileURLToPath(import.meta.url)) && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
