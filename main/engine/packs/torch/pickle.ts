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

/** Unpickle `buf` (protocols 2–5, the binary opcodes). */
export function unpickle(buf: Buffer, opts: UnpickleOptions = {}): unknown {
  const persistentLoad = opts.persistentLoad ?? storageFromPid;
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;

  const need = (n: number) => {
    if (pos + n > buf.length) throw new PickleError(`data.pkl truncated at byte ${pos}`);
  };
  const u8 = () => { need(1); return buf[pos++]; };
  const u16 = () => { need(2); const v = buf.readUInt16LE(pos); pos += 2; return v; };
  const u32 = () => { need(4); const v = buf.readUInt32LE(pos); pos += 4; return v; };
  const u64 = () => { need(8); const v = buf.readBigUInt64LE(pos); pos += 8; return asNumber(v, 'length'); };
  const bytes = (n: number) => { need(n); const b = buf.subarray(pos, pos + n); pos += n; return b; };
  const line = () => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError('unterminated line in data.pkl');
    const s = buf.toString('utf8', pos, end);
    pos = end + 1;
    return s;
  };
  const popMark = (): unknown[] => {
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i] === MARK) {
        const items = stack.slice(i + 1);
        stack.length = i;
        return items;
      }
    }
    throw new PickleError('MARK not found');
  };
  const top = () => {
    if (!stack.length) throw new PickleError('stack underflow');
    return stack[stack.length - 1];
  };
  const pop = () => {
    if (!stack.length) throw new PickleError('stack underflow');
    return stack.pop();
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (target instanceof Map) {
      for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
    } else if (target instanceof PyObject) {
      target.state = { items }; // an unknown dict subclass: keep its items for display
    } else {
      throw new PickleError('SETITEM(S) on a value that is not a dict');
    }
  };
  const longFrom = (b: Buffer): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME
      case 0x2e: return pop(); // STOP
      case 0x28: stack.push(MARK); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: need(4); stack.push(buf.readInt32LE(pos)); pos += 4; break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: { const n = u8(); stack.push(longFrom(bytes(n))); break; } // LONG1
      case 0x8b: { const n = u32(); stack.push(longFrom(bytes(n))); break; } // LONG4
      case 0x49: { // INT (text)
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : Number.parseInt(s, 10));
        break;
      }
      case 0x4c: stack.push(Number.parseInt(line().replace(/L$/, ''), 10)); break; // LONG (text)
      case 0x47: need(8); stack.push(buf.readDoubleBE(pos)); pos += 8; break; // BINFLOAT
      case 0x46: stack.push(Number.parseFloat(line())); break; // FLOAT (text)
      case 0x58: { const n = u32(); stack.push(bytes(n).toString('utf8')); break; } // BINUNICODE
      case 0x8c: { const n = u8(); stack.push(bytes(n).toString('utf8')); break; } // SHORT_BINUNICODE
      case 0x8d: { const n = u64(); stack.push(bytes(n).toString('utf8')); break; } // BINUNICODE8
      case 0x54: { const n = u32(); stack.push(bytes(n).toString('latin1')); break; } // BINSTRING
      case 0x55: { const n = u8(); stack.push(bytes(n).toString('latin1')); break; } // SHORT_BINSTRING
      case 0x42: { const n = u32(); stack.push(Buffer.from(bytes(n))); break; } // BINBYTES
      case 0x43: { const n = u8(); stack.push(Buffer.from(bytes(n))); break; } // SHORT_BINBYTES
      case 0x8e: { const n = u64(); stack.push(Buffer.from(bytes(n))); break; } // BINBYTES8
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c]); break; } // TUPLE3
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { const v = pop(); (top() as unknown[]).push(v); break; } // APPEND
      case 0x65: { const items = popMark(); (top() as unknown[]).push(...items); break; } // APPENDS
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x64: { const m = new Map(); setItems(m, popMark()); stack.push(m); break; } // DICT
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x90: { const items = popMark(); for (const x of items) (top() as Set<unknown>).add(x); break; } // ADDITEMS
      case 0x91: stack.push(new Set(popMark())); break; // FROZENSET
      case 0x63: { const mod = line(); const name = line(); stack.push(new PyGlobal(mod, name)); break; } // GLOBAL
      case 0x93: { const name = String(pop()); const mod = String(pop()); stack.push(new PyGlobal(mod, name)); break; } // STACK_GLOBAL
      case 0x52: { const args = pop() as unknown[]; const fn = pop(); stack.push(call(fn, args)); break; } // REDUCE
      case 0x81: { const args = pop() as unknown[]; const cls = pop(); stack.push(call(cls, args)); break; } // NEWOBJ
      case 0x92: { pop(); const args = pop() as unknown[]; const cls = pop(); stack.push(call(cls, args)); break; } // NEWOBJ_EX
      case 0x62: { // BUILD: OrderedDict's state is its `_metadata` attribute, which a state dict does not need
        const state = pop();
        const obj = top();
        if (obj instanceof PyObject) obj.state = state;
        break;
      }
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(Number.parseInt(line(), 10), top()); break; // PUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
        const k = op === 0x68 ? u8() : op === 0x6a ? u32() : Number.parseInt(line(), 10);
        if (!memo.has(k)) throw new PickleError(`memo key ${k} missing`);
        stack.push(memo.get(k));
        break;
      }
      case 0x51: stack.push(persistentLoad(pop())); break; // BINPERSID
      case 0x50: stack.push(persistentLoad(line())); break; // PERSID
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16)} at byte ${pos - 1}`);
    }
  }
}
