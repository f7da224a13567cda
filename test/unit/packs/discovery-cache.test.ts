/** The service's pack discovery is read once and reused until a search folder, a pack folder or a pack.json changes. */
import { utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PackRegistry } from '../../../main/api/packs.js';
import { DEFAULT_SETTINGS } from '../../../main/api/settings.js';
import { openStore } from '../../../main/store/index.js';
import { cleanup, copyPack, editJson } from './helpers.js';

afterAll(cleanup);

describe('PackRegistry.discovered', () => {
  it('reuses the last discovery until a pack.json changes, then reads the packs again', () => {
    const sonar = copyPack('sonar');
    const folder = dirname(sonar);
    const store = openStore(':memory:');
    try {
      const reg = new PackRegistry({ dbPath: ':memory:', packDirs: [folder] }, store, () => DEFAULT_SETTINGS);
      const first = reg.discovered();
      expect(first.map((d) => d.pack?.json.name)).toEqual(['random-sonar']);
      expect(reg.discovered()).toBe(first); // nothing changed: the same result, no manifest read
      editJson(sonar, (j) => { j.name = 'renamed-sonar'; });
      const later = new Date(Date.now() + 5_000);
      utimesSync(join(sonar, 'pack.json'), later, later); // a different mtime even on coarse file-system clocks
      const second = reg.discovered();
      expect(second).not.toBe(first);
      expect(second.map((d) => d.pack?.json.name)).toEqual(['renamed-sonar']);
    } finally {
      store.close();
    }
  });
});
