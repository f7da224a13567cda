import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  getLanguage, resolveSonarCode, SONAR_CODES, SONAR_LANGUAGES, toBcp47, toSonarCode, UnknownLanguageError,
} from '../../../main/engine/text/languages.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('SONAR language table', () => {
  it('has the 202 codes of models/sonar-languages.tsv in token-id order', () => {
    const tsv = readFileSync(path.join(repoRoot, 'models', 'sonar-languages.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
    expect(SONAR_CODES).toEqual(tsv.map((r) => r[0]));
    expect(SONAR_LANGUAGES.map((l) => l.english)).toEqual(tsv.map((r) => r[1]));
    expect(SONAR_LANGUAGES.every((l, i) => l.index === i)).toBe(true);
  });

  it('gives script, direction and an autonym for every language', () => {
    for (const l of SONAR_LANGUAGES) {
      expect(l.code).toBe(`${l.iso3}_${l.script}`);
      expect(l.autonym.length).toBeGreaterThan(0);
    }
    expect(getLanguage('arb_Arab')).toMatchObject({ direction: 'rtl', autonym: 'العربية' });
    expect(getLanguage('heb_Hebr').direction).toBe('rtl');
    expect(getLanguage('fra_Latn')).toMatchObject({ direction: 'ltr', autonym: 'français', script: 'Latn' });
    expect(getLanguage('zho_Hant').autonym).toBe('繁體中文');
    expect(SONAR_LANGUAGES.filter((l) => l.direction === 'rtl').every((l) => ['Arab', 'Hebr', 'Thaa', 'Syrc', 'Nkoo', 'Adlm'].includes(l.script))).toBe(true);
  });

  it.each([
    ['fr', 'fra_Latn'], ['fra', 'fra_Latn'], ['fr-FR', 'fra_Latn'], ['zh', 'zho_Hans'], ['zh-Hans', 'zho_Hans'],
    ['zh-CN', 'zho_Hans'], ['zh-Hant', 'zho_Hant'], ['zh-TW', 'zho_Hant'], ['zh-HK', 'zho_Hant'], ['ar', 'arb_Arab'],
    ['ara', 'arb_Arab'], ['fa', 'pes_Arab'], ['fa-AF', 'prs_Arab'], ['ms', 'zsm_Latn'], ['uz', 'uzn_Latn'],
    ['sw', 'swh_Latn'], ['sr-Cyrl', 'srp_Cyrl'], ['eng_Latn', 'eng_Latn'], ['ENG_LATN', 'eng_Latn'], ['en_US', 'eng_Latn'],
    ['no', 'nob_Latn'], ['fil', 'tgl_Latn'], ['cmn', 'zho_Hans'], ['ku', 'kmr_Latn'], ['lv', 'lvs_Latn'],
  ])('maps %s to %s', (tag, code) => {
    expect(toSonarCode(tag)).toBe(code);
  });

  it('gives BCP-47 tags Intl accepts', () => {
    expect(toBcp47('fra_Latn')).toBe('fr');
    expect(toBcp47('zho_Hant')).toBe('zh-Hant');
    expect(toBcp47('srp_Cyrl')).toBe('sr-Cyrl');
    for (const l of SONAR_LANGUAGES) expect(() => Intl.getCanonicalLocales(l.bcp47), l.code).not.toThrow();
  });

  it('round-trips every code through its BCP-47 tag', () => {
    for (const l of SONAR_LANGUAGES) {
      const back = resolveSonarCode(l.bcp47);
      if (back !== null) expect(back, l.code).toBe(l.code);
    }
  });

  it('rejects unknown codes with close suggestions', () => {
    expect(resolveSonarCode('xx')).toBeNull();
    expect(() => toSonarCode('klingon')).toThrow(UnknownLanguageError);
    try {
      toSonarCode('fra_Cyrl');
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownLanguageError);
      expect((e as UnknownLanguageError).suggestions).toContain('fra_Latn');
      expect((e as Error).message).toMatch(/Unknown language "fra_Cyrl".*fra_Latn/s);
    }
    try {
      toSonarCode('French');
    } catch (e) {
      expect((e as UnknownLanguageError).suggestions[0]).toBe('fra_Latn');
    }
  });
});
