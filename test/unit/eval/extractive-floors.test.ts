/**
 * Floors for the extractive profiles on the committed held-out pairs (test/fixtures/eval/heldout_*.jsonl: the
 * sha1(id) mod 5 = 0 bucket, inside the TEST split the profiles were not chosen on; docs/eval-extractive.md).
 * Measured when the profiles were chosen: news Δ R-1 vs lead-3 +0.0 [0.0, 0.1] on 126 XL-Sum + MLSUM records;
 * how-to +2.7 [0.8, 4.7] on 31 WikiLingua records. The floors leave room for segmentation changes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairedBootstrap } from '../../../main/engine/eval/bootstrap.js';
import { documentSentences } from '../../../main/engine/eval/datasets.js';
import { createNgrams, scoreNgrams } from '../../../main/engine/eval/rouge.js';
import { tokenizeMultilingual } from '../../../main/engine/eval/tokenize.js';
import { PROFILES, selectSentences, type Profile } from '../../../main/engine/tasks/extractive.js';

const FIX = join(__dirname, '..', '..', 'fixtures', 'eval');
const load = (set: string) =>
  readFileSync(join(FIX, `heldout_${set}.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; lang: string; document: string; summary: string });

function rouge1(summary: string, picked: string[]): number {
  return scoreNgrams(createNgrams(tokenizeMultilingual(summary), 1), createNgrams(tokenizeMultilingual(picked.join('\n')), 1)).fmeasure;
}

/** R-1 of lead-3 and of the profile's 3 sentences, per record. */
function compare(records: ReturnType<typeof load>, profile: Profile) {
  const lead: number[] = [];
  const mine: number[] = [];
  for (const r of records) {
    const s = documentSentences(r.document, r.lang);
    lead.push(rouge1(r.summary, s.slice(0, 3)));
    const picked = selectSentences([], 3, { ...PROFILES[profile], texts: s });
    mine.push(rouge1(r.summary, picked.map((i) => s[i])));
  }
  return pairedBootstrap(mine, lead);
}

describe('extractive profiles against lead-3 (held-out fixture)', () => {
  it('news: not significantly below lead-3 on XL-Sum + MLSUM', () => {
    const d = compare([...load('xlsum_45lang'), ...load('mlsum')], 'news');
    console.log(`news profile vs lead-3, R-1 Δ ${(100 * d.mean).toFixed(2)} [${(100 * d.low).toFixed(2)}, ${(100 * d.high).toFixed(2)}]`);
    expect(d.high).toBeGreaterThanOrEqual(0);
    expect(d.mean).toBeGreaterThan(-0.005);
  });
  it('how-to: above lead-3 on WikiLingua', () => {
    const d = compare(load('wikilingua'), 'howto');
    console.log(`how-to profile vs lead-3, R-1 Δ ${(100 * d.mean).toFixed(2)} [${(100 * d.low).toFixed(2)}, ${(100 * d.high).toFixed(2)}]`);
    expect(d.mean).toBeGreaterThan(0.01);
    expect(d.wins).toBeGreaterThan(d.losses);
  });
});
