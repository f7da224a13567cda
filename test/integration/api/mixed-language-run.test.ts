/**
 * A mixed-language document through the service (issue 11, defect 2, end to end): each sentence is encoded in its
 * own stored language — the cache holds the Russian sentences under rus_Cyrl — and `translate --to eng_Latn`
 * decodes them instead of copying them as verbatim English.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createService } from '../../../main/api/service.js';
import { RANDOM } from './packs.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-mixed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EN = 'The council met on Monday to discuss the new budget for the city. The mayor said that the plan would be ready soon.';
const RU = 'Городской совет собрался в понедельник, чтобы обсудить новый бюджет города. Мэр сказал, что план будет готов скоро.';

describe('a mixed-language document', () => {
  it('is encoded per sentence language and its Russian sentences are translated, not copied', async () => {
    const svc = await createService({ dbPath: join(dir, 'api.db'), packDirs: [RANDOM], decoding: { beam: 1, maxTokens: 8 } });
    try {
      const { document } = await svc.importDocument({ name: 'mixed.txt', text: `${EN}\n\n${RU}\n\n${EN.replace('Monday', 'Tuesday').replace('soon', 'in May')}` });
      const view = await svc.getDocument(document.id);
      const langs = view.sentences.map((s) => s.language);
      expect(document.language).toBe('eng_Latn');
      expect(langs.filter((l) => l === 'rus_Cyrl')).toHaveLength(2);
      const { requestId } = await svc.startRun({ documentId: document.id, task: 'translate', targetLang: 'eng_Latn' });
      const run = await svc.waitForRun(requestId);
      expect(run.sentences).toHaveLength(view.sentences.length);
      run.sentences.forEach((s, i) => expect(!!s.verbatim, `sentence ${i} (${langs[i]})`).toBe(langs[i] === 'eng_Latn'));
      const cached = (lang: string) => svc.store.db.prepare('SELECT count(*) FROM concepts WHERE language = ?').pluck().get(lang) as number;
      expect(cached('rus_Cyrl')).toBe(2);
      expect(cached('eng_Latn')).toBe(4);
      expect(run.cache).toEqual({ hits: 0, misses: 6 });
    } finally {
      await svc.close();
    }
  });
});
