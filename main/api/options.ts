/**
 * How a service is opened (createService in service.ts): where its database and packs are, and engine overrides.
 * One definition for every front door: `npm start` (start.ts), the Electron shell (which sends it to its engine
 * process), the CLI and the tests.
 */
import { join } from 'node:path';
import type { Settings } from './contract.js';

export interface ServiceOptions {
  /** the SQLite file (created with its folder when missing) */
  dbPath: string;
  /** folders searched for packs: each a pack folder, or a folder of pack folders (searched in order) */
  packDirs?: string[];
  /** the bundled packs (models/mini); default: this checkout's, when packDirs is not given */
  bundledPackDir?: string;
  /** where importPack copies packs (and searched after packDirs); default: the userPackDir setting */
  userPackDir?: string | null;
  dataDir?: string;
  threads?: number;
  provider?: Settings['provider'];
  /** largest document text in UTF-8 bytes (default 20 MiB) */
  maxTextBytes?: number;
  /** decoder overrides for every run (tests: smaller beams and lengths; `rerank` overrides the pack's concept reranking) */
  decoding?: { beam?: number; greedy?: boolean; maxTokens?: number; rerank?: boolean };
  /** the SONAR graph templates (default: main/engine/packs/templates/sonar next to the sources; the packaged app's
   *  resources/templates/sonar) */
  sonarTemplatesDir?: string;
  /** documented sha256 by file name for getSonar when the request gives none (a private mirror's build; tests) */
  sonarSha256?: Record<string, string>;
  /** folder for onnxruntime's optimized graphs */
  optimizedCacheDir?: string;
  /** imports up to this many bytes are prepared on the calling thread, larger ones in a worker (measurements only) */
  inlineImportMaxBytes?: number;
}

/** The layout of an app data folder: the database file and the folder imported packs are copied into. */
export function dataDirOptions(
  dataDir: string,
  bundledPackDir: string,
): ServiceOptions & { dataDir: string; userPackDir: string; bundledPackDir: string } {
  return {
    dataDir,
    dbPath: join(dataDir, 'concept-studio.sqlite'),
    userPackDir: join(dataDir, 'models'),
    bundledPackDir,
  };
}
