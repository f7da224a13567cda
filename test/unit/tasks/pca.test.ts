import { describe, expect, it } from 'vitest';
import { attribute, conceptMap, pca2 } from '../../../main/engine/tasks/index.js';

const R = Math.SQRT1_2;
// points c + a·(1,1)/√2 + b·(1,−1)/√2 with Σa = Σb = Σab = 0: variance 5 along (1,1), 1 along (1,−1)
const A = [-3, -1, 1, 3];
const B = [1, -1, -1, 1];
const C = [2, -1];
const pts2 = A.map((a, i) => [C[0] + (a + B[i]) * R, C[1] + (a - B[i]) * R]);

describe('pca2', () => {
  it('finds the axes, variances and coordinates of a known 2-D set (covariance path, n > d)', () => {
    const p = pca2(pts2);
    expect([...p.mean]).toEqual([expect.closeTo(2, 12), expect.closeTo(-1, 12)]);
    expect(p.axes[0][0]).toBeCloseTo(R, 9);
    expect(p.axes[0][1]).toBeCloseTo(R, 9);
    expect(p.axes[1][0]).toBeCloseTo(R, 9); // sign: the largest loading (first on ties) is positive
    expect(p.axes[1][1]).toBeCloseTo(-R, 9);
    expect(p.variance[0]).toBeCloseTo(5, 9);
    expect(p.variance[1]).toBeCloseTo(1, 9);
    pts2.forEach((q, i) => {
      const [x, y] = p.project(q);
      expect(x).toBeCloseTo(A[i], 9);
      expect(y).toBeCloseTo(B[i], 9);
    });
  });

  it('gives the same answer through the Gram path (n ≤ d), for any dimension', () => {
    const pad = pts2.map((q) => [...q, 0, 0, 0, 0, 0, 0]);
    const p = pca2(pad);
    expect(p.axes[0][0]).toBeCloseTo(R, 9);
    expect(p.axes[0][1]).toBeCloseTo(R, 9);
    expect(p.axes[0].slice(2).every((x) => Math.abs(x) < 1e-9)).toBe(true);
    pad.forEach((q, i) => {
      const [x, y] = p.project(q);
      expect(x).toBeCloseTo(A[i], 9);
      expect(y).toBeCloseTo(B[i], 9);
    });
  });

  it('is deterministic and invariant to the sign of the input', () => {
    const neg = pts2.map((q) => q.map((x) => -x));
    const p = pca2(pts2);
    const n = pca2(neg);
    expect([...n.axes[0]]).toEqual([...p.axes[0]].map((x) => expect.closeTo(x, 9)));
    expect([...pca2(pts2).axes[1]]).toEqual([...p.axes[1]]);
  });

  it('handles degenerate sets: one point, identical points, collinear points', () => {
    const one = pca2([[1, 2, 3]]);
    expect(one.project([1, 2, 3])).toEqual([0, 0]);
    const same = pca2([[1, 1], [1, 1], [1, 1]]);
    expect(same.variance).toEqual([0, 0]);
    const line = pca2([[0, 0, 0], [1, 2, 2], [2, 4, 4]]);
    expect(line.variance[0]).toBeCloseTo(6, 9); // Σ|x−μ|²/n = (9+0+9)/3
    expect(line.variance[1]).toBeCloseTo(0, 9);
    expect(line.project([2, 4, 4])[0]).toBeCloseTo(3, 9);
  });
});

describe('attribution and concept map', () => {
  const src = [
    [1, 0, 0],
    [0.8, 0.6, 0],
    [0, 1, 0],
    [0, 0, 1],
    [0.9, 0.1, 0.1],
  ];
  it('top-k sources by cosine, score descending, with a threshold', () => {
    const [a] = attribute([[1, 0.05, 0]], src);
    expect(a).toHaveLength(3);
    expect(a.map((x) => x.sentenceIdx)).toEqual([0, 4, 1]);
    expect(a[0].score).toBeGreaterThan(a[1].score);
    expect(a[1].score).toBeGreaterThan(a[2].score);
    expect(a[0].score).toBeCloseTo(1 / Math.hypot(1, 0.05), 5);
    const [b] = attribute([[0, 0, 1]], src, { k: 5, minScore: 0.5 });
    expect(b).toEqual([{ sentenceIdx: 3, score: 1 }]);
    const [c] = attribute([[0, 0, -1]], src);
    expect(c).toEqual([]);
    const [d] = attribute([[1, 0, 0]], src, { k: 1 });
    expect(d).toEqual([{ sentenceIdx: 0, score: 1 }]);
  });

  it('projects outputs into the axes of the source concepts', () => {
    const out = [pts2[3], [2, -1]];
    const pts = conceptMap(
      { concepts: pts2, texts: ['a', 'b', 'c', 'd'] },
      { concepts: out, texts: ['x', 'y'] },
    );
    expect(pts).toHaveLength(6);
    expect(pts.slice(0, 4).every((p) => p.kind === 'source')).toBe(true);
    expect(pts[4]).toMatchObject({ kind: 'output', index: 0, text: 'x' });
    expect(pts[4].x).toBeCloseTo(pts[3].x, 9);
    expect(pts[4].y).toBeCloseTo(pts[3].y, 9);
    expect(pts[5].x).toBeCloseTo(0, 9); // the centroid maps to the origin
    expect(conceptMap({ concepts: [], texts: [] })).toEqual([]);
  });
});
