/** Command-line parsing for `concept`: one command (two for `packs`), positional arguments and flags. */
import { CodedError } from '../engine/errors.js';

export class UsageError extends CodedError {
  override name = 'UsageError';
  constructor(message: string) {
    super('USAGE', message);
  }
}

export interface ParsedArgs {
  command: string | null;
  positionals: string[];
  flags: Map<string, string[]>;
}

/** Flags that take a value (everything else is boolean). */
export const VALUE_FLAGS = new Set([
  'to', 'from', 'pack', 'db', 'method', 'sentences', 'ratio', 'lcm', 'seed', 'beam', 'threads', 'provider', 'limit',
  'max-tokens', 'tokenizer', 'base-url', 'name', 'sha256', 'variant', 'predictions', 'label',
]);
export const BOOL_FLAGS = new Set(['json', 'progress', 'no-progress', 'help', 'version', 'quiet', 'greedy', 'stemmer', 'records',
  'accept-license', 'keep-downloads', 'no-selftest', 'rerank', 'no-rerank']);
const ALIASES: Record<string, string> = { h: 'help', t: 'to', f: 'from', p: 'pack', j: 'json', m: 'method', n: 'sentences', v: 'version' };

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  let i = 0;
  let rest = false;
  const add = (k: string, v: string) => flags.set(k, [...(flags.get(k) ?? []), v]);
  while (i < argv.length) {
    const a = argv[i++];
    if (rest || a === '-' || !a.startsWith('-')) {
      positionals.push(a);
      continue;
    }
    if (a === '--') {
      rest = true;
      continue;
    }
    let name: string;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      value = eq > 0 ? a.slice(eq + 1) : undefined;
    } else {
      name = ALIASES[a.slice(1)] ?? a.slice(1);
    }
    name = ALIASES[name] ?? name;
    if (VALUE_FLAGS.has(name)) {
      if (value === undefined) {
        if (i >= argv.length) throw new UsageError(`--${name} needs a value`);
        value = argv[i++];
      }
      add(name, value);
    } else if (BOOL_FLAGS.has(name)) {
      if (value !== undefined) throw new UsageError(`--${name} takes no value`);
      add(name, 'true');
    } else {
      throw new UsageError(`unknown option ${a}`);
    }
  }
  const command = positionals.shift() ?? null;
  return { command, positionals, flags };
}

export function flag(a: ParsedArgs, name: string): string | undefined {
  const v = a.flags.get(name);
  return v ? v[v.length - 1] : undefined;
}

export function flags(a: ParsedArgs, name: string): string[] {
  return a.flags.get(name) ?? [];
}

export function bool(a: ParsedArgs, name: string): boolean {
  return a.flags.has(name);
}

export function numberFlag(a: ParsedArgs, name: string, o: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  const v = flag(a, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (o.integer && !Number.isInteger(n)) || (o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
    const range = [o.min !== undefined ? `≥ ${o.min}` : '', o.max !== undefined ? `≤ ${o.max}` : ''].filter(Boolean).join(' and ');
    throw new UsageError(`--${name} must be ${o.integer ? 'a whole number' : 'a number'}${range ? ` ${range}` : ''} (got "${v}")`);
  }
  return n;
}
