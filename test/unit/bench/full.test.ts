import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TEMPLATES_DIR } from '../../../main/engine/packs/convert/sonar.js';
import { drift, SCALES, summarize, variantKey, type ProbeAnswer } from '../../../bench/lib/full.js';

function probe(over: Partial<ProbeAnswer> = {}, speed = 1): ProbeAnswer {
  return {
    weightBytes: 1000, loadSeconds: 2 / speed, rssLoadedBytes: 1100, peakRssLoadedBytes: 1150, peakRssBytes: 1200,
    encoder: { sentences: 32, sentencesPerS: 10 * speed },
    decoder: { sentences: 2, maxTokens: 16, greedyBatched: { tokensPerS: 40 * speed }, greedyOneAtATime: { tokensPerS: 10 * speed },
      beamBatched: { tokensPerS: 18 * speed }, beamOneAtATime: { tokensPerS: 6 * speed } },
    embeddings: [[1, 0], [0, 1]], greedyTokens: [[5, 6], [7]], beamTokens: [[5, 6], [7, 8]],
    ...over,
  };
}

describe('bench --full variant summaries', () => {
  it('measures drift from fp32 on the same inputs', () => {
    const ref = probe();
    const v = probe({ embeddings: [[1, 0], [1, 1]], greedyTokens: [[5, 6], [9]], beamTokens: [[5, 6], [7, 8]] });
    const d = drift(ref, v);
    expect(d.cosineMin).toBeCloseTo(Math.SQRT1_2, 6);
    expect(d.cosineMean).toBeCloseTo((1 + Math.SQRT1_2) / 2, 6);
    expect(d.greedyIdentical).toBe(0.5);
    expect(d.beamIdentical).toBe(1);
  });

  it('a sequence that is a prefix of fp32\'s is not identical', () => {
    expect(drift(probe(), probe({ greedyTokens: [[5], [7]] })).greedyIdentical).toBe(0.5);
  });

  it('takes medians over rounds and keeps every round for the spread', () => {
    const conv = { seconds: 3, peakRssBytes: 5, bytesWritten: 1000 };
    const s = summarize('int8', conv, [probe({}, 1), probe({}, 3), probe({}, 2)], probe());
    expect(s.encoderSentencesPerS).toBe(20);
    expect(s.samples.encoderSentencesPerS).toEqual([10, 30, 20]);
    expect(s.rssOverWeights).toBeCloseTo(1.1, 9);
    expect(s.beamBatchedTokensPerS / s.beamOneTokensPerS).toBeCloseTo(3, 9);
    expect(s.drift?.greedyIdentical).toBe(1);
    expect(summarize('fp32', conv, [probe()], probe()).drift).toBeUndefined();
  });

  it('reports concept reranking\'s cost as the median share of the beam it follows, only when every round measured it', () => {
    const conv = { seconds: 3, peakRssBytes: 5, bytesWritten: 1000 };
    const withRerank = (x: number) => {
      const p = probe();
      return { ...p, decoder: { ...p.decoder, rerank: { candidates: 10, seconds: x, overBeamBatched: x } } };
    };
    expect(summarize('fp32', conv, [withRerank(0.3), withRerank(0.1), withRerank(0.2)]).rerankOverBeam).toBe(0.2);
    expect(summarize('fp32', conv, [withRerank(0.3), probe()]).rerankOverBeam).toBeUndefined();
  });
});

describe('bench --full pack cache', () => {
  it('keys each variant by its template graphs, so a changed template converts again', () => {
    const keys = ['fp32', 'fp16', 'int8'].map((v) => variantKey('small', v));
    expect(new Set(keys).size).toBe(3);
    expect(variantKey('small', 'int8')).toBe(keys[2]);
    const dir = mkdtempSync(join(tmpdir(), 'tpl-key-'));
    try {
      const id = SCALES.small.template;
      cpSync(join(DEFAULT_TEMPLATES_DIR, id), join(dir, id), { recursive: true });
      const file = join(dir, id, 'template.json');
      const t = JSON.parse(readFileSync(file, 'utf8'));
      expect(variantKey('small', 'int8', dir)).toBe(keys[2]);
      t.variants.int8.decoder.data_bytes += 64;
      writeFileSync(file, JSON.stringify(t));
      expect(variantKey('small', 'int8', dir)).not.toBe(keys[2]);
      expect(variantKey('small', 'fp32', dir)).toBe(keys[0]);
      // a graph's nodes changed with the same tensors (e.g. a decoding step added to the int8 head)
      const changed = variantKey('small', 'int8', dir);
      const graph = join(dir, id, t.variants.int8.decoder.file);
      writeFileSync(graph, Buffer.concat([readFileSync(graph), Buffer.from([0])]));
      expect(variantKey('small', 'int8', dir)).not.toBe(changed);
      expect(variantKey('small', 'fp32', dir)).toBe(keys[0]);
      expect(() => variantKey('small', 'int4', dir)).toThrow(/no int4 variant/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
