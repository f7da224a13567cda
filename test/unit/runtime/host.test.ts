import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { threadId } from 'node:worker_threads';
import { EngineError, EngineHost } from '../../../main/engine/runtime/host.js';

const TEST_HANDLERS = new URL('./test-handlers.ts', import.meta.url);

describe('EngineHost (one worker thread)', () => {
  let host: EngineHost;
  beforeAll(async () => {
    host = await EngineHost.start({ handlerModules: [TEST_HANDLERS] });
  });
  afterAll(async () => {
    await host?.close();
  });

  it('runs a request in another thread and lists the methods', async () => {
    const r = await host.request<{ threadId: number }>('test.thread');
    expect(r.threadId).not.toBe(threadId);
    expect(r.threadId).toBe(host.threadId);
    expect(host.methods).toEqual(expect.arrayContaining(['ping', 'session.open', 'session.run', 'test.steps']));
  });

  it('delivers progress events before the result', async () => {
    const seen: number[] = [];
    const r = await host.request('test.steps', { steps: 4, ms: 1 }, { onProgress: (p) => seen.push(p.step) });
    expect(r).toEqual({ done: 4 });
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('cancels a running request between steps and keeps serving', async () => {
    const ctl = new AbortController();
    const seen: number[] = [];
    const p = host.request('test.steps', { steps: 1000, ms: 5 }, {
      signal: ctl.signal,
      onProgress: (d) => { seen.push(d.step); if (d.step === 2) ctl.abort(); },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    // the worker stops at its next check: a following request completes promptly
    const t0 = Date.now();
    await expect(host.request('test.steps', { steps: 1, ms: 0 })).resolves.toEqual({ done: 1 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(seen.length).toBeLessThan(10);
  });

  it('rejects at once when the signal is already aborted', async () => {
    await expect(host.request('test.steps', { steps: 1, ms: 0 }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a queued request cancelled before it starts never runs', async () => {
    const blocker = host.request('test.steps', { steps: 5, ms: 10 });
    const ctl = new AbortController();
    const seen: unknown[] = [];
    const queued = host.request('test.steps', { steps: 3, ms: 0 }, { signal: ctl.signal, onProgress: (d) => seen.push(d) });
    await new Promise((r) => setTimeout(r, 10)); // posted to the worker, waiting behind the blocker
    ctl.abort();
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
    await blocker;
    await host.request('ping');
    expect(seen).toEqual([]);
  });

  it('does not block the calling thread while the worker is busy', async () => {
    let ticks = 0;
    const iv = setInterval(() => ticks++, 10);
    await host.request('test.block', { ms: 400 });
    clearInterval(iv);
    expect(ticks).toBeGreaterThan(10);
  });

  it('reports an error thrown in the worker with its name, code and message', async () => {
    const err = (await host.request('test.throw', { message: 'bad thing' }).catch((e: unknown) => e)) as EngineError;
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ name: 'RangeError', code: 'TEST_CODE', message: 'bad thing' });
    expect(err.workerStack).toContain('test-handlers');
    await expect(host.request('ping')).resolves.toMatchObject({ pong: true });
  });

  it('an unknown method is an error, not a hang', async () => {
    await expect(host.request('nope')).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
  });

  it('a dying worker rejects its pending requests and the next request starts a new one', async () => {
    const before = host.threadId;
    await expect(host.request('test.exit')).rejects.toMatchObject({ code: 'ENGINE_CRASHED' });
    await expect(host.request('ping')).resolves.toMatchObject({ pong: true });
    expect(host.threadId).not.toBe(before);
  });

  it('a handler module that fails to load is reported at start', async () => {
    await expect(EngineHost.start({ handlerModules: [new URL('./no-such-module.ts', import.meta.url)] })).rejects.toBeInstanceOf(Error);
  });
});

describe('RemoteSession (a graph in the worker, driven from the calling thread)', () => {
  it('runs the random Base-LCM graph with the PyTorch outputs', async () => {
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const { f32 } = await import('../../../main/engine/runtime/tensors.js');
    const root = fileURLToPath(new URL('../../fixtures/random/', import.meta.url));
    const fx = JSON.parse(readFileSync(root + 'fixtures.json', 'utf8')).lcm;
    const host = await EngineHost.start();
    try {
      const s = await host.openSession('base', root + 'base-lcm/base_lcm.onnx', { provider: 'cpu', threads: 1 });
      expect(s.info.report.used).toBe('cpu');
      expect(s.inputNames).toEqual(['concepts']);
      const [l, d] = fx.shape as [number, number];
      const out = await s.run({ concepts: f32(Float32Array.from(fx.base.normalized_input), [1, l, d]) });
      expect(out.next.dims).toEqual([1, l, d]);
      const got = out.next.data as Float32Array;
      let worst = 0;
      (fx.base.next as number[]).forEach((v, i) => { worst = Math.max(worst, Math.abs(v - got[i])); });
      expect(worst).toBeLessThanOrEqual(1e-4);
      await s.release();
      await expect(s.run({})).rejects.toMatchObject({ code: 'SESSION_CLOSED' });
      await expect(host.openSession('bad', root + 'base-lcm/pack.json')).rejects.toMatchObject({ code: 'PACK_GRAPH_INVALID', name: 'PackError' });
    } finally {
      await host.close();
    }
  });
});
