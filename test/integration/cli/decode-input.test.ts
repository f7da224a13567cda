/**
 * Issue 11, defect 9: `concept decode` of `null` answered with a JavaScript message ("Cannot read properties of
 * null") and the usage exit code. Any JSON that holds no vectors is bad input: exit 2 with what decode takes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../main/cli.js';
import { RANDOM } from '../api/packs.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-decode-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function decode(input: string): Promise<{ code: number; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stderr = '';
  out.resume();
  err.on('data', (d) => (stderr += d));
  const stdin = new PassThrough();
  stdin.end(input);
  const code = await main(['decode', '--to', 'eng_Latn', '--db', join(dir, 'c.db'), '--pack', RANDOM], { stdout: out, stderr: err, stdin, env: {} });
  return { code, stderr };
}

describe('decode of JSON that holds no vectors', () => {
  for (const input of ['null', '42', '"text"', 'true', '{}', '{"sentences": [null]}', '{"sentences": 5}']) {
    it(input, async () => {
      const r = await decode(input);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/expected a non-empty list of vectors/);
      expect(r.stderr).not.toMatch(/Cannot read|undefined|TypeError/);
    });
  }
});
