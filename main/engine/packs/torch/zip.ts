/**
 * Random-access reader for the zip archives `torch.save` writes (PyTorch ≥ 1.6): every entry is *stored*
 * (uncompressed) and 64-byte aligned, so a tensor's bytes are a plain byte range of the file and can be streamed
 * without reading the archive into memory. Only the central directory is read up front; ZIP64 (archives or entries
 * over 4 GB, e.g. a fp32 SONAR decoder with its untied head copy) is supported. Compressed entries are refused:
 * torch never writes them, so one means the file is not a PyTorch checkpoint.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface ZipEntry {
  name: string;
  /** byte offset of the entry's data in the archive */
  dataOffset: number;
  size: number;
}

export class ZipFormatError extends Error {
  override name = 'ZipFormatError';
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CDIR_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError('zip offset beyond 2^53');
  return Number(v);
}

export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  readonly size: number;
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.fd).size;
      this.readDirectory();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** `length` bytes at `offset` of the archive (throws when the file is shorter: a truncated download). */
  read(offset: number, length: number, into?: Buffer): Buffer {
    if (this.fd === null) throw new Error(`${this.path}: reader closed`);
    const buf = into ?? Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, offset + done);
      if (n === 0) throw new ZipFormatError(`${this.path}: unexpected end of file at byte ${offset + done} (truncated?)`);
      done += n;
    }
    return buf;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private readDirectory(): void {
    // the end-of-central-directory record sits in the last 22 + up to 65535 (comment) bytes
    const tailLen = Math.min(this.size, 22 + 0xffff);
    if (tailLen < 22) throw new ZipFormatError(`${this.path}: ${this.size} bytes, too short to be a zip archive`);
    const tail = this.read(this.size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIG) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      throw new ZipFormatError(`${this.path}: no zip end-of-central-directory record (truncated, or not a zip-format ` +
        'PyTorch checkpoint: files saved by torch < 1.6 with _use_new_zipfile_serialization=False are not supported)');
    }
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || tail.readUInt32LE(loc) !== ZIP64_LOCATOR_SIG) throw new ZipFormatError(`${this.path}: ZIP64 locator missing`);
      const rec = this.read(u64(tail, loc + 8), 56);
      if (rec.readUInt32LE(0) !== ZIP64_EOCD_SIG) throw new ZipFormatError(`${this.path}: ZIP64 end record missing`);
      count = u64(rec, 32);
      cdSize = u64(rec, 40);
      cdOffset = u64(rec, 48);
    }
    if (cdOffset + cdSize > this.size) throw new ZipFormatError(`${this.path}: central directory beyond the end of the file (truncated)`);
    const cd = this.read(cdOffset, cdSize);
    let p = 0;
    for (let k = 0; k < count; k++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CDIR_SIG) throw new ZipFormatError(`${this.path}: corrupt central directory`);
      const method = cd.readUInt16LE(p + 10);
      let csize = cd.readUInt32LE(p + 20);
      let usize = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      let localOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      // ZIP64 extra field: the 64-bit values of exactly those fields that are 0xFFFFFFFF, in this order
      let e = p + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (usize === 0xffffffff) { usize = u64(cd, q); q += 8; }
          if (csize === 0xffffffff) { csize = u64(cd, q); q += 8; }
          if (localOffset === 0xffffffff) { localOffset = u64(cd, q); q += 8; }
        }
        e += 4 + len;
      }
      if (method !== 0 || csize !== usize) {
        throw new ZipFormatError(`${this.path}: entry ${name} is compressed (method ${method}); PyTorch checkpoints store entries uncompressed`);
      }
      this.entries.set(name, { name, dataOffset: localOffset, size: usize }); // dataOffset fixed below
      p += 46 + nameLen + extraLen + commentLen;
    }
    // the data starts after the local header, whose extra field (torch's alignment padding) may differ from the
    // central directory's copy
    for (const entry of this.entries.values()) {
      const lh = this.read(entry.dataOffset, 30);
      if (lh.readUInt32LE(0) !== LOCAL_SIG) throw new ZipFormatError(`${this.path}: bad local header for ${entry.name}`);
      entry.dataOffset += 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
      if (entry.dataOffset + entry.size > this.size) {
        throw new ZipFormatError(`${this.path}: entry ${entry.name} ends beyond the end of the file (truncated)`);
      }
    }
  }
}
