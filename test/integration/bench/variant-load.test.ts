/**
 * bench/lib/variant-load.ts (the child process of the `variants` bench section and scripts/sonar-variants.mts) on the
 * bundled mini pack, whose decoder graph has the top-k I/O: the probe must feed every input the graph declares (it
 * once missed `topk` and the section failed on every re-exported pack).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

describe('variant-load probe', () => {
  it('loads the mini pack and times an encoder run and a first decoder step', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'lib', 'variant-load.ts'),
      join(ROOT, 'models', 'mini', 'sonar'), '--threads', '1'], { cwd: ROOT, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop() as string);
    expect(r.encoder_run_ms).toBeGreaterThan(0);
    expect(r.decoder_step_ms).toBeGreaterThan(0);
    expect(r.rss_mb).toBeGreaterThan(0);
  }, 120_000);
});
