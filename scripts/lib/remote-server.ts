/** Start scripts/lib/serve-child.mjs and call its API (import-responsiveness script and test). */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RemoteServer {
  call(method: string, args: unknown[]): Promise<unknown>;
  close(): Promise<void>;
  child: ChildProcess;
}

export async function startRemoteServer(dbPath: string, opts: { inline?: boolean } = {}): Promise<RemoteServer> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'lib', 'serve-child.mjs'), dbPath, ...(opts.inline ? ['--inline'] : [])], {
    cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'],
  });
  const { url, token } = await new Promise<{ url: string; token: string }>((ok, fail) => {
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) ok(JSON.parse(buf.slice(0, nl)));
    });
    child.on('exit', (code) => fail(new Error(`server process exited (${code}) before listening`)));
  });
  const call = async (method: string, args: unknown[]) => {
    const r = await fetch(`${url}api/${method}`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-concept-token': token }, body: JSON.stringify(args),
    });
    const body = await r.json();
    if (r.status !== 200) throw new Error(`${method}: ${r.status} ${JSON.stringify(body)}`);
    return body;
  };
  const close = () => new Promise<void>((ok) => {
    if (child.exitCode !== null) return ok();
    child.once('exit', () => ok());
    child.stdin!.end();
  });
  return { call, close, child };
}
