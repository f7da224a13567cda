/**
 * A large English text in ONE paragraph (no blank line), built deterministically from a seed: varied sentences of
 * 6–14 words with numbers and abbreviations, so that segmentation, detection and the sentence store see realistic
 * work. Used by the import-responsiveness test and script and by the interrupt measurement (issue 11).
 */
const WORDS = ('the committee reviewed proposals from several regional offices during its annual meeting and agreed ' +
  'that budgets for schools hospitals roads and water supply should rise next year while staff costs remain ' +
  'stable because revenue grew faster than expected after exports recovered in spring farmers reported better ' +
  'harvests although prices fell slightly in most markets officials said new rules would take effect soon').split(' ');

export function bigParagraph(bytes: number, seed = 1): string {
  let x = seed >>> 0 || 1;
  const rnd = (n: number) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const n = 6 + rnd(9);
    const w: string[] = [];
    for (let k = 0; k < n; k++) w.push(WORDS[rnd(WORDS.length)]);
    if (rnd(4) === 0) w.splice(1 + rnd(n - 1), 0, String(rnd(100000)));
    if (rnd(10) === 0) w.splice(1 + rnd(n - 1), 0, 'Dr.');
    const s = `${w[0][0].toUpperCase()}${w[0].slice(1)} ${w.slice(1).join(' ')} (${i}).`;
    parts.push(s);
    size += s.length + 1;
  }
  return parts.join(' ').slice(0, bytes).replace(/\s+\S*$/, '.');
}
