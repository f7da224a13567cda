/**
 * "Get SONAR" end to end against a local HTTP server on 127.0.0.1 serving official-format random checkpoints
 * (tools/tests/make_official_checkpoints.py) under the official file names: licence first, free-disk check, a
 * connection cut mid-file and resumed with a Range request, a cancelled download resumed later, a wrong sha256, a
 * truncated checkpoint, a checkpoint with a missing key — and the resulting pack equal to a direct conversion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getSonar, GetSonarError, SONAR_FILES, type GetSonarProgress } from '../../../main/engine/packs/get-sonar.js';
import { DownloadError } from '../../../main/engine/packs/download.js';
import { ConvertError, convertSonar, variantShare } from '../../../main/engine/packs/convert/sonar.js';
import { loadSonarPack, verifyPack } from '../../../main/engine/packs/load.js';
import { startFileServer, type FileServer } from '../../helpers/file-server.js';
import { writeOfficialSonarFolder } from '../../helpers/official-sonar.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const [ENC, DEC, TOK] = SONAR_FILES.map((f) => f.name);
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

function py(args: string[]): string {
  return execFileSync(PY, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('getSonar against a local server', () => {
  let work: string;
  let srv: FileServer;
  const served = (n: string) => join(work, 'served', n);
  let spmHash: Record<string, string>;
  let n = 0;
  const fresh = () => {
    const d = join(work, `run${++n}`);
    mkdirSync(d);
    return { downloadDir: join(d, 'downloads'), packsDir: join(d, 'models') };
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'get-sonar-'));
    const folder = writeOfficialSonarFolder(work);
    spmHash = folder.tokenizerSha256;
    srv = await startFileServer(folder.dir);
  }, 240_000);
  afterAll(async () => {
    await srv?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('nothing is fetched before the licence is accepted', async () => {
    const before = srv.log.length;
    const err = await getSonar({ ...fresh(), baseUrl: srv.url, licenseAccepted: false }).catch((e) => e);
    expect(err).toBeInstanceOf(GetSonarError);
    expect(err.code).toBe('LICENSE_NOT_ACCEPTED');
    expect(srv.log.length).toBe(before);
  });

  it('refuses to start without the disk space for the downloads and the pack', async () => {
    const dirs = fresh();
    const from = srv.log.length;
    const total = [ENC, DEC, TOK].reduce((s, f) => s + statSync(served(f)).size, 0);
    const err = await getSonar({ ...dirs, baseUrl: srv.url, licenseAccepted: true, sha256: spmHash, diskFree: () => total })
      .catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.code).toBe('DOWNLOAD_DISK');
    expect(err.message).toMatch(/GB needed/);
    expect(srv.log.slice(from).filter((l) => l.method === 'GET')).toEqual([]); // only HEADs for the sizes
    expect(existsSync(join(dirs.downloadDir, ENC + '.part'))).toBe(false);
  });

  it('the disk check counts the variant\'s pack size: an int8 pack fits where an fp32 one would not', async () => {
    // the share of the fp32 weights each variant stores, from the official-size template
    expect(variantShare('fp32')).toBe(1);
    expect(variantShare('fp16')).toBeGreaterThan(0.49);
    expect(variantShare('fp16')).toBeLessThan(0.51);
    expect(variantShare('int8')).toBeGreaterThan(0.25);
    expect(variantShare('int8')).toBeLessThan(0.3);
    const total = [ENC, DEC, TOK].reduce((s, f) => s + statSync(served(f)).size, 0);
    // downloads (total) + an fp32 pack (~total) do not fit; downloads + an int8 pack (~0.29 total) do
    const diskFree = () => 1.6 * total + 64e6;
    const err = await getSonar({ ...fresh(), baseUrl: srv.url, licenseAccepted: true, sha256: spmHash, diskFree }).catch((e) => e);
    expect(err.code).toBe('DOWNLOAD_DISK');
    const res = await getSonar({ ...fresh(), baseUrl: srv.url, licenseAccepted: true, sha256: spmHash, diskFree, variant: 'int8' });
    expect(res.dir).toMatch(/sonar-text-basic-int8$/);
  });

  it('a connection cut mid-file is resumed with a Range request; the pack equals a direct conversion', async () => {
    const dirs = fresh();
    const cut = Math.floor(statSync(served(DEC)).size / 3);
    srv.cutOnce(DEC, cut);
    const err = await getSonar({ ...dirs, baseUrl: srv.url, licenseAccepted: true, sha256: spmHash }).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(['DOWNLOAD_NETWORK', 'DOWNLOAD_TRUNCATED']).toContain(err.code);
    expect(statSync(join(dirs.downloadDir, DEC + '.part')).size).toBe(cut);
    expect(existsSync(join(dirs.downloadDir, ENC))).toBe(true); // the first file is complete and kept

    const events: GetSonarProgress[] = [];
    const from = srv.log.length;
    const res = await getSonar({ ...dirs, baseUrl: srv.url, licenseAccepted: true, sha256: spmHash, onProgress: (p) => events.push(p) });
    const gets = srv.log.slice(from).filter((l) => l.method === 'GET');
    expect(gets.map((g) => [g.path, g.range, g.status])).toEqual([[DEC, `bytes=${cut}-`, 206], [TOK, null, 200]]);
    const dec = res.files.find((f) => f.name === DEC)!;
    expect(dec.resumedFrom).toBe(cut);
    for (const f of res.files) expect(f.sha256, f.name).toBe(sha(served(f.name)));
    // progress: bytes, totals and an ETA for the downloads, then the conversion
    const dl = events.filter((e) => e.phase === 'download');
    expect(dl.length).toBeGreaterThan(0);
    const last = dl.at(-1)! as Extract<GetSonarProgress, { phase: 'download' }>;
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect(events.some((e) => e.phase === 'convert' && e.stage === 'done')).toBe(true);
    // recorded in pack.json, downloads removed, pack verified, same weights as converting the files directly
    const pack = loadSonarPack(res.dir);
    expect((pack.json as unknown as { source: Record<string, { sha256: string }> }).source.decoder.sha256).toBe(sha(served(DEC)));
    expect((await verifyPack(pack)).ok).toBe(true);
    expect(readdirSync(dirs.downloadDir)).toEqual([]);
    const direct = join(work, 'direct');
    await convertSonar({ encoder: served(ENC), decoder: served(DEC), spm: served(TOK), out: direct });
    for (const f of ['encoder.onnx', 'encoder.onnx.data', 'decoder.onnx', 'decoder.onnx.data']) {
      expect(sha(join(res.dir, f)), f).toBe(sha(join(direct, f)));
    }
  });

  it('the int8 variant: installed under its own name, smaller, with MatMulInteger / MatMulNBits graphs', async () => {
    const dirs = fresh();
    const res = await getSonar({ ...dirs, baseUrl: srv.url, licenseAccepted: true, sha256: spmHash, variant: 'int8' });
    expect(res.dir).toMatch(/sonar-text-basic-int8$/);
    const pack = loadSonarPack(res.dir);
    expect((pack.json as unknown as { quantization: { method: string } }).quantization.method).toBe('dynamic-int8');
    expect((await verifyPack(pack)).ok).toBe(true);
    expect(readFileSync(join(res.dir, 'encoder.onnx')).includes('MatMulInteger')).toBe(true);
    expect(readFileSync(join(res.dir, 'decoder.onnx')).includes('MatMulNBits')).toBe(true);
    const fp32 = [ENC, DEC].reduce((s, f) => s + statSync(served(f)).size, 0);
    expect(pack.bytes).toBeLessThan(fp32);
  });

  it('the fp16 variant: installed under its own name, float16 weights widened by Casts, the same as convertSonar', async () => {
    const dirs = fresh();
    const res = await getSonar({ ...dirs, baseUrl: srv.url, licenseAccepted: true, sha256: spmHash, variant: 'fp16' });
    expect(res.dir).toMatch(/sonar-text-basic-fp16$/);
    const pack = loadSonarPack(res.dir);
    expect(pack.json.name).toBe('sonar-text-basic-fp16');
    expect((pack.json as unknown as { precision: { compute: string } }).precision.compute).toBe('float32');
    expect((await verifyPack(pack)).ok).toBe(true);
    expect(readFileSync(join(res.dir, 'encoder.onnx')).includes('__fp16')).toBe(true);
    const direct = join(work, 'direct-fp16');
    await convertSonar({ encoder: served(ENC), decoder: served(DEC), spm: served(TOK), out: direct, variant: 'fp16' });
    for (const f of ['encoder.onnx', 'encoder.onnx.data', 'decoder.onnx', 'decoder.onnx.data']) {
      expect(sha(join(res.dir, f)), f).toBe(sha(join(direct, f)));
    }
    const fp32 = join(work, 'direct-fp32');
    await convertSonar({ encoder: served(ENC), decoder: served(DEC), spm: served(TOK), out: fp32 });
    const data = (p: string) => statSync(join(p, 'encoder.onnx.data')).size + statSync(join(p, 'decoder.onnx.data')).size;
    expect(data(res.dir) * 2).toBeGreaterThanOrEqual(data(fp32) - 64 * 200); // half, up to alignment padding
    expect(data(res.dir) * 2).toBeLessThanOrEqual(data(fp32) + 64 * 200);
  });

  it('a cancelled download keeps its part and resumes from it', async () => {
    const dirs = fresh();
    srv.trickle(ENC, 15);
    const ac = new AbortController();
    const err = await getSonar({
      ...dirs, baseUrl: srv.url, licenseAccepted: true, sha256: spmHash, signal: ac.signal,
      onProgress: (p) => { if (p.phase === 'download' && p.bytesDone > 40_000) ac.abort(); },
    }).catch((e) => e);
    srv.trickle(ENC, 0);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.code).toBe('DOWNLOAD_CANCELLED');
    const kept = statSync(join(dirs.downloadDir, ENC + '.part')).size;
    expect(kept).toBeGreaterThan(40_000);
    expect(kept).toBeLessThan(statSync(served(ENC)).size);
    const res = await getSonar({ ...dirs, baseUrl: srv.url, licenseAccepted: true, sha256: spmHash });
    expect(res.files[0].resumedFrom).toBe(kept);
    expect(res.files[0].sha256).toBe(sha(served(ENC)));
  });

  it('a tokenizer whose sha256 differs from the documented one is deleted and nothing is converted', async () => {
    const dirs = fresh();
    const err = await getSonar({ ...dirs, baseUrl: srv.url, licenseAccepted: true }).catch((e) => e); // official hash
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.code).toBe('DOWNLOAD_HASH');
    expect(err.message).toContain(SONAR_FILES[2].sha256);
    expect(existsSync(join(dirs.downloadDir, TOK))).toBe(false);
    expect(existsSync(join(dirs.downloadDir, TOK + '.part'))).toBe(false);
    expect(existsSync(dirs.packsDir) ? readdirSync(dirs.packsDir) : []).toEqual([]);
  });

  it('a truncated checkpoint is refused at conversion, deleted for a fresh download, and leaves no pack', async () => {
    const dirs = fresh();
    const bad = join(work, 'served-bad');
    mkdirSync(bad, { recursive: true });
    for (const f of [ENC, DEC, TOK]) copyFileSync(served(f), join(bad, f));
    truncateSync(join(bad, DEC), Math.floor(statSync(join(bad, DEC)).size * 0.7));
    const s2 = await startFileServer(bad);
    try {
      const err = await getSonar({ ...dirs, baseUrl: s2.url, licenseAccepted: true, sha256: spmHash }).catch((e) => e);
      expect(err).toBeInstanceOf(ConvertError);
      expect(err.code).toBe('CONVERT_INPUT');
      expect(err.message).toMatch(/truncated/);
      expect(err.message).toMatch(/deleted; run again/);
      expect(existsSync(join(dirs.downloadDir, DEC))).toBe(false);
      expect(readdirSync(dirs.packsDir)).toEqual([]);
    } finally {
      await s2.close();
    }
  });

  it('a checkpoint with a missing key is refused, naming the key, and leaves no pack', async () => {
    const dirs = fresh();
    const bad = join(work, 'served-missing');
    mkdirSync(bad, { recursive: true });
    for (const f of [ENC, TOK]) copyFileSync(served(f), join(bad, f));
    py([join(ROOT, 'tools', 'tests', 'mutate_checkpoint.py'), served(DEC), join(bad, DEC), '--drop', 'decoder.layer_norm.weight']);
    const s2 = await startFileServer(bad);
    try {
      const err = await getSonar({ ...dirs, baseUrl: s2.url, licenseAccepted: true, sha256: spmHash }).catch((e) => e);
      expect(err).toBeInstanceOf(ConvertError);
      expect(err.code).toBe('CONVERT_KEYS');
      expect(err.message).toContain('decoder.layer_norm.weight');
      expect(readdirSync(dirs.packsDir)).toEqual([]);
    } finally {
      await s2.close();
    }
  });
});
