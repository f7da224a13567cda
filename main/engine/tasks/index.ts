/** Tasks in concept space: summarize, expand, translate, continue; attribution, concept map, re-decoding. */
export * from './ports.js';
export * from './errors.js';
export * from './cache.js';
export * from './extractive.js';
export * from './attribution.js';
export * from './pca.js';
export * from './output.js';
export * from './common.js';
export * from './generative.js';
export * from './summarize.js';
export * from './expand.js';
export * from './continue.js';
export * from './translate.js';
export * from './fidelity.js';
export * from './method.js';
export * from './degenerate.js';
export { cosine, countWords } from './vec.js';
