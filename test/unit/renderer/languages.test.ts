import { describe, expect, it } from 'vitest';
import type { LanguageInfo } from '../../../main/api/contract.js';
import { filterLanguages, fold, pushRecent } from '../../../renderer/src/lib/languages.js';

const L = (code: string, english: string, native: string): LanguageInfo => ({
  code, english, native, script: code.split('_')[1], direction: code.endsWith('Arab') ? 'rtl' : 'ltr', trained: true,
});
const ALL = [
  L('eng_Latn', 'English', 'English'),
  L('fra_Latn', 'French', 'Français'),
  L('deu_Latn', 'German', 'Deutsch'),
  L('arb_Arab', 'Modern Standard Arabic', 'العربية'),
  L('zho_Hans', 'Chinese (Simplified)', '中文（简体）'),
  L('zho_Hant', 'Chinese (Traditional)', '中文（繁體）'),
  L('jpn_Jpan', 'Japanese', '日本語'),
  L('fur_Latn', 'Friulian', 'furlan'),
];
const codes = (xs: LanguageInfo[]) => xs.map((x) => x.code);

describe('language picker filtering', () => {
  it('puts recent languages first, then the rest alphabetically, when the query is empty', () => {
    const r = codes(filterLanguages(ALL, '', ['jpn_Jpan', 'deu_Latn']));
    expect(r.slice(0, 2)).toEqual(['jpn_Jpan', 'deu_Latn']);
    expect(r.slice(2)).toEqual(['zho_Hans', 'zho_Hant', 'eng_Latn', 'fra_Latn', 'fur_Latn', 'arb_Arab']);
  });

  it('matches English names, native names (accent-insensitive) and codes', () => {
    expect(codes(filterLanguages(ALL, 'french'))).toEqual(['fra_Latn']);
    expect(codes(filterLanguages(ALL, 'francais'))).toEqual(['fra_Latn']);
    expect(codes(filterLanguages(ALL, 'Deutsch'))).toEqual(['deu_Latn']);
    expect(codes(filterLanguages(ALL, 'العربية'))).toEqual(['arb_Arab']);
    expect(codes(filterLanguages(ALL, '日本'))).toEqual(['jpn_Jpan']);
    expect(codes(filterLanguages(ALL, 'arb'))).toEqual(['arb_Arab']);
    expect(codes(filterLanguages(ALL, 'zho_Hant'))).toEqual(['zho_Hant']);
  });

  it('ranks exact codes, then prefixes, then word starts, then substrings; recent breaks ties', () => {
    expect(codes(filterLanguages(ALL, 'fr'))).toEqual(['fra_Latn', 'fur_Latn']); // French, Friulian (both name prefixes)
    expect(codes(filterLanguages(ALL, 'f'))[0]).toBe('fra_Latn');
    expect(codes(filterLanguages(ALL, 'chinese', ['zho_Hant']))).toEqual(['zho_Hant', 'zho_Hans']);
    expect(codes(filterLanguages(ALL, 'arabic'))).toEqual(['arb_Arab']); // word start inside "Modern Standard Arabic"
    expect(codes(filterLanguages(ALL, 'rman'))).toEqual(['deu_Latn']); // substring
    expect(filterLanguages(ALL, 'klingon')).toEqual([]);
  });

  it('folds accents and case', () => {
    expect(fold('Français')).toBe('francais');
  });

  it('keeps a short most-recent-first list', () => {
    expect(pushRecent(['a', 'b', 'c'], 'b')).toEqual(['b', 'a', 'c']);
    expect(pushRecent(['a', 'b'], 'z', 2)).toEqual(['z', 'a']);
  });
});
