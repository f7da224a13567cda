/** Language names in the interface language (Intl.DisplayNames), with the English name as the fallback. */
import { describe, expect, it } from 'vitest';
import { displayName } from '../../../renderer/src/lib/languages.js';

describe('displayName', () => {
  it('names a SONAR language in the interface language', () => {
    expect(displayName('fra_Latn', 'fr')).toBe('français');
    expect(displayName('deu_Latn', 'en')).toBe('German');
    expect(displayName('eng_Latn', 'de')).toBe('Englisch');
    expect(displayName('zho_Hans', 'en', true)).toBe('Simplified Chinese');
    expect(displayName('srp_Cyrl', 'fr', true)).toBe('serbe (cyrillique)');
  });

  it('is undefined for a language the runtime does not know (the caller falls back)', () => {
    expect(displayName('xyz_Latn', 'en')).toBeUndefined();
    expect(displayName('', 'en')).toBeUndefined();
  });
});
