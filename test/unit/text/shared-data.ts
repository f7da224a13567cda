/** Where ../shared/data lives (CONCEPT_SHARED_DATA overrides), for tests that read the outside suites at test time. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SHARED_DATA = process.env.CONCEPT_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');
export const sharedPath = (...parts: string[]) => path.join(SHARED_DATA, ...parts);
