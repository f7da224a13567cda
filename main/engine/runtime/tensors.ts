/** Small tensor helpers over onnxruntime-node (int64 needs BigInt64Array). */
import * as ort from 'onnxruntime-node';

export type Tensor = ort.Tensor;

export interface TensorLike {
  readonly type?: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** What model code needs from a graph: an ort.InferenceSession, or a proxy to one in the worker. */
export interface GraphRunner {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, TensorLike>>;
}

export function f32(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

export function i64(values: ArrayLike<number> | BigInt64Array, dims: readonly number[] = [values.length]): ort.Tensor {
  const data = values instanceof BigInt64Array ? values : BigInt64Array.from(values as ArrayLike<number>, (v) => BigInt(v));
  return new ort.Tensor('int64', data, dims);
}

export function asF32(t: TensorLike | undefined, name: string): Float32Array {
  if (!t) throw new Error(`graph output '${name}' missing`);
  if (t.data instanceof Float32Array) return t.data;
  throw new Error(`graph output '${name}' is not float32`);
}

/** A serialisable tensor (crosses worker boundaries by structured clone). */
export interface WireTensor {
  type: 'float32' | 'int64' | 'int32' | 'bool' | 'float16' | 'uint8' | 'int8';
  dims: number[];
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Uint16Array;
}

export function toWire(t: TensorLike): WireTensor {
  return { type: (t.type ?? 'float32') as WireTensor['type'], dims: [...t.dims], data: t.data as WireTensor['data'] };
}

export function fromWire(w: WireTensor): ort.Tensor {
  return new ort.Tensor(w.type as 'float32', w.data as Float32Array, w.dims);
}

/**
 * An onnxruntime session as a runner over plain tensors ({type, data, dims}: what the LCM code feeds, and what
 * crosses a worker boundary). ort.Tensor feeds pass through unchanged.
 */
export function sessionRunner(session: ort.InferenceSession): GraphRunner & { run(feeds: Record<string, TensorLike>): Promise<Record<string, TensorLike>> } {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run: async (feeds: Record<string, TensorLike>) => {
      const f: Record<string, ort.Tensor> = {};
      for (const [k, t] of Object.entries(feeds)) f[k] = t instanceof ort.Tensor ? t : fromWire(toWire(t));
      return session.run(f);
    },
  };
}

/** Throw the signal's reason (an AbortError by default) if it is aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
