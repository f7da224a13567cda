/** Vector helpers the whole engine shares (float64 accumulation, deterministic); lcm/vec.ts and tasks/vec.ts add their own. */

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Cosine similarity as torch.nn.functional.cosine_similarity (eps 1e-8 on each norm), so thresholds measured in
 * PyTorch (the LCM's end-of-text and repetition checks) hold here; a zero vector has cosine 0 with anything.
 */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cosine: length ${a.length} != ${b.length}`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / (Math.max(Math.sqrt(aa), 1e-8) * Math.max(Math.sqrt(bb), 1e-8));
}
