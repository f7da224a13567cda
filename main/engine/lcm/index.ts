/** Large Concept Model inference on vectors: normalizer, schedules, Base-LCM, Two-Tower sampler, generation loop. */
export * from './vec.js';
export * from './normalizer.js';
export * from './rng.js';
export * from './schedule.js';
export * from './runner.js';
export * from './model.js';
export * from './base.js';
export * from './diffusion.js';
export * from './generate.js';
export * from './pack.js';
