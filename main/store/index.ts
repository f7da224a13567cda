/** The SQLite store: one file, WAL, foreign keys, versioned migrations, typed repositories and typed errors. */
export { openStore, DEFAULT_BUSY_TIMEOUT_MS, type Store, type OpenStoreOptions } from './db.js';
export { MIGRATIONS, LATEST_VERSION, migrate, currentVersion, type Migration } from './migrations.js';
export * from './errors.js';
export { sha256Hex } from './context.js';
export type { DocumentsRepo, DocumentRecord, DocumentSummary, NewDocument, InsertDocumentResult, ListDocumentsOptions } from './documents.js';
export type { SentencesRepo, SentenceRecord, NewSentence } from './sentences.js';
export { conceptHash, vectorToBlob, blobToVector } from './concepts.js';
export type { ConceptsRepo, ConceptEntries, ConceptSpaceInfo } from './concepts.js';
export type { RunsRepo, RunRecord, NewRun, FinishRun, RunStatus, RunError } from './runs.js';
export type { SettingsRepo } from './settings.js';
