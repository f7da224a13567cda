/**
 * Importers on the fixtures in test/fixtures/import (made by make-fixtures.mjs): every format, every encoding, and
 * every kind of bad input with its typed error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImportError, importBuffer, importFile, type ImportResult } from '../../../main/engine/import/index.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const FIX = join(ROOT, 'test/fixtures/import');
const fx = (name: string) => join(FIX, name);

const tmp = mkdtempSync(join(tmpdir(), 'cs-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function importError(p: Promise<unknown>): Promise<ImportError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return e as ImportError;
  }
  throw new Error('expected an ImportError');
}

const paragraphs = (r: ImportResult) => r.text.split('\n\n');

const MULTI_LINES = [
  'All human beings are born free and equal in dignity and rights.',
  'Tous les êtres humains naissent libres et égaux en dignité et en droits.',
  'Alle Menschen sind frei und gleich an Würde und Rechten geboren.',
  '人人生而自由，在尊严和权利上一律平等。',
  'Все люди рождаются свободными и равными в своем достоинстве и правах.',
];
const MULTI = `Universal Declaration of Human Rights\n\n${MULTI_LINES.join('\n')}`;

describe('plain text and encodings', () => {
  it('UTF-8 text keeps its paragraphs and lines; title from the file name', async () => {
    const r = await importFile(fx('hello.txt'));
    expect(r).toMatchObject({ type: 'txt', title: 'hello', encoding: 'utf-8', warnings: [], source: fx('hello.txt') });
    expect(r.text).toBe(MULTI);
  });

  it.each([
    ['utf8-bom.txt', 'utf-8'],
    ['utf16le-bom.txt', 'utf-16le'],
    ['utf16be-bom.txt', 'utf-16be'],
  ])('%s: the byte-order mark decides (%s); BOM and CRLF removed', async (name, enc) => {
    const r = await importFile(fx(name));
    expect(r.encoding).toBe(enc);
    expect(r.text).toBe(MULTI);
  });

  it('UTF-16 LE without a BOM is recognised by its zero bytes', async () => {
    const r = await importFile(fx('utf16le-nobom.txt'));
    expect(r.encoding).toBe('utf-16le');
    expect(r.text).toBe('Plain text written by an old editor in UTF-16 without a byte-order mark.\nSecond line: café.');
    expect(r.warnings.join()).toMatch(/utf-16le/);
  });

  it.each([
    ['windows-1252.txt', 'windows-1252', 'Über die Straße gehen Jürgen und Zoë — « voilà » — für 10 € pro Stück.'],
    ['latin1.txt', 'windows-1252', "Déjà vu : l'élève naïf a mangé une crème brûlée à côté du théâtre."],
    ['shift_jis.txt', 'shift_jis', '吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。'],
    ['windows-1251.txt', 'windows-1251', 'Всё смешалось в доме Облонских.'],
  ])('%s is detected as %s and decoded', async (name, enc, expected) => {
    const r = await importFile(fx(name));
    expect(r.encoding).toBe(enc);
    expect(r.text).toContain(expected);
    expect(r.text).not.toMatch(/[\uFFFD\u0080-\u009F]/);
    expect(r.warnings.join()).toMatch(/not UTF-8; decoded as/);
  });

  it('normalizes to NFC and \\n line ends', async () => {
    const r = await importBuffer(Buffer.from('Cafe\u0301\r\nline two\rline three\n\n\n\nnext'), 'x.txt');
    expect(r.text).toBe('Café\nline two\nline three\n\nnext');
  });
});

describe('markdown', () => {
  it('becomes plain text with paragraphs; markup, code fences, images and definitions go', async () => {
    const r = await importFile(fx('article.md'));
    expect(r.type).toBe('md');
    expect(r.title).toBe('Front Matter Title');
    expect(paragraphs(r)).toEqual([
      'Concept spaces',
      'Sentences become vectors in a shared space, so that a link text survives and inline code too.',
      'A list',
      'First item with emphasis.',
      'Second item continues here.',
      'Numbered struck item.',
      'A quoted paragraph over two lines.',
      'const x = 1;',
      'Name Value',
      'dim 1024',
      'Trailing paragraph with a hard break\nafter two spaces, an & entity and inline html.',
    ]);
    expect(r.text).not.toMatch(/[*_`#>|[\]]|https?:|author/);
  });

  it('takes the first heading as the title when there is no front matter', async () => {
    const r = await importBuffer(Buffer.from('Intro line.\n\n## Sub\n\n# Main Title\n\nBody.'), 'notes.md');
    expect(r.title).toBe('Main Title');
  });
});

describe('html', () => {
  it('strips boilerplate (script, style, nav, header, footer, aside, forms, hidden) and keeps paragraphs', async () => {
    const r = await importFile(fx('page.html'));
    expect(r.type).toBe('html');
    expect(r.title).toBe('The Page Title & More');
    expect(paragraphs(r)).toEqual([
      'Main heading',
      'First paragraph with bold and a link, spread over two source lines.',
      'Second paragraph: café — “quoted” <tag>.\nAfter a line break.',
      'List item one.',
      'List item two.',
      'Key Value',
      'dim 1024',
      'line one\n indented line two',
    ]);
    for (const junk of ['SCRIPT', 'STYLE', 'Home', 'Menu one', 'Breadcrumbs', 'Hidden', 'Invisible', 'Enable JavaScript',
      'Search', 'Related articles', 'Example Corp', 'color']) {
      expect(r.text).not.toContain(junk);
    }
  });

  it('uses the only <article> when there is no <main>', async () => {
    const r = await importFile(fx('no-main.html'));
    expect(r.text).toBe('Only article\n\nArticle body text.');
  });

  it('honours a declared legacy charset', async () => {
    const r = await importFile(fx('page-latin1.html'));
    expect(r.encoding).toBe('windows-1252');
    expect(r.title).toBe('Résumé');
    expect(r.text).toBe('Très bien, garçon. Ærøskøbing ist schön.');
  });
});

describe('pdf', () => {
  it('extracts text offline with paragraphs, de-hyphenation, page numbers dropped, page breaks bridged', async () => {
    const r = await importFile(fx('document.pdf'));
    expect(r).toMatchObject({ type: 'pdf', title: 'UDHR Excerpt', pages: 2, warnings: [] });
    expect(paragraphs(r)).toEqual([
      'Concept Studio Test Document',
      'All human beings are born free and equal in dignity and rights. They are endowed with reason and conscience and should act towards one another in a spirit of brotherhood.',
      'Everyone is entitled to all the rights and freedoms set forth in this Declaration, without distinction of any kind. Café crème costs 3 €.',
      'This paragraph starts on the first page and continues on the second page without a break in the sentence.',
      'A final paragraph on page two.',
    ]);
  });

  it('a PDF without a text layer gives IMPORT_NO_TEXT', async () => {
    const e = await importError(importFile(fx('no-text.pdf')));
    expect(e.code).toBe('IMPORT_NO_TEXT');
    expect(e.message).toMatch(/OCR/);
  });

  it('a truncated PDF gives IMPORT_CORRUPT', async () => {
    const e = await importError(importFile(fx('bad/truncated.pdf')));
    expect(e.code).toBe('IMPORT_CORRUPT');
    expect(e.message).toMatch(/truncated\.pdf is not a readable PDF/);
  });
});

describe('docx', () => {
  it('extracts headings, paragraphs (runs joined) and table rows; title from the first heading', async () => {
    const r = await importFile(fx('document.docx'));
    expect(r).toMatchObject({ type: 'docx', title: 'Quarterly Report' });
    expect(paragraphs(r)).toEqual([
      'Quarterly Report',
      'The first paragraph is split across several runs, and it says: Grüße aus Köln.',
      'Second paragraph with Japanese: 日本語の文章です。',
      'A subheading',
      'Metric Value',
      'Sentences 42',
      'Last paragraph & done.',
    ]);
  });

  it.each(['bad/not-a-zip.docx', 'bad/not-a-document.docx'])('%s gives IMPORT_CORRUPT', async (name) => {
    const e = await importError(importFile(fx(name)));
    expect(e.code).toBe('IMPORT_CORRUPT');
    expect(e.message).toMatch(/not a readable \.docx/);
  });
});

describe('bad input', () => {
  it.each([
    ['bad/empty.txt', 'IMPORT_EMPTY', /is empty/],
    ['bad/whitespace.txt', 'IMPORT_EMPTY', /contains no text/],
    ['bad/scripts-only.html', 'IMPORT_EMPTY', /no text once the page layout is removed/],
    ['bad/binary.txt', 'IMPORT_BINARY', /not a text file \(it contains NUL bytes\)/],
    ['bad/png-renamed.txt', 'IMPORT_BINARY', /looks like a PNG image/],
    ['bad/broken-utf8.txt', 'IMPORT_BAD_ENCODING', /UTF-8 text with 3 invalid byte sequence\(s\) \(the first at byte \d+\)/],
    ['bad/high-bytes.txt', 'IMPORT_BAD_ENCODING', /not valid UTF-8 .* no other encoding fits it/],
    ['bad/notes.rtf', 'IMPORT_UNSUPPORTED', /"\.rtf" files are not supported\. Save it as \.docx/],
    ['does-not-exist.txt', 'IMPORT_NOT_FOUND', /does not exist/],
    ['bad', 'IMPORT_UNREADABLE', /is not a file/],
  ])('%s → %s', async (name, code, message) => {
    const e = await importError(importFile(fx(name)));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.hint).toBeTruthy();
  });

  it('a PDF renamed to .txt is refused as binary with a hint', async () => {
    const e = await importError(importBuffer(readFileSync(fx('document.pdf')), 'report.txt'));
    expect(e.code).toBe('IMPORT_BINARY');
    expect(e.message).toMatch(/looks like a PDF document/);
  });

  it('broken UTF-8 can be accepted with replacement characters when asked', async () => {
    const r = await importFile(fx('bad/broken-utf8.txt'), { invalidUtf8: 'replace' });
    expect(r.text).toContain('\uFFFD');
    expect(r.warnings.join()).toMatch(/3 invalid UTF-8 sequence/);
  });

  it('a 50 MB text file is refused before it is read (default limit 20 MB)', async () => {
    const big = join(tmp, 'big.txt');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 50 * 1024 * 1024); // sparse: no 50 MB written to disk
    closeSync(fd);
    const e = await importError(importFile(big));
    expect(e.code).toBe('IMPORT_TOO_LARGE');
    expect(e.message).toMatch(/50\.0 MB of text, the limit is 20\.0 MB/);
  });

  it('the limit is configurable and applies to the extracted text', async () => {
    const text = 'A sentence of text. '.repeat(100); // 2000 bytes
    const e = await importError(importBuffer(Buffer.from(text), 'a.txt', { maxTextBytes: 1500 }));
    expect(e.code).toBe('IMPORT_TOO_LARGE');
    await expect(importBuffer(Buffer.from(text), 'a.txt', { maxTextBytes: 4000 })).resolves.toMatchObject({ type: 'txt' });
    // PDFs / DOCX: the text extracted counts.
    const pdf = readFileSync(fx('document.pdf'));
    expect((await importError(importBuffer(pdf, 'd.pdf', { maxTextBytes: 100 }))).code).toBe('IMPORT_TOO_LARGE');
    expect((await importError(importBuffer(pdf, 'd.pdf', { maxFileBytes: 1000 }))).code).toBe('IMPORT_TOO_LARGE');
  });

  it('an unknown extension is refused; without an extension the type is sniffed', async () => {
    expect((await importError(importBuffer(Buffer.from('x'), 'data.xyz'))).code).toBe('IMPORT_UNSUPPORTED');
    expect((await importError(importBuffer(Buffer.from('x'), 'old.doc'))).message).toMatch(/Save it as \.docx/);
    mkdirSync(join(tmp, 'sniff'), { recursive: true });
    const noExt = join(tmp, 'sniff', 'README');
    writeFileSync(noExt, 'Just text.');
    await expect(importFile(noExt)).resolves.toMatchObject({ type: 'txt', text: 'Just text.', title: 'README' });
    await expect(importBuffer(readFileSync(fx('document.pdf')), 'download')).resolves.toMatchObject({ type: 'pdf' });
    await expect(importBuffer(Buffer.from('<!DOCTYPE html><p>Hi there.</p>'), 'page')).resolves.toMatchObject({ type: 'html', text: 'Hi there.' });
  });
});
