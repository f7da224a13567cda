export * from './encoder.js';
export * from './decoder.js';
export * from './beam.js';
export * from './model.js';
export * from './client.js';
export type { SonarOpenResult } from './handlers.js';
export { SonarTokenizer, UnknownLanguageError } from './tokenizer.js';
export * from './ports.js';
export * from './rerank.js';
