/**
 * bench/lib/graph-memory.mts (the full-size bench's one-graph memory probe, through `graphMemory`) on the bundled mini
 * pack: each graph opens alone, its weight bytes are that graph's file, and opening it grows the process.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { graphMemory } from '../../../bench/lib/full.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const PACK = join(ROOT, 'models', 'mini', 'sonar');

describe('graph-memory probe', () => {
  it('opens the encoder and the decoder each alone and runs them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'graph-memory-'));
    try {
      const sentences = join(dir, 'sentences.json');
      writeFileSync(sentences, JSON.stringify(['A short sentence.', 'The river runs past the old mill.']));
      for (const g of ['encoder', 'decoder'] as const) {
        const m = graphMemory(ROOT, PACK, g, sentences, 1);
        expect(m.weightBytes, g).toBe(statSync(join(PACK, `${g}.onnx`)).size); // the mini pack's weights are inline
        expect(m.rssLoadedBytes, g).toBeGreaterThan(m.rssBeforeBytes);
        expect(m.peakRssBytes, g).toBeGreaterThanOrEqual(m.rssLoadedBytes);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
