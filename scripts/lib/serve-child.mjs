#!/usr/bin/env node
// A browser-mode API server in its own process (no renderer), for measurements and tests that must not share an event
// loop with their client: `node scripts/lib/serve-child.mjs DB_PATH [--inline]` prints {"url", "token"} as one JSON
// line on stdout once it listens, and stops on SIGTERM or when stdin closes.
import { register } from 'tsx/esm/api';

register();
const [dbPath] = process.argv.slice(2);
const inline = process.argv.includes('--inline');
const { createService } = await import(new URL('../../main/api/service.ts', import.meta.url).href);
const { createServer } = await import(new URL('../../main/server.ts', import.meta.url).href);
const svc = await createService({ dbPath, packDirs: [], ...(inline ? { inlineImportMaxBytes: Number.MAX_SAFE_INTEGER } : {}) });
const srv = await createServer({ api: svc, staticDir: null });
let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await srv.close();
  await svc.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop).resume();
process.stdout.write(`${JSON.stringify({ url: srv.url, token: srv.token })}\n`);
