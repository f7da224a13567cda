/**
 * `concept doctor` / runtime(): a provider that was asked for and failed (CUDA listed by onnxruntime but its
 * libraries missing) is reported as failed, not as available.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createService, type ConceptService } from '../../../main/api/service.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
let dir: string;
let svc: ConceptService | undefined;
afterAll(async () => {
  await svc?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('runtime after a provider fallback', () => {
  it('never lists a provider that failed here as available', async () => {
    dir = mkdtempSync(join(tmpdir(), 'concept-rt-'));
    svc = await createService({ dbPath: join(dir, 'db.sqlite'), bundledPackDir: join(ROOT, 'models', 'mini'), provider: 'cuda' });
    const rt = await svc.runtime();
    for (const f of rt.failedProviders ?? []) expect(rt.availableProviders).not.toContain(f.provider);
    if (rt.usedProvider !== 'cuda') {
      // CUDA was asked for and not used: it is not "available" here
      expect(rt.fallbackReason).toBeTruthy();
      expect(rt.availableProviders).not.toContain('cuda');
    }
    expect(rt.availableProviders).toContain(rt.usedProvider);
  });
});
