/**
 * A minimal, *safe* unpickler for the `data.pkl` of a PyTorch checkpoint. It executes nothing: globals are resolved
 * against a fixed table of what `torch.save` emits for state dicts (OrderedDict, the tensor rebuild functions, the
 * typed storage classes); any other global becomes an opaque {@link PyObject} that the caller may inspect but that
 * never runs code — the same stance as `torch.load(weights_only=True)`, without Python.
 *
 * Values: None → null, bool, int → number (bigint beyond 2^53), float → number, str → string, bytes → Buffer,
 * list and tuple → array, dict and OrderedDict → Map (keys in pickle order), storages → {@link StorageRef},
 * tensors → {@link TensorRef}.
 */

export type DType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'float32', HalfStorage: 'float16', BFloat16Storage: 'bfloat16', DoubleStorage: 'float64',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** `torch.<X>Storage` as a persistent id names it: the storage's file is `data/<key>` in the archive. */
export interface StorageRef {
  kind: 'storage';
  key: string;
  dtype: DType;
  /** elements in the storage */
  numel: number;
  location: string;
}

/** What `torch._utils._rebuild_tensor_v2` describes: a strided view (element units) into a storage. */
export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An object of a class outside the allow-list: its constructor and arguments, and any BUILD state, for display. */
export class PyObject {
  state: unknown = undefined;
  constructor(readonly cls: PyGlobal, readonly args: unknown[]) {}
}

export class PickleError extends Error {
  override name = 'PickleError';
}

const MARK = Symbol('mark');

function asNumber(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  throw new PickleError(`${what}: expected an integer, got ${String(v)}`);
}

function asInts(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw new PickleError(`${what}: expected a tuple`);
  return v.map((x) => asNumber(x, what));
}

function storageFromPid(pid: unknown): StorageRef {
  // ('storage', <class torch.FloatStorage>, key, location, numel)
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
    throw new PickleError(`unsupported persistent id ${JSON.stringify(pid)?.slice(0, 80)}`);
  }
  const cls = pid[1];
  let dtype: DType | undefined;
  if (cls instanceof PyGlobal && cls.module === 'torch') dtype = STORAGE_DTYPES[cls.name];
  if (!dtype) throw new PickleError(`unsupported storage type ${cls instanceof PyGlobal ? cls.qualname : String(cls)}`);
  return { kind: 'storage', key: String(pid[2]), dtype, location: String(pid[3]), numel: asNumber(pid[4], 'storage numel') };
}

/** Calls of the allow-listed globals (REDUCE / NEWOBJ). */
function call(fn: unknown, args: unknown[]): unknown {
  if (!(fn instanceof PyGlobal)) throw new PickleError('REDUCE on a value that is not a global');
  switch (fn.qualname) {
    case 'collections.OrderedDict':
    case 'builtins.dict':
      return new Map();
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor': {
      const [storage, offset, size, stride] = args;
      if (!storage || (storage as StorageRef).kind !== 'storage') throw new PickleError('tensor without a storage');
      return {
        kind: 'tensor', storage: storage as StorageRef, offset: asNumber(offset, 'storage offset'),
        shape: asInts(size, 'tensor size'), stride: asInts(stride, 'tensor stride'),
      } satisfies TensorRef;
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return args[0]; // (data, requires_grad, backward_hooks[, state]): the data tensor
    case 'torch._tensor._rebuild_from_type_v2':
      return call(args[0], (args[2] as unknown[]) ?? []); // (func, new_type, args, state)
    case 'torch.device':
      return String(args[0]);
    default:
      return new PyObject(fn, args);
  }
}

export interface UnpickleOptions {
  persistentLoad?: (pid: unknown) => unknown;
}

/** Signed little-endian two's complement (LONG1 / LONG4): a number when it is safe, else a bigint. */
function longFrom(b: Buffer): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** The unpickler's state: the input and read position, the value stack and the memo. */
class Machine {
  pos = 0;
  readonly stack: unknown[] = [];
  readonly memo = new Map<number, unknown>();
  constructor(readonly buf: Buffer, readonly persistentLoad: (pid: unknown) => unknown) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new PickleError(`data.pkl truncated at byte ${this.pos}`);
  }
  u8(): number { this.need(1); return this.buf[this.pos++]; }
  u16(): number { this.need(2); const v = this.buf.readUInt16LE(this.pos); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  u64(): number { this.need(8); const v = this.buf.readBigUInt64LE(this.pos); this.pos += 8; return asNumber(v, 'length'); }
  bytes(n: number): Buffer { this.need(n); const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b; }
  line(): string {
    const end = this.buf.indexOf(0x0a, this.pos);
    if (end < 0) throw new PickleError('unterminated line in data.pkl');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  push(v: unknown): void {
    this.stack.push(v);
  }
  popMark(): unknown[] {
    const stack = this.stack;
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i] === MARK) {
        const items = stack.slice(i + 1);
        stack.length = i;
        return items;
      }
    }
    throw new PickleError('MARK not found');
  }
  top(): unknown {
    if (!this.stack.length) throw new PickleError('stack underflow');
    return this.stack[this.stack.length - 1];
  }
  pop(): unknown {
    if (!this.stack.length) throw new PickleError('stack underflow');
    return this.stack.pop();
  }
}

function setItems(target: unknown, items: unknown[]): void {
  if (target instanceof Map) {
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
  } else if (target instanceof PyObject) {
    target.state = { items }; // an unknown dict subclass: keep its items for display
  } else {
    throw new PickleError('SETITEM(S) on a value that is not a dict');
  }
}

/** Framing, stack and constant opcodes; false when `op` is not one of them. */
function stackOrConstant(m: Machine, op: number): boolean {
  switch (op) {
    case 0x80: m.u8(); break; // PROTO
    case 0x95: m.u64(); break; // FRAME
    case 0x28: m.push(MARK); break; // MARK
    case 0x30: m.pop(); break; // POP
    case 0x31: m.popMark(); break; // POP_MARK
    case 0x32: m.push(m.top()); break; // DUP
    case 0x4e: m.push(null); break; // NONE
    case 0x88: m.push(true); break; // NEWTRUE
    case 0x89: m.push(false); break; // NEWFALSE
    default: return false;
  }
  return true;
}

/** Numbers, strings and bytes; false when `op` is not one of them. */
function scalar(m: Machine, op: number): boolean {
  switch (op) {
    case 0x4a: m.need(4); m.push(m.buf.readInt32LE(m.pos)); m.pos += 4; break; // BININT
    case 0x4b: m.push(m.u8()); break; // BININT1
    case 0x4d: m.push(m.u16()); break; // BININT2
    case 0x8a: { const n = m.u8(); m.push(longFrom(m.bytes(n))); break; } // LONG1
    case 0x8b: { const n = m.u32(); m.push(longFrom(m.bytes(n))); break; } // LONG4
    case 0x49: { // INT (text)
      const s = m.line();
      m.push(s === '01' ? true : s === '00' ? false : Number.parseInt(s, 10));
      break;
    }
    case 0x4c: m.push(Number.parseInt(m.line().replace(/L$/, ''), 10)); break; // LONG (text)
    case 0x47: m.need(8); m.push(m.buf.readDoubleBE(m.pos)); m.pos += 8; break; // BINFLOAT
    case 0x46: m.push(Number.parseFloat(m.line())); break; // FLOAT (text)
    case 0x58: { const n = m.u32(); m.push(m.bytes(n).toString('utf8')); break; } // BINUNICODE
    case 0x8c: { const n = m.u8(); m.push(m.bytes(n).toString('utf8')); break; } // SHORT_BINUNICODE
    case 0x8d: { const n = m.u64(); m.push(m.bytes(n).toString('utf8')); break; } // BINUNICODE8
    case 0x54: { const n = m.u32(); m.push(m.bytes(n).toString('latin1')); break; } // BINSTRING
    case 0x55: { const n = m.u8(); m.push(m.bytes(n).toString('latin1')); break; } // SHORT_BINSTRING
    case 0x42: { const n = m.u32(); m.push(Buffer.from(m.bytes(n))); break; } // BINBYTES
    case 0x43: { const n = m.u8(); m.push(Buffer.from(m.bytes(n))); break; } // SHORT_BINBYTES
    case 0x8e: { const n = m.u64(); m.push(Buffer.from(m.bytes(n))); break; } // BINBYTES8
    default: return false;
  }
  return true;
}

/** Tuples, lists, dicts and sets; false when `op` is not one of them. */
function container(m: Machine, op: number): boolean {
  switch (op) {
    case 0x29: m.push([]); break; // EMPTY_TUPLE
    case 0x74: m.push(m.popMark()); break; // TUPLE
    case 0x85: m.push([m.pop()]); break; // TUPLE1
    case 0x86: { const b = m.pop(); const a = m.pop(); m.push([a, b]); break; } // TUPLE2
    case 0x87: { const c = m.pop(); const b = m.pop(); const a = m.pop(); m.push([a, b, c]); break; } // TUPLE3
    case 0x5d: m.push([]); break; // EMPTY_LIST
    case 0x6c: m.push(m.popMark()); break; // LIST
    case 0x61: { const v = m.pop(); (m.top() as unknown[]).push(v); break; } // APPEND
    case 0x65: { const items = m.popMark(); (m.top() as unknown[]).push(...items); break; } // APPENDS
    case 0x7d: m.push(new Map()); break; // EMPTY_DICT
    case 0x64: { const d = new Map(); setItems(d, m.popMark()); m.push(d); break; } // DICT
    case 0x73: { const v = m.pop(); const k = m.pop(); setItems(m.top(), [k, v]); break; } // SETITEM
    case 0x75: { const items = m.popMark(); setItems(m.top(), items); break; } // SETITEMS
    case 0x8f: m.push(new Set()); break; // EMPTY_SET
    case 0x90: { const items = m.popMark(); for (const x of items) (m.top() as Set<unknown>).add(x); break; } // ADDITEMS
    case 0x91: m.push(new Set(m.popMark())); break; // FROZENSET
    default: return false;
  }
  return true;
}

/** Globals, calls of them, memo and persistent ids; false when `op` is not one of them. */
function objectOrMemo(m: Machine, op: number): boolean {
  switch (op) {
    case 0x63: { const mod = m.line(); const name = m.line(); m.push(new PyGlobal(mod, name)); break; } // GLOBAL
    case 0x93: { const name = String(m.pop()); const mod = String(m.pop()); m.push(new PyGlobal(mod, name)); break; } // STACK_GLOBAL
    case 0x52: { const args = m.pop() as unknown[]; const fn = m.pop(); m.push(call(fn, args)); break; } // REDUCE
    case 0x81: { const args = m.pop() as unknown[]; const cls = m.pop(); m.push(call(cls, args)); break; } // NEWOBJ
    case 0x92: { m.pop(); const args = m.pop() as unknown[]; const cls = m.pop(); m.push(call(cls, args)); break; } // NEWOBJ_EX
    case 0x62: { // BUILD: OrderedDict's state is its `_metadata` attribute, which a state dict does not need
      const state = m.pop();
      const obj = m.top();
      if (obj instanceof PyObject) obj.state = state;
      break;
    }
    case 0x71: m.memo.set(m.u8(), m.top()); break; // BINPUT
    case 0x72: m.memo.set(m.u32(), m.top()); break; // LONG_BINPUT
    case 0x70: m.memo.set(Number.parseInt(m.line(), 10), m.top()); break; // PUT
    case 0x94: m.memo.set(m.memo.size, m.top()); break; // MEMOIZE
    case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
      const k = op === 0x68 ? m.u8() : op === 0x6a ? m.u32() : Number.parseInt(m.line(), 10);
      if (!m.memo.has(k)) throw new PickleError(`memo key ${k} missing`);
      m.push(m.memo.get(k));
      break;
    }
    case 0x51: m.push(m.persistentLoad(m.pop())); break; // BINPERSID
    case 0x50: m.push(m.persistentLoad(m.line())); break; // PERSID
    default: return false;
  }
  return true;
}

/** Unpickle `buf` (protocols 2–5, the binary opcodes). */
export function unpickle(buf: Buffer, opts: UnpickleOptions = {}): unknown {
  const m = new Machine(buf, opts.persistentLoad ?? storageFromPid);
  for (;;) {
    const op = m.u8();
    if (op === 0x2e) return m.pop(); // STOP
    if (!(stackOrConstant(m, op) || scalar(m, op) || container(m, op) || objectOrMemo(m, op))) {
      throw new PickleError(`unsupported pickle opcode 0x${op.toString(16)} at byte ${m.pos - 1}`);
    }
  }
}
