/**
 * Which installed LCM packs a SONAR pack can work with, and why the others are refused. Before (issue 11, defect 7),
 * an LCM pack of another dimension or space, or one that failed to load, was dropped without a word: `auto` skipped
 * it silently and `--method lcm` said that no LCM pack was installed although one was, and was refused. Now every
 * refused pack is named with its reason: in the error of a run that needs an LCM, and in the run record of an `auto`
 * run that went on without one (MethodChoice.skipped; the CLI prints it on stderr).
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ApiError } from './contract.js';
import type { DiscoveredPack, LoadedPack } from '../engine/packs/index.js';

export interface RejectedLcm {
  name: string;
  dir: string;
  code: string;
  reason: string;
}

/** pack.json's kind and name even when the pack does not load (null when pack.json cannot be read at all). */
function declared(dir: string): { kind?: unknown; name?: unknown } | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8')) as { kind?: unknown; name?: unknown };
  } catch {
    return null;
  }
}

/** The LCM packs that fit the SONAR pack (same space and dimension), and the refused ones with their reason. */
export function lcmCandidates(found: DiscoveredPack[], sonar: LoadedPack): { fits: DiscoveredPack[]; rejected: RejectedLcm[] } {
  const fits: DiscoveredPack[] = [];
  const rejected: RejectedLcm[] = [];
  const s = sonar.json;
  for (const d of found) {
    if (d.pack) {
      const j = d.pack.json;
      if (j.kind !== 'lcm') continue;
      if (j.space !== s.space) {
        rejected.push({ name: j.name, dir: d.dir, code: 'PACK_SPACE_MISMATCH',
          reason: `it works in the concept space "${j.space}", the SONAR pack ${s.name} in "${s.space}"` });
      } else if (j.dim !== s.dim) {
        rejected.push({ name: j.name, dir: d.dir, code: 'PACK_DIM_MISMATCH',
          reason: `its concepts have dimension ${j.dim}, the SONAR pack ${s.name}'s ${s.dim}` });
      } else fits.push(d);
    } else if (d.error) {
      const j = declared(d.dir);
      if (j?.kind !== 'lcm') continue; // a broken SONAR pack (or one that cannot be told) is reported elsewhere
      rejected.push({ name: typeof j.name === 'string' ? j.name : basename(d.dir), dir: d.dir, code: d.error.code, reason: `it does not load: ${d.error.message}` });
    }
  }
  return { fits, rejected };
}

/** One line per refused pack: "random-base-lcm (DIR): its concepts have dimension 64, …". */
export function describeRejected(rejected: RejectedLcm[]): string {
  return rejected.map((r) => `${r.name} (${r.dir}): ${r.reason}`).join('; ');
}

/** The error of a run that needs an LCM when the installed ones were all refused (null when none is installed). */
export function rejectedLcmError(rejected: RejectedLcm[], what: string): ApiError | null {
  if (!rejected.length) return null;
  const n = rejected.length;
  return new ApiError(rejected[0].code, `${what} needs an LCM pack, and the installed one${n === 1 ? ' was' : 's were'} refused: ` +
    `${describeRejected(rejected)}. Install an LCM pack made for this SONAR pack, or use the extractive method.`);
}
