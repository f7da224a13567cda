/**
 * The engine service end to end on real packs and a real SQLite file: import → summarize → second language (encode is
 * all cache hits) → re-decode of the same run, cancellation, pinned regeneration, documents, packs, settings, errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent, RunResult } from '../../../main/api/contract.js';
import { createService, type ConceptService } from '../../../main/api/service.js';
import { openStore } from '../../../main/store/index.js';
import { HELDOUT } from '../../helpers/heldout.js';
import { DEMO_DECODE_FAILED, families, NEWS_DOC, NEWS_WORD } from './packs.js';

for (const fam of families()) {
  describe(`service on the ${fam.name} packs`, () => {
    let dir: string;
    let svc: ConceptService;
    const events: ApiEvent[] = [];
    let docId: number;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cs-api-'));
      svc = await createService({ dbPath: join(dir, 'concept.db'), packDirs: [fam.dir], decoding: fam.decoding });
      svc.onEvent((e) => events.push(e));
      const imp = await svc.importDocument({ name: 'news.txt', text: NEWS_DOC });
      docId = imp.document.id;
    });
    afterAll(async () => {
      await svc?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /**
     * A decoding run's result. The mini decoder is a demonstration: into another language it often writes one word
     * over and over ("de de de …"), and such a run fails with MODEL_DECODE_FAILED instead of being stored as done
     * (issue 11, engine/tasks/degenerate.ts). For the trained family that outcome is checked here (typed, recorded as
     * a failed run of its document) and null returned, ending the test's flow; the random family (test packs marked
     * random_weights) runs every step.
     */
    async function decoded(requestId: string, documentId = docId): Promise<RunResult | null> {
      try {
        return await svc.waitForRun(requestId);
      } catch (e) {
        if (!fam.trained || (e as { code?: string }).code !== 'MODEL_DECODE_FAILED') throw e;
        expect((e as Error).message).toMatch(DEMO_DECODE_FAILED);
        const runs = await svc.listRuns(documentId);
        expect(runs[0].status).toBe('failed');
        return null;
      }
    }

    it('imports with language, sentences and offsets; detects duplicates; lists, searches, deletes, restores', async () => {
      const d = await svc.getDocument(docId);
      expect(d.language).toBe('eng_Latn');
      expect(d.sentenceCount).toBeGreaterThanOrEqual(8);
      for (const s of d.sentences) expect(d.text.slice(s.start, s.end)).toBe(s.text);
      expect(new Set(d.sentences.map((s) => s.paragraph)).size).toBe(NEWS_DOC.split('\n\n').length);
      const again = await svc.importDocument({ name: 'copy.txt', text: NEWS_DOC });
      expect(again.duplicate).toBe(true);
      expect(again.document.id).toBe(docId);
      expect((await svc.listDocuments({ search: NEWS_WORD })).map((x) => x.id)).toEqual([docId]);
      expect(await svc.listDocuments({ search: 'no such words here' })).toEqual([]);
      await svc.deleteDocument(docId);
      expect((await svc.listDocuments()).map((x) => x.id)).not.toContain(docId);
      await svc.restoreDocument(docId);
      expect((await svc.listDocuments()).map((x) => x.id)).toContain(docId);
    });

    it('summarize → second language reports only cache hits → re-decode runs only the decoder', async () => {
      const first = await svc.startRun({ documentId: docId, task: 'summarize', targetLang: 'deu_Latn', method: 'extractive', length: { sentences: 3 } });
      expect(first.requestId).toMatch(/\w/);
      const r1 = await decoded(first.requestId);
      if (!r1) return;
      expect(r1.status).toBe('done');
      expect(r1.method).toBe('extractive');
      // three picks, unless the decoder wrote one sentence twice: the repeat is dropped and the run says why
      expect(r1.sentences.length).toBeGreaterThan(0);
      expect(r1.sentences.length).toBeLessThanOrEqual(3);
      if (r1.sentences.length < 3) expect(r1.stop).toMatchObject({ reason: 'repetition', requested: 3, early: true });
      expect(r1.cache.misses).toBeGreaterThan(0);
      expect(r1.packs.sonar).toMatch(/@/);
      for (const k of ['load', 'segment', 'encode', 'decode', 'save', 'total']) expect(r1.timings[k]).toBeTypeOf('number');
      const stages = events.filter((e) => e.type === 'progress' && e.requestId === first.requestId).map((e) => (e as { stage: string }).stage);
      for (const s of ['load', 'segment', 'encode', 'decode', 'save']) expect(stages).toContain(s);
      expect(events.some((e) => e.type === 'done' && e.requestId === first.requestId)).toBe(true);

      const second = await svc.startRun({ documentId: docId, task: 'summarize', targetLang: 'fra_Latn', method: 'extractive', length: { sentences: 3 } });
      const r2 = await decoded(second.requestId);
      if (!r2) return;
      expect(r2.cache.misses).toBe(0);
      expect(r2.cache.hits).toBeGreaterThan(0);
      const enc = events.filter((e) => e.type === 'progress' && e.requestId === second.requestId && e.stage === 'encode');
      expect(enc.length).toBeGreaterThan(0);
      for (const e of enc) expect((e as { cacheHits?: number }).cacheHits).toBe((e as { total: number }).total);

      const red = await svc.startRun({ documentId: docId, task: 'summarize', targetLang: 'spa_Latn', parentRunId: r1.id });
      const r3 = await decoded(red.requestId);
      if (!r3) return;
      expect(r3.targetLang).toBe('spa_Latn');
      expect(r3.sentences.length).toBeLessThanOrEqual(r1.sentences.length);
      expect(r3.timings.encode).toBeUndefined();
      if (r3.sentences.length === r1.sentences.length) expect(r3.sentences.map((s) => s.attribution)).toEqual(r1.sentences.map((s) => s.attribution));
      // same-language output of an extractive run is the source, verbatim
      const en = await svc.waitForRun((await svc.startRun({ documentId: docId, task: 'summarize', targetLang: 'eng_Latn', parentRunId: r1.id })).requestId);
      const doc = await svc.getDocument(docId);
      for (const s of en.sentences) {
        expect(s.verbatim).toBe(true);
        expect(doc.sentences.map((x) => x.text)).toContain(s.text);
      }
      const runs = await svc.listRuns(docId);
      expect(runs.map((r) => r.id)).toContain(r3.id);
      const got = await svc.getRun(r3.id);
      expect(got.parameters.parentRunId).toBe(r1.id);
      const map = await svc.conceptMap(docId, r1.id);
      expect(map.filter((p) => p.kind === 'source')).toHaveLength(doc.sentences.length);
      expect(map.filter((p) => p.kind === 'output')).toHaveLength(r1.sentences.length);
    });

    it('LCM summary and pinned regeneration keep the pinned sentence in place', async () => {
      const r = await decoded((await svc.startRun({ documentId: docId, task: 'summarize', targetLang: 'fra_Latn', method: 'lcm', length: { sentences: 3 }, sampler: { seed: 1 } })).requestId);
      if (!r) return;
      expect(r.method).toBe('lcm');
      expect(r.packs.lcm).toBeTruthy();
      expect(r.sentences.length).toBeGreaterThan(0);
      const pinned = { index: 1, text: HELDOUT.ntrex[0].lines[1].fra_Latn };
      const regen = await decoded((await svc.startRun({ documentId: docId, task: 'summarize', targetLang: 'fra_Latn', parentRunId: r.id, pinned: [pinned] })).requestId);
      if (!regen) return;
      expect(regen.sentences[1].text).toBe(pinned.text);
      expect(regen.sentences[1].pinned).toBe(true);
      expect(regen.method).toBe('lcm');
      expect((await svc.getRun(regen.id)).parameters.pinned).toEqual([pinned]);
    });

    it('expand and continue run with an LCM pack', async () => {
      for (const task of ['expand', 'continue'] as const) {
        const r = await svc.waitForRun((await svc.startRun({ documentId: docId, task, targetLang: 'eng_Latn', length: { sentences: 2 } })).requestId);
        expect(r.task).toBe(task);
        expect(r.method).toBe('lcm');
        expect(r.sentences.length).toBeGreaterThan(0);
      }
    });

    it('cancels a run: error event CANCELLED, run recorded as cancelled', async () => {
      const long = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} talks about rights and freedom number ${i * 7}.`).join(' ');
      const imp = await svc.importDocument({ name: 'long.txt', text: long, language: 'eng_Latn' } as never);
      const { requestId } = await svc.startRun({ documentId: imp.document.id, task: 'translate', targetLang: 'fra_Latn' });
      await svc.cancelRun(requestId);
      await expect(svc.waitForRun(requestId)).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(events.some((e) => e.type === 'error' && e.requestId === requestId && e.code === 'CANCELLED')).toBe(true);
      const runs = await svc.listRuns(imp.document.id);
      expect(runs[0].status).toBe('cancelled');
    });

    it('rejects bad requests with codes and actionable messages', async () => {
      await expect(svc.startRun({ documentId: docId, task: 'summarize', targetLang: 'xx_Yyyy' })).rejects.toMatchObject({ code: 'UNKNOWN_LANGUAGE' });
      await expect(svc.startRun({ documentId: docId, task: 'summarize', targetLang: 'fr' })).rejects.toThrow(/fra_Latn/);
      await expect(svc.startRun({ documentId: 9999, task: 'summarize', targetLang: 'fra_Latn' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(svc.getRun(9999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(svc.importDocument({ name: 'e.txt', text: '' })).rejects.toMatchObject({ code: 'IMPORT_EMPTY' });
      await expect(svc.importDocument({ name: 'b.txt', bytesBase64: Buffer.from([0, 1, 2, 0, 255, 0, 3]).toString('base64') })).rejects.toMatchObject({ code: 'IMPORT_BINARY' });
      await expect(svc.verifyPack('no-such-pack')).rejects.toMatchObject({ code: 'PACK_MISSING' });
      await expect(svc.setSettings({ threads: -1 })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    });

    it('packs, runtime, languages and settings', async () => {
      const packs = await svc.packs();
      expect(packs.map((p) => p.kind).sort()).toEqual(['lcm', 'lcm', 'sonar']);
      const v = await svc.verifyPack(packs.find((p) => p.kind === 'sonar')!.name);
      expect(v.verified).toBe('ok');
      const rt = await svc.runtime();
      expect(rt.usedProvider).toBe('cpu');
      expect(rt.availableProviders).toContain('cpu');
      const langs = await svc.languages();
      expect(langs).toHaveLength(202);
      expect(langs.find((l) => l.code === 'arb_Arab')?.direction).toBe('rtl');
      const s = await svc.setSettings({ theme: 'dark', recentLanguages: ['fra_Latn'] });
      expect(s.theme).toBe('dark');
      expect((await svc.getSettings()).recentLanguages).toEqual(['fra_Latn']);
    });
  });
}

describe('service: cached concepts of another dimension', () => {
  it('refuses the run with PACK_DIM_MISMATCH and writes nothing', async () => {
    const fam = families()[0];
    const dir = mkdtempSync(join(tmpdir(), 'cs-dim-'));
    const db = join(dir, 'c.db');
    const st = openStore(db);
    st.concepts.putMany('random-v1', 'eng_Latn', [{ hash: 'a'.repeat(64), vector: new Float32Array(16).fill(0.25) }]);
    st.close();
    const svc = await createService({ dbPath: db, packDirs: [fam.dir], decoding: fam.decoding });
    try {
      const imp = await svc.importDocument({ name: 'a.txt', text: NEWS_DOC });
      const runsBefore = svc.store.runs.list().length;
      await expect(svc.startRun({ documentId: imp.document.id, task: 'summarize', targetLang: 'fra_Latn', method: 'extractive' }))
        .rejects.toMatchObject({ code: 'PACK_DIM_MISMATCH' });
      expect(svc.store.runs.list().length).toBe(runsBefore);
      expect(svc.store.concepts.count('random-v1')).toBe(1);
    } finally {
      await svc.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
