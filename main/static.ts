/**
 * What both ways of showing the renderer share — the HTTP server of browser mode (main/server.ts) and Electron's
 * app:// protocol (main/electron/main.ts): the Content-Security-Policy, the MIME types, and the mapping of a URL path
 * to a file inside the renderer's folder (never outside it). One module, so the two front doors cannot drift apart.
 */
import { extname, resolve, sep } from 'node:path';

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentType(file: string): string {
  return MIME[extname(file)] ?? 'application/octet-stream';
}

export type StaticPath = { file: string; rel: string } | { status: 400 | 403; message: string };

/**
 * The file under `root` that the URL path `pathname` names (a path ending in '/' names its index.html), or the HTTP
 * status refusing it: 400 for a path that does not decode, 403 for one that leaves `root` (`..`, encoded or not).
 */
export function staticPath(root: string, pathname: string): StaticPath {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return { status: 400, message: 'Bad path.' };
  }
  const rootAbs = resolve(root);
  const file = resolve(rootAbs, '.' + (rel.endsWith('/') ? rel + 'index.html' : rel));
  if (file !== rootAbs && !file.startsWith(rootAbs + sep)) return { status: 403, message: 'Outside the app.' };
  return { file, rel };
}
