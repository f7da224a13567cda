/**
 * The layering lint (eslint.config.js, lint/layering.js) and the Python lint (lint/ruff.mjs) fail on the mistakes
 * they exist for: each case lints a small text as if it were a file at the given path.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JavaScript module without type declarations
import { lintPython } from '../../../lint/ruff.mjs';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const eslint = new ESLint({ cwd: ROOT });

/** The layering findings of `code` placed at repository path `path`. */
async function layering(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  const fatal = result.messages.filter((m) => m.fatal);
  expect(fatal).toEqual([]);
  return result.messages.filter((m) => m.ruleId === 'layering/imports').map((m) => m.message);
}

describe('layering lint', () => {
  it('an import from main/engine/ into main/api/ fails, however the path is spelt', async () => {
    const direct = await layering('main/engine/tasks/x.ts', "import type { LangCode } from '../../api/contract.js';\n");
    expect(direct).toHaveLength(1);
    expect(direct[0]).toMatch(/main\/engine\/tasks\/x\.ts may not import main\/api\/contract\.js/);
    expect(await layering('main/engine/x.ts', "export { ApiError } from './../api/errors.js';\n")).toHaveLength(1);
    expect(await layering('main/engine/x.ts', "const m = await import('../api/service.js');\n")).toHaveLength(1);
  });

  it('the engine may use its own vocabulary', async () => {
    expect(await layering('main/engine/tasks/x.ts', "import type { LangCode } from '../types.js';\n")).toEqual([]);
  });

  it('the engine may not reach the Electron shell or the entry points', async () => {
    expect(await layering('main/engine/x.ts', "import { APP_ORIGIN } from '../electron/protocol.js';\n")).toHaveLength(
      1,
    );
    expect(await layering('main/engine/x.ts', "import { main } from '../start.js';\n")).toHaveLength(1);
  });

  it('the store may not import the tasks', async () => {
    expect(await layering('main/store/x.ts', "import { TaskError } from '../engine/tasks/errors.js';\n")).toHaveLength(
      1,
    );
  });

  it('the LCM imports neither SONAR nor onnxruntime-node', async () => {
    expect(await layering('main/engine/lcm/x.ts', "import * as ort from 'onnxruntime-node';\n")).toHaveLength(1);
    expect(
      await layering('main/engine/lcm/x.ts', "import type * as ort from 'onnxruntime-node/dist/x.js';\n"),
    ).toHaveLength(1);
    expect(await layering('main/engine/lcm/x.ts', "import { SonarModel } from '../sonar/model.js';\n")).toHaveLength(1);
    expect(await layering('main/engine/lcm/x.ts', "import { cosine } from '../vec.js';\n")).toEqual([]);
  });

  it('the renderer imports the API contract and nothing else of main/', async () => {
    const ok = "import type { PackInfo } from '../../../main/api/contract.js';\n";
    expect(await layering('renderer/src/lib/x.ts', ok)).toEqual([]);
    expect(
      await layering('renderer/src/lib/x.ts', "import { createService } from '../../../main/api/service.js';\n"),
    ).toHaveLength(1);
    const svelte =
      '<script lang="ts">\n  import { segment } from \'../../../main/engine/text/segmenter.js\';\n  let n: number = 1;\n</script>\n<p>{n}</p>\n';
    expect(await layering('renderer/src/components/X.svelte', svelte)).toHaveLength(1);
  });

  it('the contract imports only the engine vocabulary, which imports nothing', async () => {
    expect(await layering('main/api/contract.ts', "export type { LangCode } from '../engine/types.js';\n")).toEqual([]);
    expect(await layering('main/api/contract.ts', "import { CodedError } from '../engine/errors.js';\n")).toEqual([]);
    expect(await layering('main/api/contract.ts', "import { toApiError } from './errors.js';\n")).toHaveLength(1);
    expect(await layering('main/api/contract.ts', "import { readFile } from 'node:fs';\n")).toHaveLength(1);
    expect(await layering('main/engine/types.ts', "import type { Foo } from './tasks/ports.js';\n")).toHaveLength(1);
    expect(await layering('main/engine/errors.ts', "import type { LangCode } from './types.js';\n")).toHaveLength(1);
  });

  it('the Electron shell imports neither server.ts nor start.ts, and server.ts does not import start.ts', async () => {
    expect(await layering('main/electron/x.ts', "import { CSP } from '../server.js';\n")).toHaveLength(1);
    expect(await layering('main/electron/x.ts', "import type { ServiceOptions } from '../start.js';\n")).toHaveLength(
      1,
    );
    expect(await layering('main/electron/x.ts', "import { CSP } from '../static.js';\n")).toEqual([]);
    expect(await layering('main/server.ts', "const { main } = await import('./start.js');\n")).toHaveLength(1);
  });
});

describe('Python lint (Ruff, WebAssembly build)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ruff-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports an unused import and an undefined name, and nothing on clean code', () => {
    writeFileSync(join(dir, 'bad.py'), 'import os\n\n\ndef f():\n    return undefined_name\n');
    writeFileSync(join(dir, 'good.py'), 'import os\n\n\ndef f():\n    return os.sep\n');
    const findings: string[] = lintPython([dir]);
    expect(findings.some((f) => /bad\.py:1:\d+: F401/.test(f))).toBe(true);
    expect(findings.some((f) => /bad\.py:5:\d+: F821/.test(f))).toBe(true);
    expect(findings.filter((f) => f.includes('good.py'))).toEqual([]);
  });
});

describe('function length lint', () => {
  const fn = (lines: number) => `export function f(): number {\n${'  let x = 1;\n'.repeat(lines - 3)}  return 0;\n}\n`;
  const findings = async (path: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
    return result.messages.filter((m) => m.ruleId === 'max-lines-per-function');
  };

  it('a function of main/ over 80 lines fails; 80 lines pass; tests are not held to it', async () => {
    expect(await findings('main/api/x.ts', fn(81))).toHaveLength(1);
    expect(await findings('main/api/x.ts', fn(80))).toEqual([]);
    expect(await findings('test/unit/x.test.ts', fn(120))).toEqual([]);
  });
});
