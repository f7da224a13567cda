/** The text report of a pack self-test (`concept packs selftest`, and after `packs get sonar`). */
import type { PackSelftest, SelftestCheck } from '../api/contract.js';

const fmt = (c: SelftestCheck, x: number) => (c.unit === 'chrF' ? x.toFixed(1) : x.toFixed(3));

export function selftestLines(r: PackSelftest): string[] {
  const head = `${r.pack}: self-test ${r.passed ? 'passed' : 'FAILED'}` +
    (!r.passed && r.demo ? ' (a demonstration or test pack: expected, not damage)' : '') +
    ` — ${r.languages.length} languages × ${r.sentences} sentences, ${r.seconds} s${r.stale ? ' (STALE: the pack changed since)' : ''}`;
  const lines = [head];
  for (const c of r.checks) {
    const op = c.direction === 'min' ? '≥' : '≤';
    const base = c.baseline !== undefined ? `; baseline ${fmt(c, c.baseline)}: ${c.baselineName}` : '';
    lines.push(`  ${c.id.padEnd(11)} ${c.passed ? 'pass' : 'FAIL'}  ${fmt(c, c.value)} ${c.unit} (threshold ${op} ${fmt(c, c.threshold)}${base})`);
    if (c.id === 'round_trip' && c.detail) lines.push(`              per language: ${Object.entries(c.detail).map(([l, v]) => `${l} ${v.toFixed(1)}`).join(', ')}`);
    if (c.id === 'alignment' && c.detail) {
      lines.push(`              margin ${c.detail.margin.toFixed(3)} (trigrams ${c.detail.baselineMargin.toFixed(3)}), chance ${c.detail.chance}, ` +
        `translations' cosine ${c.detail.translationsCosine.toFixed(3)} vs unrelated ${c.detail.unrelatedCosine.toFixed(3)}`);
    }
  }
  for (const e of r.examples) lines.push(`  e.g. ${e.lang}: "${e.input}" → "${e.output}" (chrF ${e.chrf.toFixed(1)})`);
  return lines;
}
