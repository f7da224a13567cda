/**
 * Task errors carry the API's machine-readable codes ({code, message}, as ApiError): CANCELLED, PACK_MISSING,
 * PACK_SPACE_MISMATCH, PACK_DIM_MISMATCH, INVALID_REQUEST.
 */
import { CodedError } from '../errors.js';
export class TaskError extends CodedError {
  override name = 'TaskError';
}

export function cancelledError(cause?: unknown): TaskError {
  return new TaskError('CANCELLED', 'The run was cancelled.', { cause });
}

/** Throw a CANCELLED TaskError when the signal is aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError(signal.reason);
}

/**
 * Run `fn`; when the signal is (or becomes) aborted, reject with a CANCELLED TaskError whatever the port threw
 * (an AbortError, a worker's own cancellation error, ...).
 */
export async function guard<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  throwIfCancelled(signal);
  try {
    const r = await fn();
    throwIfCancelled(signal);
    return r;
  } catch (e) {
    if (e instanceof TaskError && e.code === 'CANCELLED') throw e;
    if (signal?.aborted) throw cancelledError(e);
    if (e instanceof Error && e.name === 'AbortError') throw cancelledError(e);
    throw e;
  }
}
