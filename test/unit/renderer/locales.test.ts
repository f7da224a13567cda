import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dirOf, flatKeys, isLocale, LOCALES, pickLocale } from '../../../renderer/src/lib/locales.js';

const DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../renderer/src/locales');
const load = (code: string) => JSON.parse(readFileSync(join(DIR, `${code}.json`), 'utf8'));
const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe('interface locales', () => {
  const en = load('en');
  const enKeys = flatKeys(en).sort();

  it('ship exactly the ten required locales', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
    expect(files).toEqual(LOCALES.map((l) => l.code).sort());
    expect(files).toEqual(['ar', 'de', 'en', 'es', 'fr', 'hi', 'ja', 'ru', 'zh-Hans', 'zh-Hant']);
  });

  // i18next plurals: `key_one`, `key_other`, … — each language has the forms its plural rules need (Intl.PluralRules)
  const PLURAL = /_(zero|one|two|few|many|other)$/;
  const base = (k: string) => k.replace(PLURAL, '');
  const enBase = [...new Set(enKeys.map(base))].sort();
  const enPlural = new Set(enKeys.filter((k) => PLURAL.test(k)).map(base));

  for (const { code } of LOCALES) {
    it(`${code} has exactly the keys of English (plural forms by its own rules), with the same placeholders`, () => {
      const loc = load(code);
      const keys = flatKeys(loc);
      expect([...new Set(keys.map(base))].sort()).toEqual(enBase);
      const categories = new Intl.PluralRules(code).resolvedOptions().pluralCategories;
      for (const b of enPlural) {
        const forms = keys.filter((k) => base(k) === b && k !== b).map((k) => k.slice(b.length + 1)).sort();
        expect(forms, `${code}:${b}`).toEqual([...categories].sort());
      }
      for (const key of keys) {
        const get = (o: any, k: string) => k.split('.').reduce((x, p) => x[p], o) as string;
        expect(typeof get(loc, key), key).toBe('string');
        expect(get(loc, key).trim(), key).not.toBe('');
        const enKey = enKeys.includes(key) ? key : `${base(key)}_other`;
        expect(placeholders(get(loc, key)), `${code}:${key}`).toEqual(placeholders(get(en, enKey)));
      }
    });
  }

  it('"1 sentence" is singular and "2 sentences" plural through i18next', async () => {
    const i18next = (await import('i18next')).default;
    const i18n = i18next.createInstance();
    await i18n.init({
      lng: 'en',
      fallbackLng: 'en',
      resources: Object.fromEntries(LOCALES.map((l) => [l.code, { translation: load(l.code) }])),
      interpolation: { escapeValue: false },
    });
    expect(i18n.t('run.done', { count: 1 })).toBe('Done: 1 sentence.');
    expect(i18n.t('run.done', { count: 2 })).toBe('Done: 2 sentences.');
    expect(i18n.t('fidelity.flagged', { count: 1 })).toBe('1 sentence flagged');
    await i18n.changeLanguage('ru');
    expect(i18n.t('library.sentenceCount', { count: 5 })).toBe('5 предложений');
    expect(i18n.t('library.sentenceCount', { count: 2 })).toBe('2 предложения');
  });

  it('picks the interface language from the system locale', () => {
    expect(pickLocale(['fr-CA', 'en'])).toBe('fr');
    expect(pickLocale(['zh-TW'])).toBe('zh-Hant');
    expect(pickLocale(['zh-Hant-HK'])).toBe('zh-Hant');
    expect(pickLocale(['zh-CN'])).toBe('zh-Hans');
    expect(pickLocale(['zh'])).toBe('zh-Hans');
    expect(pickLocale(['ar-EG'])).toBe('ar');
    expect(pickLocale(['pt-BR', 'de-AT'])).toBe('de');
    expect(pickLocale(['pt-BR'])).toBe('en');
    expect(pickLocale([])).toBe('en');
  });

  it('knows that Arabic is right-to-left', () => {
    expect(dirOf('ar')).toBe('rtl');
    expect(dirOf('en')).toBe('ltr');
    expect(dirOf('hi')).toBe('ltr');
    expect(isLocale('ja')).toBe(true);
    expect(isLocale('pt')).toBe(false);
  });
});
