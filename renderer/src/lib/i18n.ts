import i18next from 'i18next';
import type { Locale } from './locales.js';
import en from '../locales/en.json';
import zhHans from '../locales/zh-Hans.json';
import zhHant from '../locales/zh-Hant.json';
import ja from '../locales/ja.json';
import es from '../locales/es.json';
import fr from '../locales/fr.json';
import de from '../locales/de.json';
import ar from '../locales/ar.json';
import hi from '../locales/hi.json';
import ru from '../locales/ru.json';

export const RESOURCES = {
  en, 'zh-Hans': zhHans, 'zh-Hant': zhHant, ja, es, fr, de, ar, hi, ru,
} as const satisfies Record<Locale, unknown>;


export async function initI18n(locale: Locale) {
  await i18next.init({
    lng: locale,
    fallbackLng: 'en',
    resources: Object.fromEntries(Object.entries(RESOURCES).map(([k, v]) => [k, { translation: v }])),
    interpolation: { escapeValue: false }, // Svelte escapes text
    returnNull: false,
  });
  return i18next;
}

export { i18next };

export { LOCALES, dirOf, flatKeys, isLocale, pickLocale, type Locale } from './locales.js';
