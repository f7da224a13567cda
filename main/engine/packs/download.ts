/**
 * Resumable HTTP downloads for model files. A file is fetched into `<dest>.part`; an interrupted download (network
 * error, app restart, cancel) is resumed with an HTTP Range request from the bytes already on disk, and the sha256
 * covers the whole file (the existing part is hashed first). Only a complete file of the announced size is renamed
 * to `<dest>`; a known hash that does not match deletes the part, since resuming it could never succeed.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, openSync, closeSync, renameSync, rmSync, statSync, writeSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';

export type DownloadErrorCode =
  | 'DOWNLOAD_HTTP' // the server answered with an error status
  | 'DOWNLOAD_NETWORK' // connection failed or broke off (resumable)
  | 'DOWNLOAD_TRUNCATED' // the body ended before the announced size (resumable)
  | 'DOWNLOAD_HASH' // sha256 differs from the documented one
  | 'DOWNLOAD_DISK' // not enough free disk space
  | 'DOWNLOAD_CANCELLED';

export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(readonly code: DownloadErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface DownloadProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number | null;
  /** bytes per second over this session (resumed bytes excluded) */
  bytesPerSecond: number;
  etaSeconds: number | null;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** the documented sha256 (lower-case hex), when there is one */
  sha256?: string;
  /** at most this often, in ms (default 200) */
  progressIntervalMs?: number;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  /** bytes that were already on disk from an earlier, interrupted attempt */
  resumedFrom: number;
}

async function hashInto(h: Hash, path: string, signal?: AbortSignal): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    if (signal?.aborted) throw new DownloadError('DOWNLOAD_CANCELLED', 'download cancelled');
    h.update(chunk as Buffer);
  }
}

/** Size the server announces for `url` (HEAD; null when it does not say). */
export async function remoteSize(url: string, signal?: AbortSignal): Promise<number | null> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'HEAD', signal, redirect: 'follow' });
  } catch (err) {
    if (signal?.aborted) throw new DownloadError('DOWNLOAD_CANCELLED', 'download cancelled', { cause: err });
    throw new DownloadError('DOWNLOAD_NETWORK', `${url}: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok) throw new DownloadError('DOWNLOAD_HTTP', `${url}: HTTP ${res.status} ${res.statusText}`);
  const n = Number(res.headers.get('content-length'));
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** Free bytes on the file system holding `path` (or its nearest existing parent). */
export function freeBytes(path: string): number {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  const s = statfsSync(p);
  return Number(s.bavail) * Number(s.bsize);
}

export function partPath(dest: string): string {
  return `${dest}.part`;
}

/** Bytes of `dest` already downloaded (complete file or part). */
export function bytesOnDisk(dest: string): number {
  if (existsSync(dest)) return statSync(dest).size;
  return existsSync(partPath(dest)) ? statSync(partPath(dest)).size : 0;
}

/**
 * Requests what `dest` still lacks (a Range from the part's size when there is one) and reads the answer: where the
 * body starts in the file and the file's full size (null when the server does not say).
 */
async function requestRemainder(url: string, part: string, signal?: AbortSignal): Promise<{ res: Response; start: number; total: number | null }> {
  const have = existsSync(part) ? statSync(part).size : 0;
  const headers: Record<string, string> = have > 0 ? { Range: `bytes=${have}-` } : {};
  let res: Response;
  try {
    res = await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (err) {
    if (signal?.aborted) throw new DownloadError('DOWNLOAD_CANCELLED', 'download cancelled', { cause: err });
    throw new DownloadError('DOWNLOAD_NETWORK', `${url}: ${(err as Error).message}. Run again to resume.`, { cause: err });
  }
  if (res.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== have) {
      await res.body?.cancel();
      throw new DownloadError('DOWNLOAD_HTTP', `${url}: the server answered the resume request with an unexpected range (${res.headers.get('content-range')})`);
    }
    return { res, start: have, total: m[3] === '*' ? null : Number(m[3]) };
  }
  if (res.status === 416 && have > 0) {
    // the part is already complete (the range starts at its end)
    const m = /^bytes \*\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
    await res.body?.cancel();
    if (!m || Number(m[1]) !== have) {
      rmSync(part, { force: true });
      throw new DownloadError('DOWNLOAD_HTTP', `${url}: the partial file does not fit the server's (${have} bytes); it was deleted, run again`);
    }
    return { res, start: have, total: have };
  }
  if (res.ok) {
    const n = Number(res.headers.get('content-length'));
    // a server without Range support sends everything again: start 0
    return { res, start: 0, total: Number.isFinite(n) && res.headers.has('content-length') ? n : null };
  }
  await res.body?.cancel();
  throw new DownloadError('DOWNLOAD_HTTP', `${url}: HTTP ${res.status} ${res.statusText}`);
}

export async function download(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const part = partPath(dest);
  const { res, start, total } = await requestRemainder(url, part, opts.signal);

  const hash = createHash('sha256');
  if (start > 0) await hashInto(hash, part, opts.signal);
  const fd = openSync(part, start > 0 ? 'a' : 'w');
  let pos = start;
  const t0 = performance.now();
  let lastReport = 0;
  const report = (force = false) => {
    const now = performance.now();
    if (!force && now - lastReport < (opts.progressIntervalMs ?? 200)) return;
    lastReport = now;
    const rate = (pos - start) / Math.max(1e-3, (now - t0) / 1000);
    opts.onProgress?.({
      file: dest, bytesDone: pos, bytesTotal: total, bytesPerSecond: rate,
      etaSeconds: total !== null && rate > 0 ? (total - pos) / rate : null,
    });
  };
  try {
    if (res.status !== 416 && res.body) {
      const reader = res.body.getReader();
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (err) {
          if (opts.signal?.aborted) throw new DownloadError('DOWNLOAD_CANCELLED', 'download cancelled', { cause: err });
          throw new DownloadError('DOWNLOAD_NETWORK', `${url}: connection lost after ${pos} bytes${total ? ` of ${total}` : ''}; run again to resume`, { cause: err });
        }
        if (chunk.done) break;
        writeSync(fd, chunk.value);
        hash.update(chunk.value);
        pos += chunk.value.length;
        report();
      }
    }
  } finally {
    closeSync(fd);
  }
  report(true);
  if (total !== null && pos !== total) {
    throw new DownloadError('DOWNLOAD_TRUNCATED', `${url}: the download stopped at ${pos} of ${total} bytes; run again to resume`);
  }
  const digest = hash.digest('hex');
  if (opts.sha256 && digest !== opts.sha256.toLowerCase()) {
    rmSync(part, { force: true });
    throw new DownloadError('DOWNLOAD_HASH', `${url}: sha256 ${digest} differs from the documented ${opts.sha256}; the file was deleted. ` +
      'Check the mirror (--base-url) or download it again');
  }
  renameSync(part, dest);
  return { path: dest, bytes: pos, sha256: digest, resumedFrom: start };
}
