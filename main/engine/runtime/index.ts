export * from './session.js';
export * from './tensors.js';
export * from './protocol.js';
export { EngineError, EngineHost, RemoteSession, type EngineHostOptions, type RequestOptions } from './host.js';
export type { OpenedSessionInfo } from './handlers.js';
