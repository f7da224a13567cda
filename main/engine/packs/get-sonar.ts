/**
 * "Get SONAR": the three official files (research/sonar.md §5) downloaded with resume and progress, checked, and
 * converted into a pack in TypeScript (convert/sonar.ts) — no Python, no PyTorch. The weights are CC-BY-NC-4.0: the
 * caller must have shown the licence and recorded its acceptance before calling (the service does; `licenseAccepted`
 * is the proof it did). Everything is checked before the first byte: the licence, a free pack name, the free disk
 * space for what is left to download plus the pack.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { convertSonar, ConvertError, variantShare, type ConvertProgress, type SonarVariant } from './convert/sonar.js';
import { bytesOnDisk, download, DownloadError, freeBytes, remoteSize, type DownloadResult } from './download.js';

/** The default pack name of a variant: sonar-text-basic, sonar-text-basic-fp16, sonar-text-basic-int8. */
export function sonarPackName(variant: SonarVariant = 'fp32'): string {
  return variant === 'fp32' ? 'sonar-text-basic' : `sonar-text-basic-${variant}`;
}

export const SONAR_OFFICIAL_BASE_URL = 'https://dl.fbaipublicfiles.com/SONAR/';

export interface SonarFile {
  role: 'encoder' | 'decoder' | 'tokenizer';
  name: string;
  /** documented sha256, where one is (research/sonar.md §2.1: the NLLB-200 SentencePiece model, HF LFS hash) */
  sha256?: string;
}

export const SONAR_FILES: readonly SonarFile[] = [
  { role: 'encoder', name: 'sonar_text_encoder.pt' },
  { role: 'decoder', name: 'sonar_text_decoder.pt' },
  { role: 'tokenizer', name: 'sentencepiece.source.256000.model', sha256: '14bb8dfb35c0ffdea7bc01e56cea38b9e3d5efcdcb9c251d6b40538e1aab555a' },
];

export const SONAR_LICENSE = {
  id: 'CC-BY-NC-4.0',
  url: 'https://creativecommons.org/licenses/by-nc/4.0/legalcode',
  title: 'SONAR text encoder and decoder weights (Meta) — Creative Commons Attribution-NonCommercial 4.0 International',
  // one line per paragraph or bullet: the app wraps it, a terminal too
  text: [
    'The SONAR text encoder and text decoder weights are published by Meta Platforms, Inc. under the Creative Commons ' +
      'Attribution-NonCommercial 4.0 International licence (CC-BY-NC-4.0; SONAR repository, LICENSE.md and ' +
      'NC_MODEL_LICENSE.md). The SONAR code is MIT-licensed; the weights are not.',
    '',
    'In short (the legal code at the address below is what binds you):',
    '• You may copy and use the weights, and adapt them, for NON-COMMERCIAL purposes only.',
    '• You must give appropriate credit (Meta, SONAR), link to the licence and indicate if changes were made.',
    '• You may not apply legal terms or technological measures that restrict others from doing what the licence ' +
      'permits. No warranties are given.',
    '',
    'Concept Studio downloads the files from the address you choose (by default Meta\'s own server), converts them on ' +
      'your computer and never redistributes them. By accepting you confirm that your use is non-commercial.',
  ].join('\n'),
} as const;

export type GetSonarProgress =
  | { phase: 'checking' }
  | { phase: 'download'; file: string; fileIndex: number; files: number; bytesDone: number; bytesTotal: number | null;
    bytesPerSecond: number; etaSeconds: number | null }
  | { phase: 'convert'; stage: ConvertProgress['stage']; bytesDone: number; bytesTotal: number };

export interface GetSonarOptions {
  /** default: Meta's server; a mirror or a test server must serve the same file names */
  baseUrl?: string;
  /** where the downloads (and their .part files) live until the conversion has succeeded */
  downloadDir: string;
  /** the folder of installed packs: the pack goes to `<packsDir>/<name>` */
  packsDir: string;
  name?: string;
  /** fp32 (default); fp16: float16 weights, half the disk (for GPUs); int8: int8 matrix products for CPUs, under
   * 0.3× the size (convert/sonar.ts) */
  variant?: SonarVariant;
  licenseAccepted: boolean;
  /** documented hashes by file name, overriding SONAR_FILES (mirrors of other builds, tests) */
  sha256?: Record<string, string>;
  keepDownloads?: boolean;
  templatesDir?: string;
  /** free bytes of a folder's file system (default: statfs); tests pass a small disk */
  diskFree?: (dir: string) => number;
  signal?: AbortSignal;
  onProgress?: (p: GetSonarProgress) => void;
}

export interface GetSonarResult {
  dir: string;
  files: { name: string; url: string; bytes: number; sha256: string; documentedSha256: string | null; resumedFrom: number }[];
  seconds: number;
}

export class GetSonarError extends Error {
  override name = 'GetSonarError';
  constructor(readonly code: 'LICENSE_NOT_ACCEPTED' | 'PACK_EXISTS', message: string) {
    super(message);
  }
}

const GB = 1e9;

export async function getSonar(opts: GetSonarOptions): Promise<GetSonarResult> {
  const t0 = performance.now();
  if (!opts.licenseAccepted) {
    throw new GetSonarError('LICENSE_NOT_ACCEPTED', `The SONAR weights are ${SONAR_LICENSE.id} (non-commercial use only): ` +
      'the licence must be shown and accepted before anything is downloaded');
  }
  const base = (opts.baseUrl ?? SONAR_OFFICIAL_BASE_URL).replace(/\/?$/, '/');
  const name = opts.name ?? sonarPackName(opts.variant);
  const out = join(resolve(opts.packsDir), name.replace(/[^\w.-]+/g, '_'));
  if (existsSync(out)) throw new GetSonarError('PACK_EXISTS', `${out} already exists: remove the pack first (\`concept packs remove ${name}\`)`);
  const dl = resolve(opts.downloadDir);
  mkdirSync(dl, { recursive: true });
  mkdirSync(resolve(opts.packsDir), { recursive: true });
  opts.onProgress?.({ phase: 'checking' });

  // free disk: what is left to download, plus the pack (at most the two checkpoints' size for fp32: the pack stores
  // the tied head once; fp16 and int8 store the template's share of that, ~0.5 and ~0.29, so an int8 pack is not
  // refused for the space an fp32 one would take); the checkpoints are deleted only after the pack is complete, so
  // both coexist at the peak
  const sizes = await Promise.all(SONAR_FILES.map((f) => remoteSize(base + f.name, opts.signal)));
  const remaining = SONAR_FILES.reduce((s, f, i) => s + Math.max(0, (sizes[i] ?? 0) - bytesOnDisk(join(dl, f.name))), 0);
  const share = variantShare(opts.variant ?? 'fp32', opts.templatesDir);
  const packBytes = Math.ceil(share * SONAR_FILES.reduce((s, _f, i) => s + (sizes[i] ?? 0), 0));
  const sameFs = statSync(dl).dev === statSync(resolve(opts.packsDir)).dev;
  const checks: [string, number][] = sameFs ? [[dl, remaining + packBytes]] : [[dl, remaining], [resolve(opts.packsDir), packBytes]];
  for (const [dir, need] of checks) {
    const free = (opts.diskFree ?? freeBytes)(dir);
    const margin = 0.02 * need + 64e6;
    if (free < need + margin) {
      throw new DownloadError('DOWNLOAD_DISK', `not enough free disk space in ${dir}: ${(need / GB).toFixed(2)} GB needed ` +
        `(downloads and the converted pack), ${(free / GB).toFixed(2)} GB free. Free some space or choose another models folder`);
    }
  }

  const results: GetSonarResult['files'] = [];
  for (const [i, f] of SONAR_FILES.entries()) {
    const dest = join(dl, f.name);
    const documented = opts.sha256?.[f.name] ?? f.sha256 ?? null;
    let r: DownloadResult;
    if (existsSync(dest)) {
      // complete from an earlier session: hashed again, never trusted blindly
      r = await rehash(dest, documented, opts.signal);
    } else {
      r = await download(base + f.name, dest, {
        signal: opts.signal, sha256: documented ?? undefined,
        onProgress: (p) => opts.onProgress?.({ ...p, phase: 'download', file: f.name, fileIndex: i, files: SONAR_FILES.length }),
      });
    }
    results.push({ name: f.name, url: base + f.name, bytes: r.bytes, sha256: r.sha256, documentedSha256: documented, resumedFrom: r.resumedFrom });
  }

  const path = (role: SonarFile['role']) => join(dl, SONAR_FILES.find((f) => f.role === role)!.name);
  try {
    await convertSonar({
      encoder: path('encoder'), decoder: path('decoder'), spm: path('tokenizer'), out, name, variant: opts.variant,
      templatesDir: opts.templatesDir, signal: opts.signal,
      source: Object.fromEntries(results.map((r, k) => [SONAR_FILES[k].role, { file: r.name, url: r.url, bytes: r.bytes, sha256: r.sha256 }])),
      onProgress: (p) => opts.onProgress?.({ phase: 'convert', ...p }),
    });
  } catch (err) {
    // an unreadable (truncated, corrupt) download is deleted so that the next attempt fetches it again
    if (err instanceof ConvertError && err.code === 'CONVERT_INPUT') {
      const role = /^(encoder|decoder):/.exec(err.message)?.[1] as SonarFile['role'] | undefined;
      if (role) {
        rmSync(path(role), { force: true });
        throw new ConvertError(err.code, `${err.message}. The downloaded file was deleted; run again to download it anew`, err.key, { cause: err });
      }
    }
    throw err;
  }
  if (!opts.keepDownloads) for (const f of SONAR_FILES) rmSync(join(dl, f.name), { force: true });
  return { dir: out, files: results, seconds: (performance.now() - t0) / 1000 };
}

async function rehash(path: string, documented: string | null, signal?: AbortSignal): Promise<DownloadResult> {
  const { createHash } = await import('node:crypto');
  const { createReadStream } = await import('node:fs');
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    if (signal?.aborted) throw new DownloadError('DOWNLOAD_CANCELLED', 'download cancelled');
    h.update(chunk as Buffer);
  }
  const sha256 = h.digest('hex');
  if (documented && sha256 !== documented) {
    rmSync(path, { force: true });
    throw new DownloadError('DOWNLOAD_HASH', `${path}: sha256 ${sha256} differs from the documented ${documented}; the file was deleted, run again`);
  }
  return { path, bytes: statSync(path).size, sha256, resumedFrom: statSync(path).size };
}
