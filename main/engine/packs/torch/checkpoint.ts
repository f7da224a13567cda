/**
 * PyTorch checkpoints (`torch.save`, zip format) read without PyTorch: the pickled object tree from `data.pkl`
 * (tensor metadata only) and each tensor's values streamed from its storage entry on demand, converted to float32.
 * Memory: the pickle plus whatever slice of one tensor the caller asks for.
 */
import { unpickle, DTYPE_BYTES, PickleError, type DType, type TensorRef } from './pickle.js';
import { ZipReader, ZipFormatError } from './zip.js';

export type { DType, TensorRef } from './pickle.js';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
  constructor(message: string, readonly path: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isContiguous(t: TensorRef): boolean {
  let expect = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expect) return false;
    expect *= t.shape[i];
  }
  return true;
}

const f16 = new Float32Array(65536);
{
  // exact float16 -> float32 table (subnormals, inf and NaN included)
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    f16[h] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? Number.NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
}

/** Element values of `raw` (in `dtype`, little-endian) as float32, exactly (float64 and int64 rounded). */
export function toFloat32(raw: Buffer, dtype: DType, out?: Float32Array): Float32Array {
  const n = raw.length / DTYPE_BYTES[dtype];
  const dst = out ?? new Float32Array(n);
  const aligned = (k: number) => (raw.byteOffset % k === 0 ? raw : Buffer.from(raw));
  switch (dtype) {
    case 'float32': {
      const b = aligned(4);
      dst.set(new Float32Array(b.buffer, b.byteOffset, n));
      break;
    }
    case 'float16': {
      const b = aligned(2);
      const h = new Uint16Array(b.buffer, b.byteOffset, n);
      for (let i = 0; i < n; i++) dst[i] = f16[h[i]];
      break;
    }
    case 'bfloat16': {
      const b = aligned(2);
      const h = new Uint16Array(b.buffer, b.byteOffset, n);
      const u = new Uint32Array(dst.buffer, dst.byteOffset, n);
      for (let i = 0; i < n; i++) u[i] = h[i] << 16;
      break;
    }
    case 'float64':
      for (let i = 0; i < n; i++) dst[i] = raw.readDoubleLE(8 * i);
      break;
    default:
      throw new Error(`tensor dtype ${dtype} is not a floating-point type`);
  }
  return dst;
}

export class TorchCheckpoint {
  readonly root: unknown;
  private readonly prefix: string;

  private constructor(readonly path: string, private readonly zip: ZipReader) {
    const pkl = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (pkl.length !== 1) {
      throw new CheckpointError(`${path}: not a PyTorch checkpoint (expected one <name>/data.pkl in the zip, found ${pkl.length})`, path);
    }
    this.prefix = pkl[0].slice(0, -'data.pkl'.length);
    const order = zip.entries.get(this.prefix + 'byteorder');
    if (order && zip.read(order.dataOffset, order.size).toString('latin1') !== 'little') {
      throw new CheckpointError(`${path}: big-endian checkpoints are not supported`, path);
    }
    const entry = zip.entries.get(pkl[0])!;
    this.root = unpickle(zip.read(entry.dataOffset, entry.size));
  }

  static open(path: string): TorchCheckpoint {
    let zip: ZipReader;
    try {
      zip = new ZipReader(path);
    } catch (err) {
      if (err instanceof ZipFormatError) throw new CheckpointError(err.message, path, { cause: err });
      throw err;
    }
    try {
      return new TorchCheckpoint(path, zip);
    } catch (err) {
      zip.close();
      if (err instanceof PickleError) throw new CheckpointError(`${path}: data.pkl: ${err.message}`, path, { cause: err });
      throw err;
    }
  }

  close(): void {
    this.zip.close();
  }

  /**
   * The state dict: `root["model"]` for fairseq2 checkpoints, else the root itself when every value is a tensor;
   * a DDP `module.` prefix is stripped (as tools/concept_tools/convert_sonar.py does).
   */
  stateDict(): Map<string, TensorRef> {
    const root = this.root;
    let state: Map<unknown, unknown> | undefined;
    if (root instanceof Map && root.get('model') instanceof Map) state = root.get('model') as Map<unknown, unknown>;
    else if (root instanceof Map && [...root.values()].every(isTensor)) state = root;
    if (!state) {
      throw new CheckpointError(`${this.path}: expected a fairseq2 checkpoint {"model": state_dict} or a bare state dict`, this.path);
    }
    const out = new Map<string, TensorRef>();
    const strip = [...state.keys()].some((k) => typeof k === 'string' && k.startsWith('module.'));
    for (const [k, v] of state) {
      if (typeof k !== 'string' || !isTensor(v)) continue; // e.g. fairseq2's "_metadata"-like non-tensor entries
      out.set(strip && k.startsWith('module.') ? k.slice('module.'.length) : k, v);
    }
    return out;
  }

  /** Bytes per element of a tensor's storage. */
  itemSize(t: TensorRef): number {
    return DTYPE_BYTES[t.storage.dtype];
  }

  private storageEntry(t: TensorRef) {
    const name = `${this.prefix}data/${t.storage.key}`;
    const e = this.zip.entries.get(name);
    if (!e) throw new CheckpointError(`${this.path}: storage ${name} missing from the archive`, this.path);
    if (e.size < t.storage.numel * this.itemSize(t)) {
      throw new CheckpointError(`${this.path}: storage ${name} holds ${e.size} bytes, expected ${t.storage.numel * this.itemSize(t)}`, this.path);
    }
    return e;
  }

  /**
   * Rows [row0, row0 + rows) of a tensor (first dimension), as float32 in row-major order. A contiguous tensor is
   * one byte range; a strided view is gathered from the storage span it covers.
   */
  readRows(t: TensorRef, row0 = 0, rows = t.shape.length ? t.shape[0] : 1): Float32Array {
    const e = this.storageEntry(t);
    const item = this.itemSize(t);
    const rowElems = t.shape.length ? numel(t.shape.slice(1)) : 1;
    const n = rows * rowElems;
    const start = t.offset + (t.shape.length ? row0 * t.stride[0] : 0);
    if (isContiguous(t)) {
      if ((start + n) * item > e.size) throw new CheckpointError(`${this.path}: tensor view beyond its storage`, this.path);
      return toFloat32(this.zip.read(e.dataOffset + start * item, n * item), t.storage.dtype);
    }
    // strided: read the covered span once, then gather
    const shape = [rows, ...t.shape.slice(1)];
    let maxOff = 0;
    for (let d = 0; d < shape.length; d++) maxOff += (shape[d] - 1) * t.stride[d];
    if (n === 0) return new Float32Array(0);
    if ((start + maxOff + 1) * item > e.size) throw new CheckpointError(`${this.path}: tensor view beyond its storage`, this.path);
    const span = toFloat32(this.zip.read(e.dataOffset + start * item, (maxOff + 1) * item), t.storage.dtype);
    const out = new Float32Array(n);
    const idx = new Array(shape.length).fill(0);
    for (let i = 0; i < n; i++) {
      let off = 0;
      for (let d = 0; d < shape.length; d++) off += idx[d] * t.stride[d];
      out[i] = span[off];
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  }
}

export function isTensor(v: unknown): v is TensorRef {
  return typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor';
}
