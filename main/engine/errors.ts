/**
 * The one typed-error base. Every error the code base raises on purpose is a CodedError: a machine-readable `code`
 * (UPPER_SNAKE: PACK_MISSING, IMPORT_TOO_LARGE, CANCELLED, …) that survives every boundary — the worker thread, IPC,
 * HTTP — and an actionable message. The packs, import, store, task and runtime errors extend it with what they know
 * (the file, a hint); the API's ApiError (api/contract.ts) is the same shape on the wire, and api/errors.ts turns any
 * error into one. Imports nothing, so the contract (and with it the renderer) may use it.
 */
export class CodedError<C extends string = string> extends Error {
  override name = 'CodedError';
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
