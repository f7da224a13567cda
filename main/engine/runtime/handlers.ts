/**
 * Handlers every engine worker has: runtime info, generic ONNX sessions (open / run / close: what the LCM code uses
 * through RemoteSession) and pack verification with progress. Model-specific handlers (SONAR encode/decode) live with
 * their models and are loaded as handler modules.
 */
import { loadPack, verifyPack } from '../packs/load.js';
import { threadId } from 'node:worker_threads';
import type { Handlers } from './protocol.js';
import { availableProviders, createSession, type ProviderReport, type SessionConfig } from './session.js';
import { fromWire, toWire, type WireTensor } from './tensors.js';
import type * as ort from 'onnxruntime-node';

export interface OpenedSessionInfo {
  key: string;
  inputNames: string[];
  outputNames: string[];
  inputMetadata: ort.InferenceSession.ValueMetadata[];
  outputMetadata: ort.InferenceSession.ValueMetadata[];
  report: ProviderReport;
}

const SESSIONS = 'runtime.sessions';

function sessions(state: Map<string, unknown>): Map<string, ort.InferenceSession> {
  let m = state.get(SESSIONS) as Map<string, ort.InferenceSession> | undefined;
  if (!m) {
    m = new Map();
    state.set(SESSIONS, m);
  }
  return m;
}

export const builtinHandlers: Handlers = {
  ping: () => ({ pong: true, threadId }),

  'runtime.providers': () => ({ available: availableProviders() }),

  'session.open': async (p: { key: string; path: string; config?: SessionConfig }, ctx): Promise<OpenedSessionInfo> => {
    const m = sessions(ctx.state);
    const old = m.get(p.key);
    if (old) {
      m.delete(p.key);
      await old.release();
    }
    const { session, report } = await createSession(p.path, p.config ?? {});
    m.set(p.key, session);
    return {
      key: p.key,
      inputNames: [...session.inputNames],
      outputNames: [...session.outputNames],
      inputMetadata: [...session.inputMetadata],
      outputMetadata: [...session.outputMetadata],
      report,
    };
  },

  'session.run': async (p: { key: string; feeds: Record<string, WireTensor> }, ctx): Promise<Record<string, WireTensor>> => {
    const s = sessions(ctx.state).get(p.key);
    if (!s) throw Object.assign(new Error(`no open session '${p.key}'`), { code: 'SESSION_CLOSED' });
    const feeds: Record<string, ort.Tensor> = {};
    for (const [k, w] of Object.entries(p.feeds)) feeds[k] = fromWire(w);
    const out = await s.run(feeds);
    const res: Record<string, WireTensor> = {};
    for (const [k, t] of Object.entries(out)) res[k] = toWire(t as ort.Tensor);
    return res;
  },

  'session.close': async (p: { key: string }, ctx) => {
    const m = sessions(ctx.state);
    const s = m.get(p.key);
    m.delete(p.key);
    await s?.release();
    return { closed: !!s };
  },

  'pack.verify': async (p: { dir: string }, ctx) => {
    const pack = loadPack(p.dir);
    return verifyPack(pack, { signal: ctx.signal, onProgress: (pr) => ctx.progress(pr) });
  },
};
