/**
 * examples/summarize.ts runs as documented (the type-check of `npm test` covers its code): a file in, a summary out,
 * on the bundled mini packs, in a child process through tsx exactly as the README's command line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

function example(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [TSX, join(ROOT, 'examples', 'summarize.ts'), ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stdout, stderr }));
  });
}

describe('examples/summarize.ts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'example-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('summarizes a text file: at most the requested sentences on stdout, the stages on stderr', async () => {
    const file = join(dir, 'story.txt');
    writeFileSync(
      file,
      'The cat sat on the mat. It was a sunny day in the garden. The children played football near the old tree. ' +
        'Their mother called them home for dinner. After dinner everyone read a book.\n',
    );
    const r = await example([file, '--sentences', '2', '--to', 'fra_Latn']);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
    const summary = r.stderr.match(/^5 sentences \(eng_Latn\) → (\d+); stopped: ([\w-]+)$/m);
    expect(summary).not.toBeNull();
    expect(Number(summary![1])).toBe(lines.length);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2);
    for (const stage of ['encode', 'generate', 'decode']) expect(r.stderr).toContain(stage);
  });

  it('fails with the importer’s message on a file that does not exist', async () => {
    const r = await example([join(dir, 'missing.txt')]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/missing\.txt does not exist/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // the message, not a stack trace
  });
});
