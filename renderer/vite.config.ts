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
  server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] } },
});
