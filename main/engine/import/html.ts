/**
 * HTML → plain text with paragraphs. Boilerplate is dropped: script, style, nav, header, footer, aside, forms,
 * hidden elements and ARIA navigation/banner/contentinfo/complementary landmarks. When the page has a <main> (or
 * else exactly one <article>), only that is kept. Block elements become paragraphs (separated by a blank line),
 * <br> a line break, list items and table rows their own paragraphs; whitespace collapses as a browser would,
 * except in <pre>. Entities are decoded by the parser (htmlparser2).
 */
import { parseDocument } from 'htmlparser2';
import type { ChildNode, Element } from 'domhandler';
import { clipTitle, collapseSpaces } from './text.js';

const SKIP = new Set([
  'script', 'style', 'noscript', 'template', 'nav', 'header', 'footer', 'aside', 'form', 'button', 'select',
  'option', 'textarea', 'input', 'svg', 'math', 'canvas', 'iframe', 'object', 'embed', 'video', 'audio', 'map',
  'head', 'dialog', 'menu',
]);
const SKIP_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'complementary', 'search', 'menu', 'menubar', 'dialog', 'alert']);
const BLOCK = new Set([
  'p', 'div', 'section', 'article', 'main', 'blockquote', 'pre', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol',
  'li', 'dl', 'dt', 'dd', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'caption', 'figure', 'figcaption', 'address',
  'details', 'summary', 'hr', 'body', 'html', 'center', 'fieldset', 'legend',
]);
const CELL = new Set(['td', 'th']);

function isElement(n: ChildNode): n is Element {
  return n.type === 'tag' || n.type === 'script' || n.type === 'style';
}

function skipped(el: Element): boolean {
  if (SKIP.has(el.name)) return true;
  const a = el.attribs;
  if ('hidden' in a || a['aria-hidden'] === 'true') return true;
  if (a.role && SKIP_ROLES.has(a.role.toLowerCase())) return true;
  if (a.style && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(a.style)) return true;
  return false;
}

function findAll(nodes: ChildNode[], pred: (el: Element) => boolean, out: Element[] = []): Element[] {
  for (const n of nodes) {
    if (!isElement(n)) continue;
    if (pred(n)) out.push(n);
    else findAll(n.children, pred, out);
  }
  return out;
}

function textOf(nodes: ChildNode[]): string {
  let s = '';
  for (const n of nodes) {
    if (n.type === 'text') s += n.data;
    else if (isElement(n) && !SKIP.has(n.name)) s += textOf(n.children);
  }
  return s;
}

export interface HtmlText {
  title: string | undefined;
  text: string;
}

/** The charset an HTML document declares in its first bytes (<meta charset> or http-equiv Content-Type). */
export function declaredCharset(head: string): string | undefined {
  const m = /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  return m?.[1];
}

export function htmlToText(html: string): HtmlText {
  const doc = parseDocument(html, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  const titleEl = findAll(doc.children, (el) => el.name === 'title')[0];
  let title: string | undefined = titleEl ? collapseSpaces(textOf(titleEl.children)).trim() : undefined;

  let roots: ChildNode[] = doc.children;
  const mains = findAll(doc.children, (el) => el.name === 'main' || el.attribs.role === 'main');
  const articles = findAll(doc.children, (el) => el.name === 'article');
  if (mains.length > 0) roots = mains;
  else if (articles.length === 1) roots = articles;

  if (!title) {
    const h1 = findAll(roots, (el) => el.name === 'h1')[0];
    if (h1) title = collapseSpaces(textOf(h1.children)).trim();
  }

  // Walk, emitting inline text into the current paragraph and closing paragraphs at block boundaries.
  const paragraphs: string[] = [];
  let current = '';
  const flush = () => {
    const p = current
      .split('\n')
      .map((l) => l.replace(/[ \t\u00A0]+/g, ' ').trim())
      .join('\n')
      .replace(/\n{2,}/g, '\n')
      .trim();
    if (p) paragraphs.push(p);
    current = '';
  };
  const walk = (nodes: ChildNode[], pre: boolean, inCell = false) => {
    for (const n of nodes) {
      if (n.type === 'text') {
        current += pre ? n.data.replace(/\n/g, '\u2028') : n.data.replace(/\s+/g, ' ');
        continue;
      }
      if (!isElement(n) || skipped(n)) continue;
      const name = n.name;
      if (name === 'br') {
        current += '\n';
        continue;
      }
      if (name === 'img') {
        continue; // alt text of images is not part of the prose
      }
      if (CELL.has(name)) {
        // A table row is one paragraph: cells (and the blocks inside them) are separated by spaces.
        walk(n.children, pre, true);
        current += ' \t ';
        continue;
      }
      const block = BLOCK.has(name);
      if (block && inCell) {
        current += ' ';
        walk(n.children, pre || name === 'pre', true);
        current += ' ';
        continue;
      }
      if (block) flush();
      walk(n.children, pre || name === 'pre', inCell);
      if (block) flush();
    }
  };
  walk(roots, false);
  flush();
  // Inside <pre>, source line breaks are kept as line breaks of the paragraph.
  const text = paragraphs
    .map((p) => p.replace(/[ ]*\t[ ]*/g, ' ').replace(/ +$/g, '').replace(/\u2028/g, '\n').trim())
    .filter(Boolean)
    .join('\n\n');
  return { title: title ? clipTitle(title) : undefined, text };
}
