/**
 * PDF → text with paragraphs, offline, with unpdf (PDF.js's serverless build, no worker, no network). Text items are
 * grouped into lines by their baseline; a paragraph ends at a vertical gap larger than the page's usual line spacing
 * or at a change of font size (headings). Lines are joined with a space, words hyphenated across a line end are
 * re-joined, bare page numbers are dropped, and a paragraph cut by a page break is continued.
 */
import { extractTextItems, getDocumentProxy, getMeta, type StructuredTextItem } from 'unpdf';
import { ImportError } from './errors.js';
import { clipTitle } from './text.js';

export interface PdfText {
  title: string | undefined;
  text: string;
  pages: number;
  warnings: string[];
}

interface Line {
  text: string;
  y: number;
  size: number;
}

function linesOf(items: StructuredTextItem[]): Line[] {
  const lines: Line[] = [];
  let cur: { parts: string[]; y: number; size: number; xEnd: number } | undefined;
  let breakNext = false;
  const close = () => {
    if (cur) {
      const text = cur.parts.join('').replace(/\s+/g, ' ').trim();
      if (text) lines.push({ text, y: cur.y, size: cur.size });
    }
    cur = undefined;
  };
  for (const it of items) {
    const size = it.fontSize || it.height || 10;
    if (cur && (breakNext || Math.abs(it.y - cur.y) > size * 0.5)) close();
    breakNext = false;
    if (it.str) {
      if (!cur) {
        cur = { parts: [it.str], y: it.y, size, xEnd: it.x + it.width };
      } else {
        const gap = it.x - cur.xEnd;
        const last = cur.parts[cur.parts.length - 1] ?? '';
        if (gap > size * 0.15 && !/\s$/.test(last) && !/^\s/.test(it.str)) cur.parts.push(' ');
        cur.parts.push(it.str);
        cur.xEnd = it.x + it.width;
        cur.size = Math.max(cur.size, size);
      }
    }
    if (it.hasEOL) breakNext = true;
  }
  close();
  return lines;
}

const PAGE_NUMBER = /^(page|seite|página|pagina|p\.)?\s*[-–]?\s*\d{1,4}\s*[-–]?\s*((of|von|de|sur|\/)\s*\d{1,4})?$/i;

function joinLines(a: string, b: string): string {
  if (/\p{L}-$/u.test(a) && /^\p{Ll}/u.test(b)) return a.slice(0, -1) + b;
  return `${a} ${b}`;
}

function dropPageNumbers(lines: Line[]): Line[] {
  if (lines.length && PAGE_NUMBER.test(lines[lines.length - 1]!.text)) lines = lines.slice(0, -1);
  if (lines.length && PAGE_NUMBER.test(lines[0]!.text)) lines = lines.slice(1);
  return lines;
}

/** The document's usual line spacing: the lower quartile of the gaps between lines (paragraph gaps are larger). */
function usualSpacing(pages: Line[][]): number | undefined {
  const gaps: number[] = [];
  for (const lines of pages) {
    for (let i = 1; i < lines.length; i++) {
      const g = lines[i - 1]!.y - lines[i]!.y;
      if (g > 0) gaps.push(g);
    }
  }
  if (gaps.length < 2) return undefined;
  gaps.sort((x, y) => x - y);
  return gaps[Math.floor((gaps.length - 1) / 4)]!;
}

function paragraphsOf(lines: Line[], spacing: number | undefined): string[] {
  if (lines.length === 0) return [];
  const usual = spacing ?? lines[0]!.size * 1.2;
  const paras: string[] = [];
  let cur = lines[0]!.text;
  for (let i = 1; i < lines.length; i++) {
    const prev = lines[i - 1]!;
    const line = lines[i]!;
    const gap = prev.y - line.y;
    const sizeChange = Math.abs(line.size - prev.size) > Math.min(line.size, prev.size) * 0.15;
    const newPara = gap > usual * 1.4 + 0.5 || gap < -line.size || sizeChange;
    if (newPara) {
      paras.push(cur);
      cur = line.text;
    } else {
      cur = joinLines(cur, line.text);
    }
  }
  paras.push(cur);
  return paras;
}

export async function pdfToText(buf: Uint8Array, file: string): Promise<PdfText> {
  const warnings: string[] = [];
  let pdf;
  try {
    // PDF.js may detach the buffer it is given: pass a copy.
    pdf = await getDocumentProxy(new Uint8Array(buf), { verbosity: 0, isEvalSupported: false });
  } catch (err) {
    const name = (err as { name?: string })?.name ?? '';
    if (name === 'PasswordException') {
      throw new ImportError('IMPORT_PROTECTED', `${file} is a password-protected PDF`, file,
        'Remove the password (print or export it to a new PDF) and import that copy', { cause: err });
    }
    throw new ImportError('IMPORT_CORRUPT', `${file} is not a readable PDF (${(err as Error)?.message ?? err})`, file,
      'Check that the file is complete (not cut short by a download) and opens in a PDF viewer', { cause: err });
  }
  try {
    const { items, totalPages } = await extractTextItems(pdf);
    let title: string | undefined;
    try {
      const meta = await getMeta(pdf);
      const t = meta.info?.Title;
      if (typeof t === 'string' && t.trim()) title = clipTitle(t);
    } catch {
      /* metadata is optional */
    }
    const paras: string[] = [];
    let emptyPages = 0;
    const pageLines = items.map((pageItems) => dropPageNumbers(linesOf(pageItems)));
    const spacing = usualSpacing(pageLines);
    for (const lines of pageLines) {
      const ps = paragraphsOf(lines, spacing);
      if (ps.length === 0) {
        emptyPages++;
        continue;
      }
      // A paragraph cut by the page break: the previous page ends mid-sentence and this one goes on in lower case.
      const last = paras[paras.length - 1];
      if (last !== undefined && !/[.!?:;"”»)\]。！？]$/u.test(last) && /^\p{Ll}/u.test(ps[0]!)) {
        paras[paras.length - 1] = joinLines(last, ps.shift()!);
      }
      paras.push(...ps);
    }
    const text = paras.join('\n\n');
    if (!text.trim()) {
      throw new ImportError('IMPORT_NO_TEXT', `${file} has no text layer (${totalPages} page(s) of images, probably scanned)`,
        file, 'Run it through OCR first (many PDF tools can add a text layer), then import the result');
    }
    if (emptyPages > 0) warnings.push(`${emptyPages} of ${totalPages} page(s) have no text (images or scans?)`);
    return { title, text, pages: totalPages, warnings };
  } catch (err) {
    if (err instanceof ImportError) throw err;
    throw new ImportError('IMPORT_CORRUPT', `${file} could not be read as a PDF (${(err as Error)?.message ?? err})`, file,
      'Check that the file opens in a PDF viewer', { cause: err });
  } finally {
    await pdf.destroy();
  }
}
