#!/usr/bin/env node
// Builds the renderer once at install time, so the first `npm start` serves the app at once instead of spending
// 5-8 s in `vite build` (main/start.ts still rebuilds when renderer sources are newer than renderer/dist).
// A failed build never fails the install: `npm start` retries it and reports the error there.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (process.env.CONCEPT_SKIP_RENDERER_BUILD || !existsSync(vite)) process.exit(0); // e.g. a production-only install
const t0 = Date.now();
const r = spawnSync(process.execPath, [vite, 'build', '--config', join(root, 'renderer', 'vite.config.ts'), '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
if (r.status === 0) console.log(`concept-studio: renderer built in ${((Date.now() - t0) / 1000).toFixed(1)} s (renderer/dist)`);
else console.warn('concept-studio: the renderer build failed; `npm start` will try again and show the error.');
