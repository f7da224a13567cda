/** Text clean-up shared by the importers: line endings, NFC, stray control characters, blank-line paragraphs. */

// C0 controls except \t \n \f (\r is handled by the line-ending pass), DEL, C1 controls.
const CONTROL = /[\u0000-\u0008\u000B\u000E-\u001F\u007F-\u009F]/g;

/**
 * Normalize extracted text: \r\n and \r → \n, form feeds → paragraph breaks, NFC, control characters and
 * zero-width no-break spaces (BOMs) removed, trailing spaces trimmed, at most one blank line between paragraphs.
 */
export function normalizeText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\f/g, '\n\n')
    .replace(/\uFEFF/g, '')
    .replace(CONTROL, '')
    .normalize('NFC')
    .replace(/[ \t\u00A0]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\s+$/g, '');
}

/** Collapse runs of whitespace (not newlines' meaning: everything becomes one space). */
export function collapseSpaces(text: string): string {
  return text.replace(/[\s\u00A0]+/g, ' ');
}

/** A title from a file name: the name without folder and extension. */
export function titleFromName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return stem.trim() || 'Untitled';
}

/** Clip a title to a readable length on a word boundary. */
export function clipTitle(title: string, max = 120): string {
  const t = collapseSpaces(title).trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return (space > max / 2 ? cut.slice(0, space) : cut) + '…';
}
