/**
 * Issue 11, defect 3: a decoder that writes nothing (there: 4 KB of flipped bytes) made `summarize` exit 0 with empty
 * text stored as a `done` run. A run whose decoded sentences are all empty or degenerate now fails with
 * MODEL_DECODE_FAILED: the run is stored as failed with that error, the API rejects, the CLI exits 3.
 * The decoder here is random-sonar's (it writes nothing with --max-tokens 8) without its `random_weights` mark.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createService } from '../../../main/api/service.js';
import { concept } from '../../helpers/cli.js';
import { NEWS_2, RANDOM } from './packs.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-empty-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const packs = join(dir, 'packs');
cpSync(join(RANDOM, 'sonar'), join(packs, 'sonar'), { recursive: true });
const pj = join(packs, 'sonar', 'pack.json');
const j = JSON.parse(readFileSync(pj, 'utf8'));
delete j.random_weights;
j.name = 'plain-sonar';
writeFileSync(pj, JSON.stringify(j, null, 2));

describe('a run that decodes nothing', () => {
  it('the API: rejects with MODEL_DECODE_FAILED; the run is stored as failed, not done', async () => {
    const svc = await createService({ dbPath: join(dir, 'api.db'), packDirs: [packs], decoding: { beam: 1, maxTokens: 8 } });
    try {
      const { document } = await svc.importDocument({ name: 'news.txt', text: NEWS_2 });
      const { requestId } = await svc.startRun({ documentId: document.id, task: 'translate', targetLang: 'fra_Latn' });
      const e = await svc.waitForRun(requestId).catch((x) => x);
      expect(e.code).toBe('MODEL_DECODE_FAILED');
      expect(e.message).toMatch(/plain-sonar decoded no usable text in fra_Latn: all 2 sentences failed \(the decoder wrote no words/);
      const runs = await svc.listRuns(document.id);
      expect(runs.map((r) => r.status)).toEqual(['failed']);
      expect(svc.store.runs.get(runs[0].id)?.error).toMatchObject({ code: 'MODEL_DECODE_FAILED' });
    } finally {
      await svc.close();
    }
  });

  it('the CLI: exit 3 with the reason on stderr', async () => {
    const file = join(dir, 'news.txt');
    writeFileSync(file, NEWS_2);
    const r = await concept(['translate', file, '--to', 'fra_Latn', '--db', join(dir, 'cli.db'), '--pack', packs, '--beam', '1', '--max-tokens', '8']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/decoded no usable text/);
    expect(r.stdout).toBe('');
  });

  it('the same decoder marked as random weights (test packs): the run is done, every sentence marked failed', async () => {
    const svc = await createService({ dbPath: join(dir, 'rnd.db'), packDirs: [RANDOM], decoding: { beam: 1, maxTokens: 8 } });
    try {
      const { document } = await svc.importDocument({ name: 'news.txt', text: NEWS_2 });
      const { requestId } = await svc.startRun({ documentId: document.id, task: 'translate', targetLang: 'fra_Latn' });
      const run = await svc.waitForRun(requestId);
      expect(run.status).toBe('done');
      expect(run.sentences.every((s) => s.failed?.reason === 'empty')).toBe(true);
    } finally {
      await svc.close();
    }
  });
});
