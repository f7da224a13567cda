/**
 * Issue 11, defect 1: segmentation was quadratic in paragraph length (20k sentences in one paragraph: 15 s; the same
 * text in 2,000 paragraphs: 1 s). The growth is measured as a ratio of times, not against a time limit, so the test
 * says the same on a fast and on a loaded machine: linear work gives ~10x from 10k to 100k sentences, quadratic ~100x.
 */
import { describe, expect, it } from 'vitest';
import { icuBoundaries, segment } from '../../../main/engine/text/segmenter.js';

/** Sentences that exercise every per-period rule (abbreviations, initials, numbers, URLs, "!" and "?"). */
const SENTENCES = [
  'Dr. Smith met J. R. Tolkien at 5 p.m. on Jan. 3.',
  'He paid $3.14, i.e. almost nothing!',
  'Was it fine?',
  'See www.example.com/a.b for more.',
  'The U.S. Army arrived, e.g. in Paris.',
];

/** One paragraph of `n` sentences (no blank line anywhere). */
const paragraph = (n: number) => Array.from({ length: n }, (_, i) => SENTENCES[i % SENTENCES.length]).join(' ');

function timeSegment(n: number, runs = 2): number {
  const text = paragraph(n);
  let best = Infinity;
  // best of two runs: the machine may be shared, and a slow run only ever makes the ratio look worse
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const out = segment(text);
    best = Math.min(best, performance.now() - t);
    expect(out).toHaveLength(n);
  }
  return best;
}

describe('segmentation time is linear in paragraph length', () => {
  it('100k sentences in one paragraph take about 10x the time of 10k', () => {
    timeSegment(300); // warm-up: JIT and ICU data
    // Fail fast on quadratic code before the large runs, which would take many minutes there (the quadratic version
    // took 2 s for 1k sentences and 45 s for 2.5k).
    const t1 = timeSegment(1_000, 3);
    let t2 = timeSegment(2_000, 1);
    if (t2 / t1 >= 6) t2 = Math.min(t2, timeSegment(2_000, 1)); // one retry absorbs a pause of a shared machine
    expect(t2 / t1, `1k: ${t1.toFixed(0)} ms, 2k: ${t2.toFixed(0)} ms`).toBeLessThan(6);
    const t10 = timeSegment(10_000);
    const t20 = timeSegment(20_000);
    expect(t20 / t10, `10k: ${t10.toFixed(0)} ms, 20k: ${t20.toFixed(0)} ms`).toBeLessThan(3.2);
    const t100 = timeSegment(100_000);
    console.log(`segment one paragraph: 10k ${t10.toFixed(0)} ms, 20k ${t20.toFixed(0)} ms (x${(t20 / t10).toFixed(2)}), `
      + `100k ${t100.toFixed(0)} ms (x${(t100 / t10).toFixed(2)})`);
    expect(t100 / t10, `10k: ${t10.toFixed(0)} ms, 100k: ${t100.toFixed(0)} ms`).toBeLessThan(20);
  }, 300_000);

  it('segmenting ICU in windows finds the same boundaries as one call on the whole text', () => {
    const masked = paragraph(300);
    const seg = new Intl.Segmenter('en', { granularity: 'sentence' });
    const whole = [...seg.segment(masked)].map((s) => s.index);
    expect(icuBoundaries(masked, seg, 200, 50)).toEqual(whole);
    // a "sentence" longer than the window makes it widen rather than cut the sentence
    const long = `${'word '.repeat(400)}end. Next one. ${'x'.repeat(900)}. Last.`;
    expect(icuBoundaries(long, seg, 200, 50)).toEqual([...seg.segment(long)].map((s) => s.index));
  });

  it('Thai (boundaries scored at every space from the words around it) is linear too', () => {
    const s = 'นายกรัฐมนตรีเดินทางไปเยือนจังหวัดเชียงใหม่เมื่อวานนี้ เพื่อติดตามสถานการณ์น้ำท่วม '
      + 'อย่างไรก็ตาม ฝนยังคงตกหนักในหลายพื้นที่ของภาคเหนือ ';
    const time = (n: number) => {
      const text = s.repeat(n);
      const t = performance.now();
      expect(segment(text, { lang: 'th' }).length).toBe(2 * n);
      return performance.now() - t;
    };
    time(200); // warm-up
    const t1 = time(1_000);
    const t10 = time(10_000);
    expect(t10 / t1, `1k: ${t1.toFixed(0)} ms, 10k: ${t10.toFixed(0)} ms`).toBeLessThan(20);
  }, 120_000);

  it('stays linear for long words, long tokens and long sentences', () => {
    // a 200k-character token full of periods, and a 400k-character sentence that capping splits into pieces
    const token = 'a.'.repeat(100_000);
    const sentence = 'word, '.repeat(70_000);
    for (const text of [token, sentence]) {
      const t = performance.now();
      const out = segment(text);
      expect(out.length).toBeGreaterThan(0);
      expect(performance.now() - t).toBeLessThan(30_000); // quadratic takes minutes here
    }
  }, 120_000);
});
