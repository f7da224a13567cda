/** Small vector helpers on flat Float32Arrays (concepts are raw or normalized D-vectors). */

export { cosine, dot } from '../vec.js';

/** Unbiased standard deviation (torch default, N − 1) of x[off, off+n). */
export function stdUnbiased(x: ArrayLike<number>, off = 0, n = x.length - off): number {
  let m = 0;
  for (let i = 0; i < n; i++) m += x[off + i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = x[off + i] - m;
    v += d * d;
  }
  return Math.sqrt(v / (n - 1));
}

/** Concatenate D-vectors into one [L·D] buffer. */
export function stack(rows: readonly ArrayLike<number>[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new Error(`concept ${i} has length ${r.length}, expected ${dim}`);
    out.set(r, i * dim);
  });
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
