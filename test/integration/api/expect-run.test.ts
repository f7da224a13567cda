/**
 * expectRun: before a run, what the active SONAR pack's held-out figures (pack.json decoding_quality) say its decoded
 * text keeps, with the method chosen as startRun would. On the bundled mini packs: an English document written back
 * in English keeps the meaning, into French it carries nothing, a same-language extractive summary decodes nothing,
 * an LCM run names the demonstration LCM that writes its concepts;
 * the random-weight test packs state no figures, so there is nothing to say.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createService } from '../../../main/api/service.js';
import { concept } from '../../helpers/cli.js';
import { MINI, NEWS_DOC, RANDOM } from './packs.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-expect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('expectRun', () => {
  it('on the mini packs: the measured tier for the run as it would start', async () => {
    const svc = await createService({ dbPath: join(dir, 'mini.db'), packDirs: [MINI] });
    try {
      const { document } = await svc.importDocument({ name: 'news.txt', text: NEWS_DOC });
      expect(document.language).toBe('eng_Latn');
      const id = document.id;
      // auto on demonstration packs: extractive and verbatim in the document's own language
      expect(await svc.expectRun({ documentId: id, task: 'summarize', targetLang: 'eng_Latn' })).toBeNull();
      expect(await svc.expectRun({ documentId: id, task: 'summarize', targetLang: 'eng_Latn', method: 'extractive' })).toBeNull();
      // the LCM writes new sentences: the English round trip is what its decoder is measured on
      const lcm = await svc.expectRun({ documentId: id, task: 'summarize', targetLang: 'eng_Latn', method: 'lcm' });
      expect(lcm).toMatchObject({ source: 'eng_Latn', target: 'eng_Latn', tier: 'meaning', basis: 'same-language' });
      expect(lcm!.measure!.chrf).toBeGreaterThanOrEqual(2.5 * lcm!.measure!.baseline);
      // ...but the concepts come from a demonstration LCM whose held-out summaries lose to copying the first sentence
      expect(lcm!.generator).toMatchObject({ pack: expect.stringMatching(/^mini-(base|two-tower)-lcm$/), demo: true });
      expect(lcm!.generator!.summary!.value).toBeLessThan(lcm!.generator!.summary!.baseline!);
      const expand = await svc.expectRun({ documentId: id, task: 'expand', targetLang: 'eng_Latn' });
      expect(expand!.generator).toMatchObject({ demo: true });
      expect(await svc.expectRun({ documentId: id, task: 'translate', targetLang: 'eng_Latn' })).toBeNull(); // verbatim
      const fr = await svc.expectRun({ documentId: id, task: 'translate', targetLang: 'fra_Latn' });
      expect(fr).toMatchObject({ source: 'eng_Latn', target: 'fra_Latn', tier: 'none', basis: 'pair' });
      expect(await svc.expectRun({ documentId: id, task: 'summarize', targetLang: 'ita_Latn' }))
        .toMatchObject({ tier: 'none', basis: 'pairs-average' });
      // the run's source-language override counts: read as French, written in French
      expect(await svc.expectRun({ documentId: id, task: 'expand', targetLang: 'fra_Latn', sourceLang: 'fra_Latn' }))
        .toMatchObject({ source: 'fra_Latn', tier: 'fragments', basis: 'same-language' });
      expect(await svc.expectRun({ documentId: id, task: 'translate', targetLang: 'fra_Latn', sourceLang: 'fra_Latn' })).toBeNull();
      await expect(svc.expectRun({ documentId: 9999, task: 'translate', targetLang: 'fra_Latn' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(svc.expectRun({ documentId: id, task: 'translate', targetLang: 'xx' })).rejects.toMatchObject({ code: 'UNKNOWN_LANGUAGE' });
    } finally {
      await svc.close();
    }
  });

  it('the CLI warns before an LCM summary and puts the expectation in --json', async () => {
    const file = join(dir, 'news.txt');
    writeFileSync(file, NEWS_DOC);
    const r = await concept(['summarize', file, '--method', 'lcm', '--json', '--db', join(dir, 'cli.db'), '--pack', MINI, '--greedy']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.expectation).toMatchObject({ tier: 'meaning', generator: { demo: true } });
    expect(r.stderr).toMatch(/warning: measured on held-out text, the decoder keeps the meaning of eng_Latn -> eng_Latn .*The concepts come from the concept model mini-\S+-lcm, a demonstration: its held-out summaries score ROUGE-L \d+\.\d where copying the document's first sentence scores \d+\.\d/);
  });

  it('a pack that states no figures gets no note', async () => {
    const svc = await createService({ dbPath: join(dir, 'random.db'), packDirs: [RANDOM] });
    try {
      const { document } = await svc.importDocument({ name: 'news.txt', text: NEWS_DOC });
      expect(await svc.expectRun({ documentId: document.id, task: 'translate', targetLang: 'fra_Latn' })).toBeNull();
    } finally {
      await svc.close();
    }
  });
});
