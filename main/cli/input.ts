/**
 * Reading the CLI's input: a FILE argument or stdin, as bytes, with a size cap checked before (file) or while
 * (stdin) reading, so a huge input is refused without holding it in memory.
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ApiError } from '../api/contract.js';

export interface Input {
  name: string;
  bytes: Buffer;
  fromStdin: boolean;
}

const MB = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

function tooLarge(name: string, size: number | null, limit: number): ApiError {
  return new ApiError('IMPORT_TOO_LARGE', `${name} is too large${size !== null ? ` (${MB(size)})` : ''}: the limit is ${MB(limit / 2)} of text. ` +
    'Split it into smaller documents.');
}

/** `limitBytes`: the most bytes read (twice the text limit: UTF-16 files take two bytes a character). */
export async function readInput(file: string | undefined, limitBytes: number, stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin): Promise<Input> {
  if (file && file !== '-') {
    let size: number;
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new ApiError('IMPORT_UNREADABLE', `${file} is not a file.`);
      size = st.size;
    } catch (e) {
      if (e instanceof ApiError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new ApiError('IMPORT_NOT_FOUND', `${file} does not exist. Check the path.`);
      throw new ApiError('IMPORT_UNREADABLE', `${file} cannot be read (${code ?? e}). Check its permissions.`);
    }
    if (size > limitBytes) throw tooLarge(basename(file), size, limitBytes);
    const fh = await open(file, 'r');
    try {
      return { name: basename(file), bytes: await fh.readFile(), fromStdin: false };
    } finally {
      await fh.close();
    }
  }
  if (stdin.isTTY) {
    throw new ApiError('USAGE', 'Give a FILE, or pipe the text on stdin (e.g. `concept summarize notes.txt`, `cat notes.txt | concept summarize`).');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stdin) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    size += b.length;
    if (size > limitBytes) {
      (stdin as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      throw tooLarge('The input on stdin', null, limitBytes);
    }
    chunks.push(b);
  }
  return { name: 'stdin.txt', bytes: Buffer.concat(chunks), fromStdin: true };
}
