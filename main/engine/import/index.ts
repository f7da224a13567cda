/**
 * Importers: a file (or bytes with a name) → { title, type, text, warnings }. Supported: .txt, .md, .html, .pdf,
 * .docx. Text formats are decoded with encoding detection (encoding.ts). Bad input is a typed ImportError: missing
 * or unreadable file, unsupported type, empty, binary, undecodable, too large, corrupt or protected document.
 * The text returned is normalized (encoding.ts → text.ts): \n line ends, NFC, paragraphs separated by one blank line.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ImportError } from './errors.js';
import { decodeText, binarySignature } from './encoding.js';
import { declaredCharset, htmlToText } from './html.js';
import { markdownToText } from './markdown.js';
import { pdfToText } from './pdf.js';
import { docxToText } from './docx.js';
import { normalizeText, titleFromName } from './text.js';

export { ImportError, type ImportErrorCode } from './errors.js';
export { decodeText, type DecodedText, type DecodeOptions } from './encoding.js';
export { htmlToText } from './html.js';
export { markdownToText } from './markdown.js';
export { normalizeText } from './text.js';

export type ImportType = 'txt' | 'md' | 'html' | 'pdf' | 'docx';

export interface ImportOptions {
  /** Largest text accepted, in UTF-8 bytes after extraction (default 20 MiB). */
  maxTextBytes?: number;
  /** Largest .pdf / .docx file accepted, in bytes (default 200 MiB). */
  maxFileBytes?: number;
  /** Force the type instead of deciding it from the extension. */
  type?: ImportType;
  /** Broken UTF-8: refuse (default) or replace the bad bytes with U+FFFD and warn. */
  invalidUtf8?: 'error' | 'replace';
}

export interface ImportResult {
  title: string;
  type: ImportType;
  text: string;
  warnings: string[];
  /** For text formats: the encoding the bytes were decoded from. */
  encoding?: string;
  /** For PDFs: the number of pages. */
  pages?: number;
  /** The path it was read from (importFile only). */
  source?: string;
  /** Size of the input in bytes. */
  bytes: number;
}

export const DEFAULT_MAX_TEXT_BYTES = 20 * 1024 * 1024;
export const DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024;

const EXTENSIONS: Record<string, ImportType> = {
  '.txt': 'txt',
  '.text': 'txt',
  '.md': 'md',
  '.markdown': 'md',
  '.mdown': 'md',
  '.mkd': 'md',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.pdf': 'pdf',
  '.docx': 'docx',
};

const CONVERT_HINTS: Record<string, string> = {
  '.doc': 'Save it as .docx (Word: File › Save As) and import that',
  '.rtf': 'Save it as .docx or .txt and import that',
  '.odt': 'Save it as .docx (LibreOffice: File › Save As) and import that',
  '.pages': 'Export it as .docx or PDF and import that',
  '.epub': 'Convert it to HTML, PDF or text first',
};

export const SUPPORTED_EXTENSIONS = Object.keys(EXTENSIONS);

const TEXT_TYPES = new Set<ImportType>(['txt', 'md', 'html']);

const MB = (n: number) => `${(n / (1024 * 1024)).toFixed(n < 1024 * 1024 ? 2 : 1)} MB`;

/** The import type of a file: by extension, or by content when there is none. */
export function detectType(name: string, buf?: Uint8Array): ImportType {
  const ext = extname(name).toLowerCase();
  const byExt = EXTENSIONS[ext];
  if (byExt) return byExt;
  if (!ext && buf) {
    const sig = binarySignature(buf);
    if (sig?.startsWith('a PDF')) return 'pdf';
    if (sig?.startsWith('a ZIP')) return 'docx';
    if (!sig) {
      const head = Buffer.from(buf.subarray(0, 1024)).toString('latin1').trimStart().toLowerCase();
      return head.startsWith('<!doctype html') || head.startsWith('<html') ? 'html' : 'txt';
    }
  }
  throw new ImportError(
    'IMPORT_UNSUPPORTED',
    `${name}: ${ext ? `"${ext}" files are not supported` : 'the file type is not supported'}`,
    name,
    CONVERT_HINTS[ext] ?? `Supported: ${SUPPORTED_EXTENSIONS.join(', ')}`,
  );
}

function tooLarge(name: string, size: number, limit: number, what: string): ImportError {
  return new ImportError('IMPORT_TOO_LARGE', `${name} is too large: ${MB(size)} of ${what}, the limit is ${MB(limit)}`,
    name, 'Split it into smaller documents, or raise the limit in the settings (maxTextBytes)');
}

/** Import bytes that came with a file name (drag-and-drop, upload, stdin). */
export async function importBuffer(buf: Uint8Array, name: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const maxText = opts.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES;
  const maxFile = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const type = opts.type ?? detectType(name, buf);
  const file = basename(name) || name;
  if (buf.length === 0) {
    throw new ImportError('IMPORT_EMPTY', `${file} is empty`, name, 'Choose a file with some text in it');
  }
  // Text formats: a UTF-16 file may take twice its text's UTF-8 size; anything larger cannot fit.
  if (TEXT_TYPES.has(type) && buf.length > maxText * 2) throw tooLarge(file, buf.length, maxText, 'text');
  if (!TEXT_TYPES.has(type) && buf.length > maxFile) throw tooLarge(file, buf.length, maxFile, type.toUpperCase());

  let title: string | undefined;
  let text: string;
  let warnings: string[] = [];
  let encoding: string | undefined;
  let pages: number | undefined;
  switch (type) {
    case 'txt':
    case 'md': {
      const d = decodeText(buf, file, { invalidUtf8: opts.invalidUtf8 });
      ({ encoding, warnings } = d);
      if (type === 'md') ({ title, text } = markdownToText(d.text.replace(/\r\n?/g, '\n')));
      else text = d.text;
      break;
    }
    case 'html': {
      const head = Buffer.from(buf.subarray(0, 2048)).toString('latin1');
      const d = decodeText(buf, file, { declared: declaredCharset(head), invalidUtf8: opts.invalidUtf8 });
      ({ encoding, warnings } = d);
      ({ title, text } = htmlToText(d.text));
      break;
    }
    case 'pdf': {
      const r = await pdfToText(buf, file);
      ({ title, text, warnings, pages } = r);
      break;
    }
    case 'docx': {
      const r = await docxToText(buf, file);
      ({ title, text, warnings } = r);
      break;
    }
  }
  text = normalizeText(text);
  if (!text) {
    throw new ImportError('IMPORT_EMPTY', `${file} contains no text${type === 'html' ? ' once the page layout is removed' : ''}`,
      name, 'Choose a file with some text in it');
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxText) throw tooLarge(file, bytes, maxText, 'text');
  return {
    title: title || titleFromName(name),
    type,
    text,
    warnings,
    ...(encoding ? { encoding } : {}),
    ...(pages !== undefined ? { pages } : {}),
    bytes: buf.length,
  };
}

/** Import a file from disk. */
export async function importFile(path: string, opts: ImportOptions = {}): Promise<ImportResult> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) {
      throw new ImportError('IMPORT_UNREADABLE', `${path} is not a file`, path, 'Choose a document file');
    }
    size = st.size;
  } catch (err) {
    if (err instanceof ImportError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ImportError('IMPORT_NOT_FOUND', `${path} does not exist`, path, 'Check the path', { cause: err });
    }
    throw new ImportError('IMPORT_UNREADABLE', `${path} cannot be read (${code ?? err})`, path,
      'Check the file permissions', { cause: err });
  }
  // Refuse oversized files before reading them into memory.
  // Without an extension the type is sniffed from the content (importBuffer); size it as text meanwhile.
  const type: ImportType | undefined = opts.type ?? (extname(path) ? detectType(path) : undefined);
  const maxText = opts.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES;
  const maxFile = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if ((!type || TEXT_TYPES.has(type)) && size > maxText * 2) throw tooLarge(basename(path), size, maxText, 'text');
  if (type && !TEXT_TYPES.has(type) && size > maxFile) throw tooLarge(basename(path), size, maxFile, type.toUpperCase());
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new ImportError('IMPORT_UNREADABLE', `${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`,
      path, 'Check the file permissions', { cause: err });
  }
  const result = await importBuffer(buf, path, { ...opts, ...(type ? { type } : {}) });
  return { ...result, source: path };
}
