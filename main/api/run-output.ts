/**
 * How a run is stored and shown: the output record (sentences, output concepts, provenance) and its API views,
 * RunSummary for the history and RunResult for one run.
 */
import type { Origin } from '../engine/tasks/index.js';
import type { RunRecord } from '../store/runs.js';
import type { LangCode, MethodChoice, RunFidelity, RunRequest, RunResult, RunSummary, StopInfo, TaskKind } from './contract.js';
import { iso } from './documents.js';

export interface StoredOutput {
  version: 1;
  task: TaskKind;
  method: 'lcm' | 'extractive';
  targetLang: LangCode;
  sentences: RunResult['sentences'];
  /** output concepts, base64 little-endian float32 */
  concepts: string[];
  dim: number;
  space: string;
  origins: (Origin | null)[];
  selected?: number[];
  stopReason?: string;
  cache: { hits: number; misses: number };
  sourceLang: LangCode;
  fidelity?: RunFidelity;
  stop?: StopInfo;
  methodChoice?: MethodChoice;
  quality?: Record<string, string>;
}

export function vecToB64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}
export function b64ToVec(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function toRunSummary(r: RunRecord): RunSummary {
  const out = r.output as StoredOutput | null;
  const params = (r.parameters ?? {}) as RunRequest;
  const first = out?.sentences?.map((s) => s.text).join(' ') ?? '';
  return {
    id: r.id,
    documentId: r.documentId ?? params.documentId,
    task: (out?.task ?? r.task) as TaskKind,
    targetLang: out?.targetLang ?? params.targetLang,
    method: out?.method ?? (params.method === 'lcm' ? 'lcm' : 'extractive'),
    createdAt: iso(r.createdAt),
    status: r.status === 'done' || r.status === 'cancelled' ? r.status : 'failed',
    preview: first.length > 160 ? `${first.slice(0, 157)}…` : first,
  };
}
export function toRunResult(r: RunRecord): RunResult {
  const out = r.output as StoredOutput | null;
  return {
    ...toRunSummary(r),
    sentences: out?.sentences ?? [],
    timings: r.timings ?? {},
    cache: out?.cache ?? { hits: 0, misses: 0 },
    packs: r.packVersions ?? {},
    parameters: (r.parameters ?? {}) as RunRequest,
    ...(out?.fidelity ? { fidelity: out.fidelity } : {}),
    ...(out?.stop ? { stop: out.stop } : {}),
    ...(out?.methodChoice ? { methodChoice: out.methodChoice } : {}),
    ...(out?.quality ? { quality: out.quality } : {}),
  };
}

export function roundTimings(t: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [k, v] of Object.entries(t)) {
    out[k] = Math.round(v * 10) / 10;
    total += v;
  }
  out.total = Math.round(total * 10) / 10;
  return out;
}
