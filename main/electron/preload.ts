/**
 * The only bridge between the sandboxed renderer and the app: one function per method of the typed API
 * (API_METHODS, nothing else) and an event subscription. ipcRenderer itself is never exposed.
 * Bundled to CommonJS by build.ts, as sandboxed preloads require.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_METHODS, type ApiEvent } from '../api/contract.js';
import { IPC_CALL, IPC_EVENT, type IpcReply } from './protocol.js';

const api: Record<string, unknown> = {};
for (const method of API_METHODS) {
  api[method] = async (...args: unknown[]) => {
    const reply = (await ipcRenderer.invoke(IPC_CALL, method, args)) as IpcReply;
    if (reply.ok) return reply.result;
    // A plain object survives the context bridge with its code; the renderer's client turns it into ApiError.
    throw { code: reply.error.code, message: reply.error.message };
  };
}
api.onEvent = (cb: (ev: ApiEvent) => void) => {
  if (typeof cb !== 'function') throw new TypeError('onEvent needs a function');
  const listener = (_e: IpcRendererEvent, ev: ApiEvent) => cb(ev);
  ipcRenderer.on(IPC_EVENT, listener);
  return () => {
    ipcRenderer.removeListener(IPC_EVENT, listener);
  };
};

contextBridge.exposeInMainWorld('conceptApi', Object.freeze(api));
