/**
 * Issue 11 measurement: interrupt a large document's encoding with SIGKILL, run it again, and count what the concept
 * cache gave back. Encoded concepts are committed in batches of 256 as they are produced (engine/tasks/cache.ts), so
 * the second run should only encode what the first had not committed.
 *
 *   npx tsx scripts/interrupt-encode.mts [--mb 2] [--kill-at 0.5] [--pack models/mini]
 *
 * Both runs are `concept summarize --method extractive --sentences 3` (which encodes every sentence and decodes
 * nothing) on one generated one-paragraph English document of --mb megabytes, in a fresh database. The first is
 * killed (SIGKILL, no chance to clean up) once its progress passes --kill-at of the sentences.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { bigParagraph } from './lib/big-paragraph.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const mb = Number(arg('mb', '2'));
const killAt = Number(arg('kill-at', '0.5'));
const pack = resolve(arg('pack', join(ROOT, 'models', 'mini')));

const dir = mkdtempSync(join(tmpdir(), 'cs-interrupt-'));
const file = join(dir, 'big.txt');
const db = join(dir, 'c.db');
writeFileSync(file, bigParagraph(mb * 1024 * 1024, 7));
const args = [join(ROOT, 'bin', 'concept.mjs'), 'summarize', file, '--method', 'extractive', '--sentences', '3', '--db', db, '--pack', pack, '--json', '--progress'];

interface Outcome {
  ms: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  lastEncode: { done: number; total: number } | null;
}

function run(kill: boolean): Promise<Outcome> {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT });
    let stdout = '';
    let buf = '';
    let lastEncode: Outcome['lastEncode'] = null;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const m = /^encode (\d+)\/(\d+)/.exec(l);
        if (!m) continue;
        lastEncode = { done: Number(m[1]), total: Number(m[2]) };
        if (kill && lastEncode.done >= killAt * lastEncode.total && !child.killed) child.kill('SIGKILL');
      }
    });
    child.on('error', fail);
    child.on('close', (code, signal) => ok({ ms: performance.now() - t0, code, signal, stdout, lastEncode }));
  });
}

const cached = () => {
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare('SELECT count(*) FROM concepts').pluck().get() as number) ?? 0;
  } finally {
    d.close();
  }
};

try {
  const first = await run(true);
  if (first.signal !== 'SIGKILL') throw new Error(`the first run was not killed (exit ${first.code}): make --mb larger`);
  const afterKill = cached();
  const second = await run(false);
  if (second.code !== 0) throw new Error(`the second run failed (exit ${second.code}): ${second.stdout.slice(0, 500)}`);
  const res = JSON.parse(second.stdout) as { cache: { hits: number; misses: number }; timings: Record<string, number>; document: { sentenceCount: number } };
  const n = res.document.sentenceCount;
  console.log(`document      ${mb} MB in one paragraph, ${n} sentences; pack ${pack}`);
  console.log(`first run     SIGKILL after ${(first.ms / 1000).toFixed(1)} s, its progress at encode ${first.lastEncode?.done}/${first.lastEncode?.total}`);
  console.log(`cache         ${afterKill} concepts committed when it was killed (${((100 * afterKill) / n).toFixed(1)}%)`);
  console.log(`second run    ${(second.ms / 1000).toFixed(1)} s: ${res.cache.hits} concepts reused from the cache, ${res.cache.misses} encoded ` +
    `(encode stage ${((res.timings.encode ?? 0) / 1000).toFixed(1)} s)`);
  console.log(`lost to the kill: ${Math.max(0, (first.lastEncode?.done ?? 0) - res.cache.hits)} concepts (at most one batch of 256 is expected)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
