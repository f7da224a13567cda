/**
 * Every error that leaves the API is an ApiError {code, message}: engine, store, pack, import and task errors keep
 * their machine-readable codes and actionable messages; cancellation is CANCELLED; anything unexpected is INTERNAL.
 */
import { ApiError } from './contract.js';

/** Codes a caller (the CLI) groups into exit statuses. */
export const PACK_CODES = /^(PACK_|MODEL_|BAD_TOKENIZER|UNSUPPORTED_TASK|ENGINE_|CONVERT_|DOWNLOAD_|LICENSE_)/;
export const DB_CODES = /^(DB_|CONCEPT_DIM)/;
export const INPUT_CODES = /^(IMPORT_|UNKNOWN_LANGUAGE|INVALID_|NOT_FOUND|TOO_LARGE|EMPTY)/;

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof DOMException && e.name === 'AbortError') return new ApiError('CANCELLED', 'The run was cancelled.');
  if (e && typeof e === 'object') {
    const err = e as { code?: unknown; message?: unknown; name?: unknown; hint?: unknown };
    if (err.name === 'AbortError') return new ApiError('CANCELLED', 'The run was cancelled.');
    let message = typeof err.message === 'string' ? err.message : String(e);
    if (typeof err.hint === 'string' && err.hint && !message.includes(err.hint)) message += `. ${err.hint}`;
    if (typeof err.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(err.code)) {
      const code = err.code === 'CONCEPT_DIM_MISMATCH' ? 'PACK_DIM_MISMATCH' : err.code;
      return new ApiError(code, message);
    }
    return new ApiError('INTERNAL', message);
  }
  return new ApiError('INTERNAL', String(e));
}

/** An error as plain data {code, message}, as it crosses HTTP and IPC (an Error's message does not survive JSON). */
export function errorJson(e: unknown): { code: string; message: string } {
  const { code, message } = toApiError(e);
  return { code, message };
}

export function apiError(code: string, message: string): ApiError {
  return new ApiError(code, message);
}
