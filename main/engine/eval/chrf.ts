/**
 * chrF (Popović 2015) as sacrebleu's sentence default and tools/concept_tools/generate.py's chrf: character
 * n-grams 1..6 with spaces removed, precision and recall averaged over the orders both sides have, β = 2; 0-100.
 * One implementation for the model card's numbers, the meaning tests and the pack self-test (engine/selftest).
 */
export function chrf(hyp: string, ref: string, n = 6, beta = 2): number {
  const h = [...hyp.replaceAll(' ', '')];
  const r = [...ref.replaceAll(' ', '')];
  const grams = (cs: string[], k: number) => {
    const m = new Map<string, number>();
    for (let i = 0; i + k <= cs.length; i++) {
      const g = cs.slice(i, i + k).join('');
      m.set(g, (m.get(g) ?? 0) + 1);
    }
    return m;
  };
  const precs: number[] = [];
  const recs: number[] = [];
  for (let k = 1; k <= n; k++) {
    const hc = grams(h, k);
    const rc = grams(r, k);
    if (!hc.size || !rc.size) continue;
    let match = 0;
    for (const [g, c] of hc) match += Math.min(c, rc.get(g) ?? 0);
    precs.push(match / Math.max(1, h.length - k + 1));
    recs.push(match / Math.max(1, r.length - k + 1));
  }
  if (!precs.length) return 0;
  const p = precs.reduce((a, b) => a + b, 0) / precs.length;
  const rr = recs.reduce((a, b) => a + b, 0) / recs.length;
  if (p + rr === 0) return 0;
  return (100 * (1 + beta ** 2) * p * rr) / (beta ** 2 * p + rr);
}
