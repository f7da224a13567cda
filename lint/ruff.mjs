#!/usr/bin/env node
/**
 * `npm run lint:py`: Ruff on the Python of tools/ and scripts/, through Ruff's own WebAssembly build
 * (@astral-sh/ruff-wasm-nodejs), so `npm ci` is all a machine needs — no pip. The rules are Ruff's defaults
 * (pyflakes F + pycodestyle E4/E7/E9: undefined names, unused imports and variables, syntax errors), set in ruff.toml,
 * which a native `ruff check` reads the same way. Exit status 1 when any file has a finding.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PositionEncoding, Workspace } from '@astral-sh/ruff-wasm-nodejs';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

/** ruff.toml's [lint] table, read with the few TOML forms it uses (key = "string" | number | ["list"]). */
export function ruffSettings(text = readFileSync(join(ROOT, 'ruff.toml'), 'utf8')) {
  const settings = { lint: {} };
  let table = settings;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const header = line.match(/^\[(.+)\]$/);
    if (header) {
      table = header[1].split('.').reduce((t, k) => (t[k] ??= {}), settings);
      continue;
    }
    const m = line.match(/^([\w-]+|"[^"]+")\s*=\s*(.+)$/);
    if (!m) throw new Error(`ruff.toml: cannot read line "${raw}"`);
    table[m[1].replace(/^"|"$/g, '')] = JSON.parse(m[2]);
  }
  return settings;
}

function pythonFiles(dir, exclude) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const rel = relative(ROOT, p);
    if (exclude.some((x) => rel === x || rel.startsWith(x + '/')) || e.name === '__pycache__') continue;
    if (e.isDirectory()) out.push(...pythonFiles(p, exclude));
    else if (e.name.endsWith('.py')) out.push(p);
  }
  return out;
}

/** Findings of every file under `dirs`, as "path:line:col: CODE message" lines. */
export function lintPython(dirs = ['tools', 'scripts'], settings = ruffSettings()) {
  // The WebAssembly build checks text, not files: exclude and per-file-ignores (exact paths) are applied here.
  const { exclude = [], ...options } = settings;
  const { 'per-file-ignores': perFile = {}, ...lint } = options.lint ?? {};
  const ws = new Workspace({ ...options, lint }, PositionEncoding.Utf16);
  const findings = [];
  for (const file of dirs.flatMap((d) => pythonFiles(resolve(ROOT, d), exclude))) {
    const ignored = perFile[relative(ROOT, file)] ?? [];
    for (const d of ws.check(readFileSync(file, 'utf8'))) {
      if (ignored.some((code) => (d.code ?? '').startsWith(code))) continue;
      findings.push(
        `${relative(ROOT, file)}:${d.start_location.row}:${d.start_location.column}: ${d.code ?? 'E'} ${d.message}`,
      );
    }
  }
  return findings;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const findings = lintPython();
  for (const f of findings) console.log(f);
  console.log(findings.length ? `ruff: ${findings.length} finding(s)` : 'ruff: no findings');
  process.exitCode = findings.length ? 1 : 0;
}
