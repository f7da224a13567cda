/** Run the `concept` CLI in this process (main/cli.ts `main`) with empty stdin and env; collect its output. */
import { PassThrough } from 'node:stream';
import { main } from '../../main/cli.js';

export async function concept(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(args, { stdout: out, stderr: err, stdin, env });
  return { code, stdout, stderr };
}
