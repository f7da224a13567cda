/** Vector helpers for the tasks (float64 accumulation, deterministic). */

import { dot } from '../vec.js';

export { cosine, dot } from '../vec.js';

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Unit-length copy (float64); a zero vector stays zero. */
export function unit(a: ArrayLike<number>): Float64Array {
  const n = norm(a);
  const out = new Float64Array(a.length);
  if (n < 1e-12) return out;
  for (let i = 0; i < a.length; i++) out[i] = a[i] / n;
  return out;
}

export function mean(rows: readonly ArrayLike<number>[], dim: number): Float64Array {
  const m = new Float64Array(dim);
  for (const r of rows) for (let i = 0; i < dim; i++) m[i] += r[i];
  if (rows.length) for (let i = 0; i < dim; i++) m[i] /= rows.length;
  return m;
}

/** Words of a text (Unicode letters/digits runs; a CJK text without spaces counts its characters). */
export function countWords(text: string): number {
  const m = text.match(/[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*/gu);
  if (!m) return 0;
  let n = 0;
  for (const w of m) {
    // scripts written without spaces: count each Han/Kana/Thai... character as a word
    const cjk = w.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/gu);
    n += cjk && cjk.length > 1 ? cjk.length + (w.length - cjk.length > 0 ? 1 : 0) : 1;
  }
  return n;
}
