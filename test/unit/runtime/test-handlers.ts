/** Handlers loaded into the engine worker by the host tests (proves handler modules load, too). */
import { threadId } from 'node:worker_threads';
import type { Handlers } from '../../../main/engine/runtime/protocol.js';
import { throwIfAborted } from '../../../main/engine/runtime/tensors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const handlers: Handlers = {
  'test.thread': () => ({ threadId }),
  'test.steps': async (p: { steps: number; ms: number }, ctx) => {
    for (let i = 0; i < p.steps; i++) {
      throwIfAborted(ctx.signal);
      ctx.progress({ step: i, of: p.steps });
      await sleep(p.ms);
    }
    return { done: p.steps };
  },
  /** Blocks the worker's thread like a long ORT run. */
  'test.block': (p: { ms: number }) => {
    const end = Date.now() + p.ms;
    let x = 0;
    while (Date.now() < end) x++;
    return { spins: x > 0 };
  },
  'test.throw': (p: { message: string }) => {
    throw Object.assign(new RangeError(p.message), { code: 'TEST_CODE' });
  },
  'test.exit': () => {
    process.exit(3);
  },
};
