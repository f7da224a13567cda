/**
 * Bytes → text for the text formats (.txt, .md, .html). In order:
 *   1. a BOM (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) decides;
 *   2. UTF-16 without BOM is recognised by its zero bytes; any other NUL byte, a known binary signature or many
 *      control bytes mean a binary file (IMPORT_BINARY);
 *   3. an encoding declared by the file itself (HTML <meta charset>) is tried;
 *   4. strict UTF-8;
 *   5. text that is mostly valid UTF-8 with a few broken sequences is refused (IMPORT_BAD_ENCODING, with the byte
 *      offset) — decoding it as Latin-1 would only produce mojibake;
 *   6. otherwise chardet's candidates (windows-1252, ISO-8859-x, Shift_JIS, EUC-JP, GB18030, Big5, EUC-KR,
 *      windows-1251, KOI8-R, ...), each decoded with iconv-lite and kept only if the result is plausible text;
 *      none plausible → IMPORT_BAD_ENCODING.
 */
import chardet from 'chardet';
import iconv from 'iconv-lite';
import { ImportError } from './errors.js';

export interface DecodedText {
  text: string;
  /** The encoding used, as a WHATWG-style label: utf-8, utf-16le, windows-1252, shift_jis, ... */
  encoding: string;
  /** How it was decided. */
  via: 'bom' | 'utf16-heuristic' | 'declared' | 'utf-8' | 'detected';
  warnings: string[];
}

export interface DecodeOptions {
  /** An encoding the file declares (e.g. HTML <meta charset>); tried after a BOM. */
  declared?: string;
  /** What to do with broken UTF-8: refuse (default) or decode with U+FFFD replacement characters and a warning. */
  invalidUtf8?: 'error' | 'replace';
}

const SIGNATURES: [string, number[]][] = [
  ['a PDF document', [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ['a ZIP archive (or a .docx/.xlsx/.odt document)', [0x50, 0x4b, 0x03, 0x04]],
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a JPEG image', [0xff, 0xd8, 0xff]],
  ['a GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['a gzip archive', [0x1f, 0x8b]],
  ['an executable (ELF)', [0x7f, 0x45, 0x4c, 0x46]],
  ['an SQLite database', [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66]],
  ['an old Word/Office document', [0xd0, 0xcf, 0x11, 0xe0]],
  ['a RAR archive', [0x52, 0x61, 0x72, 0x21]],
  ['a 7-Zip archive', [0x37, 0x7a, 0xbc, 0xaf]],
];

function startsWith(buf: Uint8Array, sig: number[]): boolean {
  return buf.length >= sig.length && sig.every((b, i) => buf[i] === b);
}

/** Which binary format the bytes start with, if a known one. */
export function binarySignature(buf: Uint8Array): string | undefined {
  return SIGNATURES.find(([, sig]) => startsWith(buf, sig))?.[0];
}

function bomOf(buf: Uint8Array): { encoding: string; length: number } | undefined {
  if (startsWith(buf, [0xef, 0xbb, 0xbf])) return { encoding: 'utf-8', length: 3 };
  if (startsWith(buf, [0xff, 0xfe, 0x00, 0x00])) return { encoding: 'utf-32le', length: 4 };
  if (startsWith(buf, [0x00, 0x00, 0xfe, 0xff])) return { encoding: 'utf-32be', length: 4 };
  if (startsWith(buf, [0xff, 0xfe])) return { encoding: 'utf-16le', length: 2 };
  if (startsWith(buf, [0xfe, 0xff])) return { encoding: 'utf-16be', length: 2 };
  return undefined;
}

/** UTF-16 without BOM: mostly-ASCII text has a zero in every other byte. */
function utf16WithoutBom(buf: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(buf.length, 8192) & ~1;
  if (n < 4) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (buf[i] === 0) evenZero++;
    if (buf[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero / pairs > 0.3 && evenZero / pairs < 0.02) return 'utf-16le';
  if (evenZero / pairs > 0.3 && oddZero / pairs < 0.02) return 'utf-16be';
  return undefined;
}

function decodeWith(buf: Uint8Array, encoding: string): string {
  if (encoding === 'utf-8') return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(buf);
  return iconv.decode(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), encoding, { stripBOM: true });
}

interface Utf8Scan {
  valid: boolean;
  multibyte: number;
  invalid: number;
  firstInvalid: number;
}

/** Count valid multi-byte sequences and invalid bytes of UTF-8. */
export function scanUtf8(buf: Uint8Array): Utf8Scan {
  let multibyte = 0;
  let invalid = 0;
  let firstInvalid = -1;
  const bad = (i: number) => {
    invalid++;
    if (firstInvalid < 0) firstInvalid = i;
  };
  let i = 0;
  const n = buf.length;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let min = 0;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else {
      bad(i);
      i++;
      continue;
    }
    if (i + need >= n) {
      // truncated at the end of the buffer
      bad(i);
      break;
    }
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    let ok = true;
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k]!;
      if ((c & 0xc0) !== 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (c & 0x3f);
    }
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok) {
      multibyte++;
      i += need + 1;
    } else {
      bad(i);
      i++;
    }
  }
  return { valid: invalid === 0, multibyte, invalid, firstInvalid };
}

const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000E-\u001F\u007F-\u009F\uFFFD]/;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/gu;
const LATIN_FAMILY = /^(windows-125[02-8]|iso-8859-(1|2|3|4|9|10|13|14|15|16)|latin\d?)$/i;

/** Is this decoded text plausibly what the author wrote (and not a wrong encoding's noise)? */
export function plausibleText(text: string, encoding: string): boolean {
  if (CONTROL_CHARS.test(text)) return false;
  const nonAscii = text.match(/[^\x00-\x7F]/gu) ?? [];
  if (nonAscii.length === 0) return true;
  // Symbols other than currency, and superscripts/fractions/private use, are rare in real text.
  const odd = nonAscii.filter((c) => /[\p{So}\p{Sk}\p{Sm}\p{No}\p{Co}\p{Cn}]/u.test(c)).length;
  if (odd / nonAscii.length > 0.2) return false;
  // Languages written with spaces have words of a reasonable length.
  const cjk = (text.match(CJK) ?? []).length;
  if (text.length >= 40 && cjk / text.length < 0.3) {
    const words = text.split(/\s+/).filter(Boolean);
    const avg = words.reduce((s, w) => s + w.length, 0) / Math.max(1, words.length);
    if (avg > 25) return false;
  }
  // In Latin-script single-byte encodings, accented letters sit between ASCII letters; long runs of non-ASCII
  // letters are the mark of a wrong guess.
  if (LATIN_FAMILY.test(encoding)) {
    const runs = text.match(/[^\x00-\x7F\s]{3,}/gu) ?? [];
    const inRuns = runs.reduce((s, r) => s + [...r].length, 0);
    if (inRuns / nonAscii.length > 0.3) return false;
  }
  return true;
}

/** Normalise an encoding label to a lower-case name iconv-lite knows; undefined when unknown. */
export function normalizeEncoding(label: string): string | undefined {
  const l = label.trim().toLowerCase().replace(/^x-/, '');
  const aliases: Record<string, string> = {
    utf8: 'utf-8',
    'unicode-1-1-utf-8': 'utf-8',
    latin1: 'windows-1252', // WHATWG: latin1 / iso-8859-1 / ascii labels mean windows-1252
    'iso-8859-1': 'windows-1252',
    'us-ascii': 'windows-1252',
    ascii: 'windows-1252',
    sjis: 'shift_jis',
    'shift-jis': 'shift_jis',
    'ms_kanji': 'shift_jis',
    gb2312: 'gb18030',
    gbk: 'gb18030',
  };
  const name = aliases[l] ?? l;
  if (name === 'utf-8') return name;
  return iconv.encodingExists(name) ? name : undefined;
}

function controlByteRatio(buf: Uint8Array): number {
  const n = Math.min(buf.length, 65536);
  let c = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[i]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) c++;
  }
  return n ? c / n : 0;
}

export function decodeText(buf: Uint8Array, file: string, opts: DecodeOptions = {}): DecodedText {
  const warnings: string[] = [];
  const bom = bomOf(buf);
  if (bom) {
    return { text: decodeWith(buf.subarray(bom.length), bom.encoding), encoding: bom.encoding, via: 'bom', warnings };
  }
  const sig = binarySignature(buf);
  if (sig) {
    throw new ImportError('IMPORT_BINARY', `${file} is not a text file: it looks like ${sig}`, file,
      'Give it the right extension (.pdf, .docx) if it is a supported document, or convert it to text');
  }
  if (buf.includes(0)) {
    const u16 = utf16WithoutBom(buf);
    if (u16) {
      const text = decodeWith(buf, u16);
      if (plausibleText(text, u16)) {
        return { text, encoding: u16, via: 'utf16-heuristic', warnings: [`decoded as ${u16} (no byte-order mark)`] };
      }
    }
    throw new ImportError('IMPORT_BINARY', `${file} is not a text file (it contains NUL bytes)`, file,
      'Choose a .txt, .md, .html, .pdf or .docx document');
  }
  if (controlByteRatio(buf) > 0.01) {
    throw new ImportError('IMPORT_BINARY', `${file} is not a text file (it contains many control bytes)`, file,
      'Choose a .txt, .md, .html, .pdf or .docx document');
  }

  if (opts.declared) {
    const declared = normalizeEncoding(opts.declared);
    if (!declared) {
      warnings.push(`the declared encoding "${opts.declared}" is unknown; detecting it instead`);
    } else if (declared !== 'utf-8') {
      const text = decodeWith(buf, declared);
      if (plausibleText(text, declared)) return { text, encoding: declared, via: 'declared', warnings };
      warnings.push(`the declared encoding "${opts.declared}" does not fit the content; detecting it instead`);
    }
  }

  const scan = scanUtf8(buf);
  if (scan.valid) return { text: decodeWith(buf, 'utf-8'), encoding: 'utf-8', via: 'utf-8', warnings };

  if (scan.multibyte > 0 && scan.invalid <= scan.multibyte) {
    if (opts.invalidUtf8 === 'replace') {
      warnings.push(`${scan.invalid} invalid UTF-8 sequence(s) replaced by U+FFFD (first at byte ${scan.firstInvalid})`);
      return { text: decodeWith(buf, 'utf-8'), encoding: 'utf-8', via: 'utf-8', warnings };
    }
    throw new ImportError(
      'IMPORT_BAD_ENCODING',
      `${file} is UTF-8 text with ${scan.invalid} invalid byte sequence(s) (the first at byte ${scan.firstInvalid})`,
      file,
      'The file is damaged or was cut; re-save it as UTF-8 in a text editor',
    );
  }

  const candidates: string[] = [];
  for (const m of chardet.analyse(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength))) {
    const name = normalizeEncoding(m.name);
    if (!name || name === 'utf-8' || name.startsWith('utf-16') || name.startsWith('utf-32')) continue;
    if (!candidates.includes(name)) candidates.push(name);
  }
  if (!candidates.includes('windows-1252')) candidates.push('windows-1252');
  for (const enc of candidates) {
    const text = decodeWith(buf, enc);
    if (plausibleText(text, enc)) {
      warnings.push(`the file is not UTF-8; decoded as ${enc} (detected)`);
      return { text, encoding: enc, via: 'detected', warnings };
    }
  }
  throw new ImportError(
    'IMPORT_BAD_ENCODING',
    `${file} is not valid UTF-8 (first invalid byte at offset ${scan.firstInvalid}) and no other encoding fits it`,
    file,
    'Re-save it as UTF-8 in a text editor, or check that it is really a text file',
  );
}
