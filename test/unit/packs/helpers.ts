import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
export const RANDOM = join(ROOT, 'test/fixtures/random');

const made: string[] = [];

/** A scratch copy of a fixture pack (removed by cleanup()). */
export function copyPack(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-pack-'));
  made.push(dir);
  const dst = join(dir, name);
  cpSync(join(RANDOM, name), dst, { recursive: true });
  return dst;
}

export function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-scratch-'));
  made.push(dir);
  return dir;
}

export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function editJson(dir: string, edit: (j: any) => void): void {
  const p = join(dir, 'pack.json');
  const j = JSON.parse(readFileSync(p, 'utf8'));
  edit(j);
  writeFileSync(p, JSON.stringify(j, null, 1));
}

/** Replace a file and update its size and sha256 in pack.json (so only the content is wrong). */
export function replaceFile(dir: string, rel: string, data: Uint8Array): void {
  writeFileSync(join(dir, rel), data);
  editJson(dir, (j) => {
    const f = j.files.find((x: { path: string }) => x.path === rel);
    f.size = data.length;
    f.sha256 = createHash('sha256').update(data).digest('hex');
  });
}
