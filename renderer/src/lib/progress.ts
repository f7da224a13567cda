import type { ApiEvent, ProgressEvent, Stage } from '../../../main/api/contract.js';

export const STAGES: Stage[] = ['load', 'segment', 'encode', 'generate', 'decode', 'save'];

export interface StageState {
  stage: Stage;
  done: number;
  total: number;
  cacheHits: number;
  status: 'waiting' | 'active' | 'done';
  message?: string;
}

export function initialStages(): StageState[] {
  return STAGES.map((stage) => ({ stage, done: 0, total: 0, cacheHits: 0, status: 'waiting' }));
}

/** Applies one progress event; earlier stages are complete once a later one starts. */
export function applyProgress(stages: StageState[], ev: ProgressEvent): StageState[] {
  const at = STAGES.indexOf(ev.stage);
  return stages.map((s, i) => {
    if (i < at) return s.status === 'done' ? s : { ...s, status: 'done', done: s.total || 1, total: s.total || 1 };
    if (i > at) return s;
    const finished = ev.total > 0 && ev.done >= ev.total;
    return {
      ...s,
      done: ev.done,
      total: ev.total,
      cacheHits: ev.cacheHits ?? s.cacheHits,
      message: ev.message,
      status: finished ? 'done' : 'active',
    };
  });
}

/** Overall fraction 0..1 (each stage weighs the same). */
export function overall(stages: StageState[]): number {
  let sum = 0;
  for (const s of stages) sum += s.status === 'done' ? 1 : s.total > 0 ? s.done / s.total : 0;
  return sum / stages.length;
}

export function isFor(ev: ApiEvent, requestId: string | null): boolean {
  return requestId !== null && ev.requestId === requestId;
}
