/**
 * The PyTorch reference as a child process: tools/bench_torch.py reads one JSON job per line and answers one JSON
 * line each. Jobs run one at a time, never while onnxruntime is timing (both sides get the same cores).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface TorchAnswer {
  ok: boolean;
  error?: string;
  trace?: string;
  [k: string]: unknown;
}

export function pythonExecutable(): string {
  if (process.env.BENCH_PYTHON) return process.env.BENCH_PYTHON;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

export class TorchChild {
  private proc: ChildProcessWithoutNullStreams;
  private waiting: ((line: string | null) => void)[] = [];
  private lines: string[] = [];
  private stderr = '';
  private closed = false;

  constructor(root: string, readonly threads: number) {
    const n = String(threads);
    this.proc = spawn(pythonExecutable(), [join(root, 'tools', 'bench_torch.py')], {
      cwd: root,
      env: {
        ...process.env,
        OMP_NUM_THREADS: n,
        OPENBLAS_NUM_THREADS: n,
        MKL_NUM_THREADS: n,
        PYTHONUNBUFFERED: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.proc.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8000);
    });
    const rl = createInterface({ input: this.proc.stdout });
    rl.on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w(line);
      else this.lines.push(line);
    });
    this.proc.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
  }

  /** Run one job; throws with the Python error (and its stderr tail) when it fails. */
  async call(job: Record<string, unknown>): Promise<TorchAnswer> {
    if (this.closed) throw new Error(`bench_torch.py exited early:\n${this.stderr}`);
    const line = new Promise<string | null>((resolve) => {
      const queued = this.lines.shift();
      if (queued !== undefined) resolve(queued);
      else this.waiting.push(resolve);
    });
    this.proc.stdin.write(JSON.stringify({ threads: this.threads, ...job }) + '\n');
    const got = await line;
    if (got === null) throw new Error(`bench_torch.py exited during '${String(job.op)}':\n${this.stderr}`);
    const ans = JSON.parse(got) as TorchAnswer;
    if (!ans.ok) throw new Error(`bench_torch.py '${String(job.op)}' failed: ${ans.error}\n${ans.trace ?? ''}`);
    return ans;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const done = new Promise<void>((resolve) => this.proc.on('close', () => resolve()));
    this.proc.stdin.end();
    await done;
  }
}
