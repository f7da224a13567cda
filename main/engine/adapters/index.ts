/** Port implementations: the tasks' ConceptEncoder/Decoder (SONAR in the worker), ConceptCache (store), ConceptGenerator (LCM). */
export * from './sonar.js';
export * from './cache.js';
export * from './lcm.js';
