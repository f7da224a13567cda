/** Messages between Electron's main process and the engine's utilityProcess (structured-clone JSON). */
import type { ApiEvent } from '../api/contract.js';
import type { ServiceOptions } from '../api/options.js';

export type ToEngine =
  | { type: 'init'; options: ServiceOptions }
  | { type: 'call'; id: number; method: string; args: unknown[] };

export type FromEngine =
  | { type: 'ready' }
  | { type: 'init-failed'; error: { code: string; message: string } }
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: { code: string; message: string } }
  | { type: 'event'; event: ApiEvent };

/** What ipcMain.handle returns to the preload: errors travel as data, so their code survives IPC. */
export type IpcReply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

export const IPC_CALL = 'concept:call';
export const IPC_EVENT = 'concept:event';
export const APP_ORIGIN = 'app://concept';
