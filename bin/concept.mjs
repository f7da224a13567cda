#!/usr/bin/env node
// `concept` command: runs main/cli.ts through tsx (no build step), so `npx concept ...` works after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../main/cli.ts', import.meta.url).href);
process.exitCode = await main();
// the engine worker and stdin may keep the loop alive: leave once stdout is flushed
process.stdout.write('', () => process.exit(process.exitCode));
