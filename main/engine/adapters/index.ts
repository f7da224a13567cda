/** Port implementations: the tasks' ConceptEncoder/Decoder (SONAR in the worker), ConceptCache (store), ConceptGenerator (LCM). */
import { SONAR_HANDLERS } from '../sonar/client.js';
import { LCM_HANDLERS } from './lcm.js';

export * from './sonar.js';
export * from './cache.js';
export * from './lcm.js';

/** Every handler module the engine worker loads: SONAR models and LCM packs (sessions + generation loop). */
export const ENGINE_HANDLERS: readonly URL[] = [SONAR_HANDLERS, LCM_HANDLERS];
