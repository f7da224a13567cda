/**
 * Issue 11: `--from X` on a text already in the database silently rewrote the stored document (its language and
 * its sentences) for every user of the database. Now a later import never changes a stored document: it warns, and
 * the language applies to the run that asked for it (RunRequest.sourceLang; the CLI passes --from).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createService } from '../../../main/api/service.js';
import { concept } from '../../helpers/cli.js';
import { NEWS_2, RANDOM } from './packs.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-from-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an explicit source language on a stored text', () => {
  it('the API: the stored document is unchanged, the run reads the text in the language it asked for', async () => {
    const svc = await createService({ dbPath: join(dir, 'api.db'), packDirs: [RANDOM], decoding: { beam: 1, maxTokens: 8 } });
    try {
      const first = await svc.importDocument({ name: 'a.txt', text: NEWS_2 });
      expect(first.document.language).toBe('eng_Latn');
      const before = await svc.getDocument(first.document.id);
      const again = await svc.importDocument({ name: 'a.txt', text: NEWS_2, language: 'deu_Latn' } as never);
      expect(again.duplicate).toBe(true);
      expect(again.document.language).toBe('eng_Latn');
      expect(again.warnings.join(' ')).toMatch(/stored already as document \d+ .* in eng_Latn; it stays so for everyone/);
      const after = await svc.getDocument(first.document.id);
      expect(after.language).toBe('eng_Latn');
      expect(after.sentences).toEqual(before.sentences);
      // the run that asks for deu_Latn reads every sentence as German: a "translation" into German is verbatim
      const { requestId } = await svc.startRun({ documentId: first.document.id, task: 'translate', targetLang: 'deu_Latn', sourceLang: 'deu_Latn' });
      const run = await svc.waitForRun(requestId);
      expect(run.sentences.length).toBe(before.sentences.length);
      expect(run.sentences.every((s) => s.verbatim)).toBe(true);
      expect(run.parameters.sourceLang).toBe('deu_Latn');
      await expect(svc.startRun({ documentId: first.document.id, task: 'translate', targetLang: 'deu_Latn', sourceLang: 'x'.repeat(50) }))
        .rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    } finally {
      await svc.close();
    }
  });

  it('the CLI: --from on a stored text leaves the document as it was for everyone', async () => {
    const db = join(dir, 'cli.db');
    const file = join(dir, 'news.txt');
    writeFileSync(file, NEWS_2);
    const common = ['--db', db, '--pack', RANDOM, '--beam', '1', '--max-tokens', '8'];
    const a = await concept(['translate', file, '--to', 'eng_Latn', ...common]);
    expect(a.code, a.stderr).toBe(0);
    const b = await concept(['translate', file, '--from', 'deu_Latn', '--to', 'deu_Latn', '--json', ...common]);
    expect(b.code, b.stderr).toBe(0);
    const out = JSON.parse(b.stdout);
    expect(out.run.sentences.every((s: { verbatim?: boolean }) => s.verbatim)).toBe(true);
    const svc = await createService({ dbPath: db, packDirs: [RANDOM] });
    try {
      const [doc] = await svc.listDocuments();
      expect(doc.language).toBe('eng_Latn');
      const view = await svc.getDocument(doc.id);
      expect(view.sentences.every((s) => s.language === 'eng_Latn')).toBe(true);
    } finally {
      await svc.close();
    }
  });
});
