/**
 * The outside test material these suites read: copies under test/fixtures/shared/ (segmentation suites, UDHR Article 1,
 * Tatoeba sample — see test/fixtures/shared/README.md), so the tests never depend on a folder outside the repository.
 * CONCEPT_SHARED_DATA points them at another copy of ../shared/data.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SHARED_DATA = process.env.CONCEPT_SHARED_DATA ?? path.resolve(repoRoot, 'test', 'fixtures', 'shared');
export const sharedPath = (...parts: string[]) => path.join(SHARED_DATA, ...parts);
