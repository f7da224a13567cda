/**
 * What the LCM code needs from a model runtime: anything with `run(feeds) → Promise<outputs>` over plain tensors
 * ({type, data, dims} with typed arrays). The LCM code never imports a runtime: the engine worker wraps its
 * onnxruntime sessions (engine/adapters/lcm-handlers.ts), tests and benchmarks wrap theirs with
 * runtime/tensors.ts `sessionRunner`, and test doubles implement `run` directly.
 */

export interface TensorLike {
  readonly type?: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** A tensor the LCM code feeds to a graph: typed array + shape, structured-clone friendly. */
export interface PlainTensor {
  readonly type: 'float32' | 'int64';
  readonly data: Float32Array | BigInt64Array;
  readonly dims: readonly number[];
}

export interface Runner {
  run(feeds: Record<string, PlainTensor>): Promise<Record<string, TensorLike>>;
}

export function f32(data: Float32Array, dims: readonly number[]): PlainTensor {
  return { type: 'float32', data, dims: [...dims] };
}

export function i64(values: readonly number[], dims: readonly number[] = [values.length]): PlainTensor {
  return { type: 'int64', data: BigInt64Array.from(values, (v) => BigInt(v)), dims: [...dims] };
}

/** The named output as a Float32Array, with a shape check. */
export function outputF32(outputs: Record<string, TensorLike>, name: string, dims?: readonly number[]): Float32Array {
  const t = outputs[name];
  if (!t) throw new Error(`graph output '${name}' missing (got ${Object.keys(outputs).join(', ')})`);
  if (dims && (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i]))) {
    throw new Error(`graph output '${name}' has shape [${t.dims}], expected [${dims}]`);
  }
  const d = t.data;
  if (d instanceof Float32Array) return d;
  if (ArrayBuffer.isView(d) || Array.isArray(d)) return Float32Array.from(d as ArrayLike<number>);
  throw new Error(`graph output '${name}' is not a float tensor`);
}

/** Throw the signal's reason (an AbortError by default) when it is aborted. */
export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
  }
}
