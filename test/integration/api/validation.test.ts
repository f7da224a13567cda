/**
 * Issue 11, defect 5: request parameters bounded and validated by one schema at the API boundary (main/api/validate.ts).
 * Each bad request below used to run unbounded, fail later as INTERNAL, be accepted, or answer in JavaScript's words.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type ConceptService } from '../../../main/api/service.js';
import { statusForCode } from '../../../main/server.js';

describe('every request validated at the API boundary', () => {
  let dir: string;
  let svc: ConceptService;
  let docId: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-validate-'));
    svc = await createService({ dbPath: join(dir, 'concept.db'), packDirs: [] });
    docId = (await svc.importDocument({ name: 'a.txt', text: 'The cat sat on the mat. It was warm.' })).document.id;
  });
  afterAll(async () => {
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const refused = async (p: Promise<unknown>, field: RegExp) => {
    const e = await p.then(() => null, (x) => x);
    expect(e, 'the call was accepted').not.toBeNull();
    expect(e.code).toBe('INVALID_REQUEST');
    expect(statusForCode(e.code)).toBe(400);
    expect(e.message).toMatch(field);
    expect(e.message.length).toBeLessThan(300); // a 10,000-character value is not echoed back whole
    expect(e.message).not.toMatch(/\[object Object\]|is not a function|Cannot read/);
    return e.message as string;
  };
  const run = (extra: object) => svc.startRun({ documentId: docId, task: 'summarize', targetLang: 'eng_Latn', ...extra });

  it('bounds output positions and sampler settings, and checks their types', async () => {
    await refused(run({ pinned: [{ index: 1e9, text: 'Kept.' }] }), /pinned\[0\]\.index must be a whole number from 0 to 9,999/);
    await refused(run({ sampler: { steps: 1e9 } }), /sampler\.steps must be a whole number from 1 to 1,000/);
    await refused(run({ sampler: { guidanceScale: 'x' } }), /sampler\.guidanceScale must be a number/);
    await refused(run({ length: { sentences: 1e9 } }), /length\.sentences/);
  });

  it('refuses wrong types in the user\'s words', async () => {
    await refused(svc.listDocuments({ search: {} } as never), /query\.search must be text/);
    await refused(svc.cancelRun({} as never), /request id must be text/);
    await refused(svc.getDocument('1' as never), /document id must be a whole number/);
    const msg = await refused(run({ targetLang: 'x'.repeat(10_000) }), /targetLang must be a language code/);
    expect(msg).not.toContain('x'.repeat(100));
  });

  it('refuses invalid base64 instead of importing garbage', async () => {
    await refused(svc.importDocument({ name: 'a.txt', bytesBase64: 'not base64!!' }), /bytesBase64 is not valid base64/);
    const ok = await svc.importDocument({ name: 'b.txt', bytesBase64: Buffer.from('Valid text here.').toString('base64') });
    expect(ok.document.id).toBeGreaterThan(0);
  });
});
