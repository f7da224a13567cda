/**
 * Markdown → plain text with paragraphs, through marked's lexer (CommonMark + GFM): headings, paragraphs, list items,
 * block quotes and table rows become paragraphs; emphasis, links, images, inline code and HTML tags are reduced to
 * their text; code blocks are kept as their own paragraphs; front matter, link definitions and rules are dropped.
 */
import { Lexer, type Token, type Tokens } from 'marked';
import { htmlToText } from './html.js';
import { clipTitle } from './text.js';

export interface MarkdownText {
  title: string | undefined;
  text: string;
}

function inline(tokens: Token[] | undefined): string {
  if (!tokens) return '';
  let s = '';
  for (const t of tokens) {
    switch (t.type) {
      case 'text': // a soft line break inside a paragraph is a space
        s += (t as Tokens.Text).tokens ? inline((t as Tokens.Text).tokens) : unescapeText(t.text).replace(/\n/g, ' ');
        break;
      case 'escape':
        s += (t as Tokens.Escape).text;
        break;
      case 'codespan':
        s += unescapeText((t as Tokens.Codespan).text);
        break;
      case 'br':
        s += '\n';
        break;
      case 'image': // alt text is not part of the prose (as in the HTML importer)
        break;
      case 'html':
        s += htmlToText((t as Tokens.HTML).text).text;
        break;
      case 'link':
      case 'strong':
      case 'em':
      case 'del':
        s += inline((t as Tokens.Link).tokens);
        break;
      default:
        s += 'tokens' in t && Array.isArray(t.tokens) ? inline(t.tokens as Token[]) : (t as { text?: string }).text ?? '';
    }
  }
  return s;
}

/** marked keeps HTML entities of the source escaped in `text`; turn the common ones back. */
function unescapeText(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function blocks(tokens: Token[], out: string[]): void {
  for (const t of tokens) {
    switch (t.type) {
      case 'heading':
      case 'paragraph':
        out.push(inline((t as Tokens.Paragraph).tokens));
        break;
      case 'text': // loose text inside list items
        out.push((t as Tokens.Text).tokens ? inline((t as Tokens.Text).tokens) : unescapeText(t.text));
        break;
      case 'code':
        out.push((t as Tokens.Code).text);
        break;
      case 'blockquote':
        blocks((t as Tokens.Blockquote).tokens, out);
        break;
      case 'list':
        for (const item of (t as Tokens.List).items) blocks(item.tokens, out);
        break;
      case 'table': {
        const tb = t as Tokens.Table;
        out.push(tb.header.map((c) => inline(c.tokens)).join(' '));
        for (const row of tb.rows) out.push(row.map((c) => inline(c.tokens)).join(' '));
        break;
      }
      case 'html':
        out.push(htmlToText((t as Tokens.HTML).text).text);
        break;
      case 'space':
      case 'hr':
      case 'def':
        break;
      default:
        if ('tokens' in t && Array.isArray(t.tokens)) blocks(t.tokens as Token[], out);
        else if (typeof (t as { text?: unknown }).text === 'string') out.push((t as { text: string }).text);
    }
  }
}

export function markdownToText(md: string): MarkdownText {
  // YAML / TOML front matter.
  let title: string | undefined;
  const fm = /^(---|\+\+\+)\r?\n([\s\S]*?)\r?\n\1\r?\n/.exec(md);
  if (fm) {
    const t = /^title\s*[:=]\s*["']?(.+?)["']?\s*$/m.exec(fm[2]!);
    if (t) title = t[1];
    md = md.slice(fm[0].length);
  }
  const tokens = new Lexer({ gfm: true }).lex(md);
  if (!title) {
    const h = tokens.find((t): t is Tokens.Heading => t.type === 'heading' && (t as Tokens.Heading).depth === 1) ??
      tokens.find((t): t is Tokens.Heading => t.type === 'heading');
    if (h) title = inline(h.tokens).trim();
  }
  const out: string[] = [];
  blocks(tokens, out);
  const text = out
    .map((p) => p.split('\n').map((l) => l.replace(/[ \t]+/g, ' ').trim()).filter(Boolean).join('\n'))
    .filter(Boolean)
    .join('\n\n');
  return { title: title ? clipTitle(title) : undefined, text };
}
