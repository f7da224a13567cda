/** Golden vector files (engine/selftest/golden.ts): found in the pack folder first, checked against the pack's space and dimension. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findGolden, parseGolden, PACK_GOLDEN_FILE } from '../../../main/engine/selftest/golden.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-golden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (o: Record<string, unknown> = {}) => JSON.stringify({ format: 1, space: 's1', source: 'test', vectors: [{ lang: 'eng_Latn', text: 'Hi.', embedding: [1, 2, 3] }], ...o });

describe('golden vectors', () => {
  it('parses a valid file into float32 vectors', () => {
    const g = parseGolden('g.json', file(), 's1', 3);
    expect(g.vectors[0].vector).toEqual(Float32Array.from([1, 2, 3]));
    expect(g.source).toBe('test');
  });

  it('refuses another space, another dimension, non-numbers and non-JSON, naming the file and entry', () => {
    expect(() => parseGolden('g.json', file({ space: 'other' }), 's1', 3)).toThrow(/g\.json: golden vectors of the space "other"/);
    expect(() => parseGolden('g.json', file(), 's1', 4)).toThrow(/vectors\[0\]\.embedding must be 4 finite numbers/);
    expect(() => parseGolden('g.json', file({ vectors: [{ lang: 'eng_Latn', text: 'x', embedding: [1, 'a', 3] }] }), 's1', 3)).toThrow(/vectors\[0\]/);
    expect(() => parseGolden('g.json', '{', 's1', 3)).toThrow(/not JSON/);
    expect(() => parseGolden('g.json', file({ format: 2 }), 's1', 3)).toThrow(/"format" must be 1/);
  });

  it('the pack folder\'s file wins over the committed one of its space; none → null', () => {
    const pack = join(dir, 'pack');
    const committed = join(dir, 'golden');
    mkdirSync(pack);
    mkdirSync(committed);
    expect(findGolden(pack, 's1', 3, committed)).toBeNull();
    writeFileSync(join(committed, 's1.json'), file({ source: 'committed' }));
    expect(findGolden(pack, 's1', 3, committed)?.source).toBe('committed');
    writeFileSync(join(pack, PACK_GOLDEN_FILE), file({ source: 'pack' }));
    expect(findGolden(pack, 's1', 3, committed)?.source).toBe('pack');
  });
});
