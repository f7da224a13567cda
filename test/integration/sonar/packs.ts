/** The pack/fixture pairs the parity tests run against: the random-weight packs, and the trained mini packs once present. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

export interface SonarFixture {
  encoder: { text: string; lang: string; ids: number[]; embedding: number[] }[];
  decoder_prefixes: {
    embedding_of: number;
    tokens: number[];
    steps: { top_ids: number[]; top_logprobs: number[]; sample_ids: number[]; sample_logprobs: number[]; logprobs?: number[] }[];
  }[];
  decodes: {
    embedding_of: number;
    lang: string;
    greedy_tokens: number[];
    greedy_text?: string;
    beam: { tokens: number[]; score: number; raw_score: number; text?: string }[];
  }[];
}

export interface FamilyCase {
  name: string;
  dir: string; // folder holding sonar/, base-lcm/, two-tower-lcm/
  fixture: string; // fixtures JSON
}

/** Extra families from the environment: CS_PACK_FAMILIES="name=packsDir:fixture.json;…" (e.g. a fresh training run). */
function extraFamilies(): FamilyCase[] {
  const v = process.env.CS_PACK_FAMILIES;
  if (!v) return [];
  return v.split(';').filter(Boolean).map((entry) => {
    const [name, rest] = entry.split('=');
    const [dir, fixture] = rest.split(':');
    return { name, dir: resolve(dir), fixture: resolve(fixture) };
  });
}

export const FAMILIES: FamilyCase[] = [
  { name: 'random', dir: join(ROOT, 'test/fixtures/random'), fixture: join(ROOT, 'test/fixtures/random/fixtures.json') },
  { name: 'mini', dir: join(ROOT, 'models/mini'), fixture: join(ROOT, 'test/fixtures/mini.json') },
  ...extraFamilies(),
];

export const PACK_NAMES = ['sonar', 'base-lcm', 'two-tower-lcm'];

/** Families whose SONAR pack and fixture both exist. */
export function presentFamilies(): FamilyCase[] {
  return FAMILIES.filter((f) => existsSync(join(f.dir, 'sonar', 'pack.json')) && existsSync(f.fixture));
}

export function sonarFixture(f: FamilyCase): SonarFixture {
  return JSON.parse(readFileSync(f.fixture, 'utf8')).sonar as SonarFixture;
}

/** True once models/mini is committed: from then on its absence is a failure, not a skip. */
export function miniCommitted(): boolean {
  try {
    return execFileSync('git', ['ls-files', 'models/mini'], { cwd: ROOT, encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
