/**
 * `npm start` (browser mode) stops cleanly on SIGTERM and SIGINT: the whole process tree exits and nothing keeps
 * listening on its port — even with a browser tab's event stream open.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const dirs: string[] = [];
const groups: number[] = [];
afterAll(() => {
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL'); // whatever a failed test left behind
    } catch {
      /* gone */
    }
  }
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function listening(port: number): Promise<boolean> {
  return new Promise((res) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', timeout: 2000 }, (r) => {
      r.resume();
      res(true);
    });
    req.on('error', () => res(false));
    req.on('timeout', () => {
      req.destroy();
      res(false);
    });
    req.end();
  });
}

async function startAndStop(signal: 'SIGTERM' | 'SIGINT') {
  const data = mkdtempSync(join(tmpdir(), 'concept-start-'));
  dirs.push(data);
  const npm = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { ...process.env, CONCEPT_BROWSER: '1', CONCEPT_DATA_DIR: data },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, like a terminal's foreground job
  });
  groups.push(npm.pid!);
  let out = '';
  npm.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  npm.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((res) => npm.on('exit', (code, sig) => res(code ?? (sig ? 128 : null))));
  const url = await new Promise<URL>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`npm start printed no URL in time:\n${out}`)), 240_000);
    const poll = setInterval(() => {
      const m = out.match(/Open: (http:\/\/127\.0\.0\.1:\d+\/)#token=([0-9a-f]+)/);
      if (m) {
        clearInterval(poll);
        clearTimeout(timer);
        const u = new URL(m[1]);
        u.hash = m[2];
        res(u);
      }
    }, 200);
  });
  const port = Number(url.port);
  expect(await listening(port)).toBe(true);
  // a browser tab: an open event stream
  const sse = request({ host: '127.0.0.1', port, path: `/api/events?token=${url.hash.slice(1)}`, headers: { 'x-concept-token': url.hash.slice(1) } });
  sse.on('error', () => undefined);
  sse.end();
  await new Promise((r) => setTimeout(r, 500));
  // SIGTERM to npm alone (a process manager, `kill PID`); SIGINT to the whole group (Ctrl+C in a terminal)
  if (signal === 'SIGTERM') npm.kill(signal);
  else process.kill(-npm.pid!, signal);
  const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
  expect(code, `npm start did not exit on ${signal}:\n${out}`).not.toBe('hung');
  await new Promise((r) => setTimeout(r, 1000));
  expect(await listening(port), `something still answers on port ${port} after ${signal}`).toBe(false);
}

describe('npm start', () => {
  it('stops on SIGTERM: nothing keeps listening', async () => {
    await startAndStop('SIGTERM');
  }, 300_000);

  it('stops on SIGINT (Ctrl+C) the same way', async () => {
    await startAndStop('SIGINT');
  }, 300_000);
});
