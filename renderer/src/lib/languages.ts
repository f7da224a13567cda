import type { LanguageInfo } from '../../../main/api/contract.js';

/** Lower-cased, accent-free form for matching ("Français" ~ "francais"). */
export function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * Languages matching `query` by English name, native name or code (prefix matches first), with the recently used
 * languages first when the query is empty.
 */
export function filterLanguages(all: LanguageInfo[], query: string, recent: string[] = []): LanguageInfo[] {
  const q = fold(query.trim());
  const recentRank = new Map(recent.map((c, i) => [c, i]));
  if (!q) {
    const rec = recent.map((c) => all.find((l) => l.code === c)).filter((l): l is LanguageInfo => !!l);
    const rest = all.filter((l) => !recentRank.has(l.code)).sort((a, b) => a.english.localeCompare(b.english));
    return [...rec, ...rest];
  }
  const scored: { l: LanguageInfo; s: number }[] = [];
  for (const l of all) {
    const code = l.code.toLowerCase();
    const en = fold(l.english);
    const nat = fold(l.native);
    let s = -1;
    if (code === q || code.split('_')[0] === q) s = 0;
    else if (en.startsWith(q) || nat.startsWith(q)) s = 1;
    else if (en.split(/[\s(),-]+/).some((w) => w.startsWith(q)) || nat.split(/[\s(),-]+/).some((w) => w.startsWith(q))) s = 2;
    else if (code.startsWith(q)) s = 2;
    else if (en.includes(q) || nat.includes(q) || code.includes(q)) s = 3;
    if (s >= 0) scored.push({ l, s: s * 100 + (recentRank.get(l.code) ?? 50) });
  }
  scored.sort((a, b) => a.s - b.s || a.l.english.localeCompare(b.l.english));
  return scored.map((x) => x.l);
}

/** Keep `code` at the front of the recent list, at most `max` entries. */
export function pushRecent(recent: string[], code: string, max = 8): string[] {
  return [code, ...recent.filter((c) => c !== code)].slice(0, max);
}

const displayCache = new Map<string, Intl.DisplayNames | null>();

/**
 * A SONAR code's name in the interface language through Intl.DisplayNames ("fra_Latn" → "français" in French);
 * `withScript` adds the script ("srp_Cyrl" → "serbe (cyrillique)") for languages written in several scripts.
 * Undefined when the runtime does not know the language (the caller falls back to the English name).
 */
export function displayName(code: string, locale: string, withScript = false): string | undefined {
  const [lang, script] = code.split('_');
  if (!lang) return undefined;
  let dn = displayCache.get(locale);
  if (dn === undefined) {
    try {
      dn = new Intl.DisplayNames([locale], { type: 'language', fallback: 'none' });
    } catch {
      dn = null;
    }
    displayCache.set(locale, dn);
  }
  if (!dn) return undefined;
  try {
    const name = dn.of(withScript && script ? `${lang}-${script}` : lang);
    return name && name.toLowerCase() !== lang.toLowerCase() ? name : undefined;
  } catch {
    return undefined;
  }
}
