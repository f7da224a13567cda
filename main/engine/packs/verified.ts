/**
 * Pack weights verified before first use. Issue 11: a decoder with 4 KB of flipped bytes (same size) loaded, and a
 * run stored empty text as `done`; a wrong sha256 in pack.json ran without a warning. Hashing every file on every open
 * would cost seconds for real (GB) packs, so each file's digest is cached with the size and mtime it had when hashed:
 * a pack verified once opens with one stat per file, and any rewrite of a file (new mtime or size) is hashed again.
 * Only the file's own digest is cached, never the verdict, so an edited pack.json is always compared afresh.
 */
import { statSync } from 'node:fs';
import { PackError } from './errors.js';
import { sha256File, type LoadedPack, type VerifyProgress, type VerifyResult } from './load.js';

export interface HashEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** Where the digests persist between sessions (the service keeps them in the store's settings). */
export interface HashCacheStore {
  load(): Record<string, HashEntry> | undefined;
  save(entries: Record<string, HashEntry>): void;
}

export interface VerifyOptions {
  /** hash every file even when its size and mtime are unchanged (`packs verify`) */
  force?: boolean;
  onProgress?: (p: VerifyProgress) => void;
  signal?: AbortSignal;
}

export class PackVerifier {
  private entries: Record<string, HashEntry> | null = null;
  /** files hashed (not taken from the cache) since construction; tests read it */
  hashed = 0;

  constructor(private readonly store?: HashCacheStore) {}

  private cache(): Record<string, HashEntry> {
    if (!this.entries) {
      try {
        this.entries = { ...(this.store?.load() ?? {}) };
      } catch {
        this.entries = {}; // an unreadable cache only costs a re-hash
      }
    }
    return this.entries;
  }

  /** Every listed file's size and sha256 against pack.json; unchanged files' digests come from the cache. */
  async verify(pack: LoadedPack, opts: VerifyOptions = {}): Promise<VerifyResult> {
    const cache = this.cache();
    const problems: VerifyResult['problems'] = [];
    const total = pack.json.files.reduce((s, f) => s + f.size, 0);
    let done = 0;
    let changed = false;
    for (const f of pack.json.files) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const path = pack.file(f.path);
      let st;
      try {
        st = statSync(path);
      } catch {
        problems.push({ path, code: 'PACK_FILE_MISSING', message: `missing: ${path}` });
        continue;
      }
      if (st.size !== f.size) {
        problems.push({ path, code: 'PACK_FILE_SIZE', message: `${path}: ${st.size} bytes, expected ${f.size}` });
        continue;
      }
      const hit = cache[path];
      let digest: string;
      if (!opts.force && hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) {
        digest = hit.sha256;
        done += f.size;
        opts.onProgress?.({ file: f.path, bytesDone: done, bytesTotal: total });
      } else {
        digest = await sha256File(path, (n) => {
          done += n;
          opts.onProgress?.({ file: f.path, bytesDone: done, bytesTotal: total });
        }, opts.signal);
        this.hashed++;
        cache[path] = { size: st.size, mtimeMs: st.mtimeMs, sha256: digest };
        changed = true;
      }
      if (digest !== f.sha256.toLowerCase()) {
        problems.push({ path, code: 'PACK_CHECKSUM', message: `${path} does not match its sha256 in pack.json (the file is damaged or was replaced)` });
      }
    }
    if (changed) {
      try {
        this.store?.save(cache);
      } catch {
        /* not persisted: the next session hashes again */
      }
    }
    return { ok: problems.length === 0, problems };
  }

  /** verify, throwing the first problem as a PackError that says which pack and file, and what to do. */
  async assert(pack: LoadedPack, opts: VerifyOptions = {}): Promise<VerifyResult> {
    const r = await this.verify(pack, opts);
    if (!r.ok) {
      const p = r.problems[0]!;
      const more = r.problems.length > 1 ? ` (and ${r.problems.length - 1} more)` : '';
      throw new PackError(p.code, `The ${pack.json.kind.toUpperCase()} pack "${pack.json.name}" is damaged and was not used: ${p.message}${more}`,
        p.path, 'Re-install the pack (or re-copy its files), then run `concept packs verify`');
    }
    return r;
  }
}
