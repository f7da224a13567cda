import i18next from 'i18next';
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
} as const;

export type Locale = keyof typeof RESOURCES;

/** Interface languages, each named in itself. */
export const LOCALES: { code: Locale; name: string; dir: 'ltr' | 'rtl' }[] = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'zh-Hans', name: '简体中文', dir: 'ltr' },
  { code: 'zh-Hant', name: '繁體中文', dir: 'ltr' },
  { code: 'ja', name: '日本語', dir: 'ltr' },
  { code: 'es', name: 'Español', dir: 'ltr' },
  { code: 'fr', name: 'Français', dir: 'ltr' },
  { code: 'de', name: 'Deutsch', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
  { code: 'hi', name: 'हिन्दी', dir: 'ltr' },
  { code: 'ru', name: 'Русский', dir: 'ltr' },
];

/** The best interface language for the system's preferred languages (navigator.languages). */
export function pickLocale(preferred: readonly string[]): Locale {
  for (const raw of preferred) {
    const tag = raw.toLowerCase();
    if (tag.startsWith('zh')) {
      return /hant|-tw|-hk|-mo/.test(tag) ? 'zh-Hant' : 'zh-Hans';
    }
    const base = tag.split('-')[0];
    const hit = LOCALES.find((l) => l.code === base);
    if (hit) return hit.code;
  }
  return 'en';
}

export function dirOf(locale: string): 'ltr' | 'rtl' {
  return LOCALES.find((l) => l.code === locale)?.dir ?? 'ltr';
}

export function isLocale(x: unknown): x is Locale {
  return typeof x === 'string' && x in RESOURCES;
}

/** Every key of a nested locale object, dotted ("run.stage.encode"). */
export function flatKeys(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === 'object' ? flatKeys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

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
