/**
 * What the LCM code needs from a model runtime: anything with `run(feeds) → Promise<outputs>`, e.g. an
 * `ort.InferenceSession` in-process or a proxy to a session in a worker (main/engine/runtime). Inputs are built with
 * the runtime's tensor helpers; outputs only need `data` and `dims`. onnxruntime itself is engine/runtime/'s alone.
 */
import { f32, i64, throwIfAborted, type Tensor, type TensorLike } from '../runtime/tensors.js';

export { f32, i64, type TensorLike };

export interface Runner {
  run(feeds: Record<string, Tensor>): Promise<Record<string, TensorLike>>;
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
export const checkAbort: (signal: AbortSignal | undefined) => void = throwIfAborted;
