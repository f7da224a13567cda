/**
 * What the LCM code needs from a model runtime: anything with `run(feeds) → Promise<outputs>`, e.g. an
 * `ort.InferenceSession` in-process or a proxy to a session in a worker (main/engine/runtime). Inputs are passed as
 * `ort.Tensor`s; outputs only need `data` and `dims`.
 */
import * as ort from 'onnxruntime-node';

export interface TensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
}

export interface Runner {
  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, TensorLike>>;
}

export function f32(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

export function i64(values: readonly number[], dims: readonly number[] = [values.length]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
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
