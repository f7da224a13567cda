/**
 * Typed import errors. Each names the file and says what to do; `code` is machine-readable (the API's ErrorEvent
 * codes). Nothing is stored when an import fails.
 */
import { CodedError } from '../errors.js';
export type ImportErrorCode =
  | 'IMPORT_NOT_FOUND' // no such file
  | 'IMPORT_UNREADABLE' // it exists but cannot be read (permissions, a folder, ...)
  | 'IMPORT_UNSUPPORTED' // extension / format not supported
  | 'IMPORT_EMPTY' // no bytes, or no text after extraction
  | 'IMPORT_BINARY' // a binary file given as text
  | 'IMPORT_BAD_ENCODING' // not valid UTF-8 and no plausible other encoding
  | 'IMPORT_TOO_LARGE' // over the size limit
  | 'IMPORT_CORRUPT' // a PDF / DOCX that its parser cannot read
  | 'IMPORT_PROTECTED' // a password-protected PDF
  | 'IMPORT_NO_TEXT'; // a PDF without a text layer (scanned pages)

export class ImportError extends CodedError<ImportErrorCode> {
  override name = 'ImportError';
  constructor(
    code: ImportErrorCode,
    message: string,
    readonly file?: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(code, hint ? `${message}. ${hint}` : message, options);
  }
}
