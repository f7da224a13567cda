import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// The renderer is a static bundle: served by main/server.ts (browser mode) and by the app:// protocol (Electron).
// `base: './'` keeps asset URLs relative so both work; no inline scripts, so the strict CSP (script-src 'self') holds.
export default defineConfig({
  root,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
  // Development with hot reload: run an API (e.g. `npx tsx test/e2e/fake-api.ts --port 8765`), then
  // `npx vite --config renderer/vite.config.ts` and open http://localhost:5173/#token=<the token it printed>.
  server: {
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    proxy: { '/api': { target: process.env.CONCEPT_API ?? 'http://127.0.0.1:8765', changeOrigin: true } },
  },
});
