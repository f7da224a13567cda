import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../main/api/contract.js';
import { markdown, plainText, safeFileName } from '../../../renderer/src/lib/exporting.js';
import { formatBytes } from '../../../renderer/src/lib/format.js';
import { recommendedSonarVariant } from '../../../renderer/src/lib/models.js';
import { layoutPoints } from '../../../renderer/src/lib/map.js';
import { applyProgress, initialStages, overall } from '../../../renderer/src/lib/progress.js';
import { visibleRange } from '../../../renderer/src/lib/virtual.js';

describe('run progress', () => {
  it('tracks each stage, cache hits, and completes earlier stages when a later one starts', () => {
    let s = initialStages();
    s = applyProgress(s, { type: 'progress', requestId: 'r', stage: 'encode', done: 3, total: 10, cacheHits: 2 });
    const enc = s.find((x) => x.stage === 'encode')!;
    expect(enc).toMatchObject({ status: 'active', done: 3, total: 10, cacheHits: 2 });
    expect(s.find((x) => x.stage === 'segment')!.status).toBe('done');
    expect(s.find((x) => x.stage === 'decode')!.status).toBe('waiting');
    s = applyProgress(s, { type: 'progress', requestId: 'r', stage: 'encode', done: 10, total: 10 });
    expect(s.find((x) => x.stage === 'encode')!).toMatchObject({ status: 'done', cacheHits: 2 });
    expect(overall(s)).toBeCloseTo(3 / 6);
  });
});

describe('virtual list range', () => {
  it('renders only the rows in view plus overscan and keeps the scroll height', () => {
    const r = visibleRange(10_000, () => 20, 2_000, 400, 5);
    expect(r.start).toBe(95);
    expect(r.end).toBe(125);
    expect(r.before + (r.end - r.start) * 20 + r.after).toBe(200_000);
    const top = visibleRange(3, () => 20, 0, 400, 5);
    expect(top).toEqual({ start: 0, end: 3, before: 0, after: 0 });
  });

  it('handles variable heights', () => {
    const h = (i: number) => (i % 2 ? 50 : 10);
    const r = visibleRange(100, h, 600, 120, 0);
    expect(r.before).toBeLessThanOrEqual(600);
    expect(r.before + h(r.start)).toBeGreaterThan(600);
  });
});

describe('concept map layout', () => {
  it('fits points into the box with a margin, keeping the aspect ratio and flipping y', () => {
    const pts = layoutPoints(
      [
        { x: -1, y: -1, kind: 'source', index: 0, text: 'a' },
        { x: 1, y: 1, kind: 'output', index: 0, text: 'b' },
      ],
      200, 100, 10,
    );
    expect(pts[0]).toMatchObject({ px: 60, py: 90 });
    expect(pts[1]).toMatchObject({ px: 140, py: 10 });
    expect(layoutPoints([], 10, 10)).toEqual([]);
  });
});

describe('export', () => {
  const run = {
    id: 1, documentId: 1, task: 'summarize', targetLang: 'fra_Latn', method: 'lcm', createdAt: '2026-01-02T03:04:05Z',
    status: 'done', preview: '', timings: {}, cache: { hits: 0, misses: 0 }, packs: {},
    parameters: { documentId: 1, task: 'summarize', targetLang: 'fra_Latn' },
    sentences: [{ index: 0, text: 'Un.', attribution: [] }, { index: 1, text: 'Deux.', attribution: [] }],
  } as RunResult;
  it('writes Markdown and plain text', () => {
    expect(markdown(run, { title: 'Doc' }, 'French')).toBe('# Doc\n\n*summarize · French (fra_Latn) · lcm · 2026-01-02*\n\n- Un.\n- Deux.\n');
    expect(plainText(run.sentences)).toBe('Un. Deux.\n');
    expect(safeFileName('a/b:c?')).toBe('a_b_c_');
  });
  it('formats sizes', () => {
    expect(formatBytes(512, 'en')).toBe('512 B');
    expect(formatBytes(31_457_280, 'en')).toBe('30 MB');
    expect(formatBytes(1536, 'en')).toBe('1.5 kB');
  });
});

describe('recommendedSonarVariant', () => {
  it('preselects int8 on the CPU, fp32 on a GPU, and nothing while the runtime is unknown', () => {
    expect(recommendedSonarVariant('cpu')).toBe('int8');
    for (const p of ['cuda', 'dml', 'webgpu', 'coreml']) expect(recommendedSonarVariant(p)).toBe('fp32');
    expect(recommendedSonarVariant(null)).toBeNull();
    expect(recommendedSonarVariant('')).toBeNull();
  });
});
