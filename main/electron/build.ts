/**
 * Bundles the Electron side to out/electron/: main.mjs and engine-host.mjs (ESM, Node platform) and preload.cjs
 * (CommonJS, as sandboxed preloads require). Native and runtime-resolved packages stay external and are loaded
 * from node_modules (unpacked from the asar by electron-builder).
 *   npx tsx main/electron/build.ts [outDir]     (default out/electron)
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const OUT = resolve(process.argv[2] ?? resolve(ROOT, 'out/electron'));
const external = ['electron', 'onnxruntime-node', 'onnxruntime-common', 'better-sqlite3', 'sharp'];
const common = { bundle: true, platform: 'node' as const, target: 'node22', sourcemap: true, external, logLevel: 'warning' as const };
// ESM bundles that contain CommonJS dependencies need a require().
const banner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };

await Promise.all([
  build({ ...common, format: 'esm', banner, entryPoints: [resolve(ROOT, 'main/electron/main.ts')], outfile: resolve(OUT, 'main.mjs') }),
  build({ ...common, format: 'cjs', entryPoints: [resolve(ROOT, 'main/electron/preload.ts')], outfile: resolve(OUT, 'preload.cjs') }),
  build({ ...common, format: 'esm', banner, entryPoints: [resolve(ROOT, 'main/electron/engine-host.ts')], outfile: resolve(OUT, 'engine-host.mjs') }),
]);
// The engine runs ONNX in a worker thread. main/engine/runtime/host.ts starts it from `./worker.js` beside itself, and
// the worker imports its handler modules by URL (SONAR_HANDLERS = `./handlers.js` beside sonar/client.ts,
// LCM_HANDLERS = `./lcm-handlers.js` beside adapters/lcm.ts). Once
// bundled, "beside itself" means beside engine-host.mjs, so those entries are bundled there under the same names.
const workerEntries: [string, string][] = [
  ['main/engine/runtime/worker.ts', 'worker.js'],
  ['main/engine/sonar/handlers.ts', 'handlers.js'],
  ['main/engine/adapters/lcm-handlers.ts', 'lcm-handlers.js'],
  // the import thread (api/import-thread.ts starts `./import-worker.js` beside itself)
  ['main/api/import-worker.ts', 'import-worker.js'],
];
for (const [src, out] of workerEntries) {
  await build({ ...common, format: 'esm', banner, entryPoints: [resolve(ROOT, src)], outfile: resolve(OUT, out) });
}
console.log(`Electron bundles written to ${OUT}`);
