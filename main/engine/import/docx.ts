/**
 * DOCX → text with paragraphs, with mammoth: the document is converted to semantic HTML (headings, paragraphs,
 * lists, tables; images dropped, external files never read) and that HTML goes through the HTML importer.
 */
import mammoth from 'mammoth';
import { ImportError } from './errors.js';
import { htmlToText } from './html.js';

export interface DocxText {
  title: string | undefined;
  text: string;
  warnings: string[];
}

export async function docxToText(buf: Uint8Array, file: string): Promise<DocxText> {
  let result: { value: string; messages: { type: string; message: string }[] };
  try {
    result = await mammoth.convertToHtml(
      { buffer: Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength) },
      {
        externalFileAccess: false,
        convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
      },
    );
  } catch (err) {
    const msg = (err as Error)?.message ?? String(err);
    throw new ImportError('IMPORT_CORRUPT', `${file} is not a readable .docx document (${msg.split('\n')[0]})`, file,
      'Check that it opens in a word processor; old .doc files must be saved as .docx first', { cause: err });
  }
  const { title, text } = htmlToText(`<body>${result.value}</body>`);
  const warnings = result.messages
    .filter((m) => m.type === 'warning' || m.type === 'error')
    .map((m) => m.message)
    .filter((m, i, all) => all.indexOf(m) === i)
    .slice(0, 20);
  return { title, text, warnings };
}
