/**
 * `concept packs verify` with --pack folders: a folder that holds no pack (no pack.json, and no sub-folder with one)
 * is named with the reason. Before, `packs verify --pack DIR` on such a folder printed nothing and exited 0, which
 * reads as "every pack is fine" (issue 11, defect 8).
 */
import { resolve } from 'node:path';
import { discoverPacks } from '../engine/packs/index.js';

/** One message per given folder in which no pack (not even a broken one) is found. */
export function foldersWithoutPacks(dirs: string[]): string[] {
  return dirs
    .filter((d) => discoverPacks([d]).length === 0)
    .map((d) => `${resolve(d)}: no pack here: the folder has no pack.json, and no sub-folder holding one ` +
      '(a pack is a folder with pack.json, models/FORMAT.md)');
}
