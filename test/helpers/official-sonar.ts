/**
 * What a mirror of the official SONAR download folder serves, at test size: random official-format checkpoints
 * (tools/tests/make_official_checkpoints.py) and the test tokenizer under the official file names, in `<work>/served`.
 * The test tokenizer is not the official one, so its own sha256 stands in for the documented hash.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SONAR_FILES } from '../../main/engine/packs/get-sonar.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
export const TEST_SPM = join(ROOT, 'test', 'fixtures', 'random', 'test_model.model');
export const [OFFICIAL_ENCODER, OFFICIAL_DECODER, OFFICIAL_TOKENIZER] = SONAR_FILES.map((f) => f.name);

export function writeOfficialSonarFolder(work: string): { dir: string; tokenizerSha256: Record<string, string> } {
  const dir = join(work, 'served');
  mkdirSync(dir, { recursive: true });
  execFileSync(PY, [join(ROOT, 'tools', 'tests', 'make_official_checkpoints.py'), '--out', join(work, 'ck'), '--spm', TEST_SPM, '--dim', '64'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  copyFileSync(join(work, 'ck', 'sonar_text_encoder.pt'), join(dir, OFFICIAL_ENCODER));
  copyFileSync(join(work, 'ck', 'sonar_text_decoder.pt'), join(dir, OFFICIAL_DECODER));
  copyFileSync(TEST_SPM, join(dir, OFFICIAL_TOKENIZER));
  return { dir, tokenizerSha256: { [OFFICIAL_TOKENIZER]: createHash('sha256').update(readFileSync(TEST_SPM)).digest('hex') } };
}
