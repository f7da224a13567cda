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

  for (const { code } of LOCALES) {
    it(`${code} has exactly the keys of English, with the same placeholders`, () => {
      const loc = load(code);
      expect(flatKeys(loc).sort()).toEqual(enKeys);
      for (const key of enKeys) {
        const get = (o: any) => key.split('.').reduce((x, k) => x[k], o) as string;
        expect(typeof get(loc), key).toBe('string');
        expect(get(loc).trim(), key).not.toBe('');
        expect(placeholders(get(loc)), `${code}:${key}`).toEqual(placeholders(get(en)));
      }
    });
  }

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
