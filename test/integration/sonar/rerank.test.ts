/**
 * Concept reranking on the bundled mini SONAR pack (decoding.rerank: true in its pack.json): of the beam's finished
 * hypotheses the text whose re-encoding is nearest the concept is kept. Checked against an independent computation
 * (every hypothesis decoded and encoded on its own), and for meaning: on held-out English sentences the reranked
 * round trip keeps at least as much of the sentence (chrF) as the beam's best.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTokens } from '../../../main/engine/sonar/beam.js';
import { SonarModel } from '../../../main/engine/sonar/model.js';
import { cosine } from '../../../main/engine/vec.js';
import { HELDOUT, meanChrf } from '../../helpers/heldout.js';
import { join } from 'node:path';
import { ROOT } from './packs.js';

const PACK = join(ROOT, 'models', 'mini', 'sonar');
const N = 40;

describe('concept reranking (mini pack)', () => {
  let m: SonarModel;
  const eng = HELDOUT.english.slice(0, N);
  let embs: Float32Array[];

  beforeAll(async () => {
    m = await SonarModel.load(PACK, { provider: 'cpu', threads: 2 });
    embs = await m.encodeTexts(eng, 'eng_Latn');
  }, 300_000);
  afterAll(async () => {
    await m?.dispose();
  });

  it('is the pack default, and picks the hypothesis whose own encoding is nearest its concept', async () => {
    expect(m.pack.json.decoding.rerank).toBe(true);
    const some = embs.slice(0, 12);
    const [ids, chosen, plain] = await Promise.all([
      m.decodeIds(some, 'eng_Latn', { beam: 5 }),
      m.decodeTexts(some, 'eng_Latn', { beam: 5 }),
      m.decodeTexts(some, 'eng_Latn', { beam: 5, rerank: false }),
    ]);
    let moved = 0;
    for (let i = 0; i < some.length; i++) {
      const texts = ids[i].hypotheses.map((h) => m.tokenizer.decode(contentTokens(h, m.decoder.spec.eos)));
      // each hypothesis encoded alone (no batching with the others): the choice must not hinge on batch padding
      const cos: number[] = [];
      for (const t of texts) cos.push(t.trim() ? cosine((await m.encodeTexts([t], 'eng_Latn'))[0], some[i]) : Number.NEGATIVE_INFINITY);
      const best = Math.max(...cos);
      const r = chosen[i].rerank!;
      expect(r.candidates).toBe(texts.length);
      expect(chosen[i].text).toBe(texts[r.rank]);
      expect(cos[r.rank]).toBeGreaterThanOrEqual(best - 1e-5);
      expect(r.cosine).toBeCloseTo(cos[r.rank], 4);
      expect(chosen[i].score).toBe(ids[i].hypotheses[r.rank].score);
      expect(plain[i].text).toBe(texts[0]);
      expect(plain[i].rerank).toBeUndefined();
      if (r.rank > 0) moved++;
    }
    // on this decoder the beam's best is often not the most faithful: the option must change something
    expect(moved).toBeGreaterThan(0);
  });

  it('greedy decoding has one candidate: reranking changes nothing', async () => {
    const some = embs.slice(0, 6);
    const a = await m.decodeTexts(some, 'eng_Latn', { greedy: true });
    const b = await m.decodeTexts(some, 'eng_Latn', { greedy: true, rerank: false });
    expect(a.map((x) => x.text)).toEqual(b.map((x) => x.text));
    expect(a.every((x) => x.rerank === undefined)).toBe(true);
  });

  it('keeps at least as much of held-out sentences as the beam\'s best (round-trip chrF), far above another concept', async () => {
    const rr = (await m.decodeTexts(embs, 'eng_Latn', { beam: 5 })).map((r) => r.text);
    const top = (await m.decodeTexts(embs, 'eng_Latn', { beam: 5, rerank: false })).map((r) => r.text);
    const [a, b] = [meanChrf(rr, eng), meanChrf(top, eng)];
    const other = meanChrf([...rr.slice(1), rr[0]], eng);
    console.log(`round trip, ${N} held-out sentences, beam 5: reranked chrF ${a.toFixed(1)}, beam's best ${b.toFixed(1)}, ` +
      `reranked from another sentence's concept ${other.toFixed(1)}`);
    expect(a).toBeGreaterThanOrEqual(b);
    expect(a).toBeGreaterThan(2.5 * other);
  });

  it('a cancelled decode with reranking rejects and leaves the model usable', async () => {
    const ac = new AbortController();
    const p = m.decodeTexts(embs, 'eng_Latn', { beam: 5, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toThrow();
    const again = await m.decodeTexts(embs.slice(0, 2), 'eng_Latn', { beam: 5 });
    expect(again).toHaveLength(2);
  });
});
