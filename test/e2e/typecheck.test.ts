/** CI type-checks the Electron code (Electron cannot start on the build machines) and the Svelte renderer. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './harness.js';

const run = (args: string[]) => {
  try {
    return { ok: true, out: execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (e: any) {
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
};

describe('type-checks', () => {
  it('Electron main, preload and engine host (tsconfig.electron.json)', () => {
    const r = run([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.electron.json']);
    expect(r.out).toBe('');
    expect(r.ok).toBe(true);
  });

  it('the Svelte renderer (svelte-check, errors only)', () => {
    const r = run([join(ROOT, 'node_modules/svelte-check/bin/svelte-check'), '--tsconfig', 'renderer/tsconfig.json', '--threshold', 'error', '--output', 'machine']);
    expect(r.out).toMatch(/COMPLETED .* 0 ERRORS/);
    expect(r.ok).toBe(true);
  });
});
