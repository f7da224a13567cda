/**
 * The measured decoding expectation (engine/packs/decoding-quality.ts): parsing pack.json `decoding_quality`, the
 * tiers against the same-run baseline, the fallback for pairs nobody measured, when a run decodes at all, and what the
 * bundled mini pack states (its own held-out evaluation, tools/concept_tools/decoding_quality.py).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeExpectation, expectDecoding, parseDecodingQuality, runDecodes, tierOf,
} from '../../../main/engine/packs/decoding-quality.js';
import { loadPack, toPackInfo } from '../../../main/engine/packs/index.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

const table = parseDecodingQuality({
  same_language: {
    eng_Latn: { chrf: 38, baseline: 13.7, n: 200 },
    fra_Latn: { chrf: 14.5, baseline: 9.1, n: 20 },
    deu_Latn: { chrf: 9, baseline: 9.1 },
  },
  pairs: {
    'fra_Latn>eng_Latn': { chrf: 13.5, baseline: 13, copy: 27.6, n: 100 },
    'eng_Latn>fra_Latn': { chrf: 11.7, baseline: 10.9, n: 100 },
  },
})!;

describe('parseDecodingQuality', () => {
  it('keeps well-formed entries and drops the rest', () => {
    const t = parseDecodingQuality({
      same_language: { eng_Latn: { chrf: 30, baseline: 10 }, english: { chrf: 30, baseline: 10 }, fra_Latn: { chrf: 'x', baseline: 1 }, spa_Latn: { chrf: -1, baseline: 1 } },
      pairs: { 'eng_Latn>eng_Latn': { chrf: 1, baseline: 1 }, 'eng_Latn>fra_Latn>deu_Latn': { chrf: 1, baseline: 1 }, 'eng_Latn>fra_Latn': { chrf: 12, baseline: 11, n: 2.7, copy: NaN } },
    });
    expect(Object.keys(t!.sameLanguage)).toEqual(['eng_Latn']);
    expect(t!.pairs).toEqual({ 'eng_Latn>fra_Latn': { chrf: 12, baseline: 11, n: 2 } });
  });

  it('is null when the pack states nothing usable', () => {
    for (const raw of [undefined, null, 3, [], {}, { same_language: { x: 1 } }, { pairs: [] }]) expect(parseDecodingQuality(raw)).toBeNull();
  });
});

describe('tiers', () => {
  it('meaning needs both chrF 30 and 2.5x the baseline; fragments 1.5x; else none', () => {
    expect(tierOf({ chrf: 30, baseline: 12 })).toBe('meaning');
    expect(tierOf({ chrf: 29.9, baseline: 5 })).toBe('fragments'); // far above its baseline, but below the bar
    expect(tierOf({ chrf: 40, baseline: 16.1 })).toBe('fragments'); // above 30, but under 2.5x
    expect(tierOf({ chrf: 15, baseline: 10 })).toBe('fragments');
    expect(tierOf({ chrf: 14.9, baseline: 10 })).toBe('none');
  });
});

describe('expectDecoding', () => {
  it('same language reads the round trip; a measured pair reads the pair', () => {
    expect(expectDecoding(table, 'eng_Latn', 'eng_Latn')).toMatchObject({ tier: 'meaning', basis: 'same-language', measure: { chrf: 38 } });
    expect(expectDecoding(table, 'fra_Latn', 'fra_Latn')).toMatchObject({ tier: 'fragments', basis: 'same-language' });
    expect(expectDecoding(table, 'deu_Latn', 'deu_Latn')).toMatchObject({ tier: 'none' });
    expect(expectDecoding(table, 'eng_Latn', 'fra_Latn')).toMatchObject({ tier: 'none', basis: 'pair', measure: { chrf: 11.7, baseline: 10.9 } });
  });

  it('an unmeasured pair borrows the average only when every measured pair carries nothing', () => {
    const x = expectDecoding(table, 'spa_Latn', 'deu_Latn');
    expect(x).toMatchObject({ tier: 'none', basis: 'pairs-average', pairsAveraged: 2 });
    expect(x.measure!.chrf).toBeCloseTo((13.5 + 11.7) / 2, 10);
    const oneGood = parseDecodingQuality({ pairs: { 'fra_Latn>eng_Latn': { chrf: 40, baseline: 10 }, 'eng_Latn>fra_Latn': { chrf: 10, baseline: 10 } } });
    expect(expectDecoding(oneGood, 'spa_Latn', 'deu_Latn')).toMatchObject({ tier: 'unmeasured', basis: 'none' });
    expect(expectDecoding(table, 'spa_Latn', 'spa_Latn')).toMatchObject({ tier: 'unmeasured' }); // no round trip measured
    expect(expectDecoding(null, 'eng_Latn', 'eng_Latn')).toMatchObject({ tier: 'unmeasured' });
  });

  it('describes the expectation in one line with the numbers', () => {
    expect(describeExpectation(expectDecoding(table, 'eng_Latn', 'fra_Latn'))).toMatch(/eng_Latn -> fra_Latn output is no closer .*chrF 11\.7 vs 10\.9/);
    expect(describeExpectation(expectDecoding(table, 'fra_Latn', 'fra_Latn'))).toMatch(/only fragments .*chrF 14\.5; .* 9\.1/);
    expect(describeExpectation(expectDecoding(table, 'spa_Latn', 'deu_Latn'))).toMatch(/was not measured; on the 2 language pairs/);
    const withLcm = { ...expectDecoding(table, 'eng_Latn', 'eng_Latn'), generator: { pack: 'mini-base-lcm', demo: true, summary: { name: 'summary_rougeL', value: 8.11, baseline: 17.59 } } };
    expect(describeExpectation(withLcm)).toMatch(/keeps the meaning of eng_Latn -> eng_Latn .* concept model mini-base-lcm, a demonstration: .*ROUGE-L 8\.1 .* 17\.6\./);
    expect(describeExpectation({ ...withLcm, generator: { pack: 'x', demo: true } })).toMatch(/a demonstration nobody measured\.$/);
    expect(describeExpectation({ ...withLcm, generator: { pack: 'x', demo: false } })).not.toMatch(/concept model/);
  });
});

describe('runDecodes', () => {
  it('only a same-language translation or extractive summary copies instead of decoding', () => {
    // the method as chooseMethod resolved it: auto on demonstration packs is extractive, on measured ones the LCM
    const base = { task: 'summarize', source: 'eng_Latn', target: 'eng_Latn' };
    expect(runDecodes({ ...base, method: 'extractive' })).toBe(false);
    expect(runDecodes({ ...base, method: 'lcm' })).toBe(true);
    expect(runDecodes({ ...base, method: 'extractive', target: 'fra_Latn' })).toBe(true);
    expect(runDecodes({ ...base, method: 'extractive', task: 'translate' })).toBe(false);
    expect(runDecodes({ ...base, method: 'extractive', task: 'translate', target: 'deu_Latn' })).toBe(true);
    expect(runDecodes({ ...base, method: 'lcm', task: 'expand' })).toBe(true);
  });
});

describe('the bundled mini SONAR pack', () => {
  it('states its held-out figures: English round trip keeps the meaning, translation carries nothing, French round trip fragments', () => {
    const json = JSON.parse(readFileSync(join(ROOT, 'models', 'mini', 'sonar', 'pack.json'), 'utf8'));
    const metrics = JSON.parse(readFileSync(join(ROOT, 'models', 'mini', 'metrics.json'), 'utf8')).sonar;
    const t = parseDecodingQuality(json.decoding_quality)!;
    // the same numbers as the model card's evaluation (app decoding for English)
    expect(t.sameLanguage.eng_Latn.chrf).toBeCloseTo(metrics.autoencoding_eng_short_beam.rerank.chrf, 1);
    expect(t.pairs['eng_Latn>fra_Latn'].chrf).toBeCloseTo(metrics.translation_from_eng.fra_Latn.ntrex.chrf, 1);
    expect(Object.keys(t.sameLanguage).length).toBe(Object.keys(metrics.autoencoding).length + 1);
    expect(expectDecoding(t, 'eng_Latn', 'eng_Latn').tier).toBe('meaning');
    for (const [s, g] of [['eng_Latn', 'fra_Latn'], ['eng_Latn', 'deu_Latn'], ['fra_Latn', 'eng_Latn'], ['zho_Hans', 'eng_Latn']]) {
      expect(expectDecoding(t, s, g)).toMatchObject({ tier: 'none', basis: 'pair' });
    }
    for (const g of ['spa_Latn', 'rus_Cyrl', 'zho_Hans']) expect(expectDecoding(t, 'eng_Latn', g)).toMatchObject({ tier: 'none', basis: 'pair' });
    expect(expectDecoding(t, 'eng_Latn', 'ita_Latn')).toMatchObject({ tier: 'none', basis: 'pairs-average', pairsAveraged: 10 });
    expect(expectDecoding(t, 'fra_Latn', 'fra_Latn').tier).toBe('fragments');
  });

  it('reaches the API as PackInfo.decodingQuality', async () => {
    const pack = await loadPack(join(ROOT, 'models', 'mini', 'sonar'));
    const info = toPackInfo(pack);
    expect(info.decodingQuality?.sameLanguage.eng_Latn.chrf).toBeGreaterThan(30);
    const lcm = toPackInfo(await loadPack(join(ROOT, 'models', 'mini', 'base-lcm')));
    expect(lcm.decodingQuality).toBeUndefined();
  });
});
