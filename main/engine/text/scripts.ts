/**
 * Which writing system a text uses, counted over its letters. Language detectors answer with a language; SONAR
 * codes also name the script (zho_Hans vs zho_Hant, kas_Arab vs kas_Deva), which only the text itself can tell.
 */

/** ISO 15924 codes we distinguish, with the Unicode script property that identifies them. */
const SCRIPTS: readonly [string, RegExp][] = [
  ['Latn', /\p{Script=Latin}/u], ['Cyrl', /\p{Script=Cyrillic}/u], ['Arab', /\p{Script=Arabic}/u],
  ['Deva', /\p{Script=Devanagari}/u], ['Beng', /\p{Script=Bengali}/u], ['Hebr', /\p{Script=Hebrew}/u],
  ['Grek', /\p{Script=Greek}/u], ['Hani', /\p{Script=Han}/u], ['Jpan', /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['Hang', /\p{Script=Hangul}/u], ['Thai', /\p{Script=Thai}/u], ['Ethi', /\p{Script=Ethiopic}/u],
  ['Tfng', /\p{Script=Tifinagh}/u], ['Armn', /\p{Script=Armenian}/u], ['Geor', /\p{Script=Georgian}/u],
  ['Taml', /\p{Script=Tamil}/u], ['Telu', /\p{Script=Telugu}/u], ['Knda', /\p{Script=Kannada}/u],
  ['Mlym', /\p{Script=Malayalam}/u], ['Gujr', /\p{Script=Gujarati}/u], ['Guru', /\p{Script=Gurmukhi}/u],
  ['Orya', /\p{Script=Oriya}/u], ['Sinh', /\p{Script=Sinhala}/u], ['Mymr', /\p{Script=Myanmar}/u],
  ['Khmr', /\p{Script=Khmer}/u], ['Laoo', /\p{Script=Lao}/u], ['Tibt', /\p{Script=Tibetan}/u],
  ['Olck', /\p{Script=Ol_Chiki}/u], ['Thaa', /\p{Script=Thaana}/u], ['Syrc', /\p{Script=Syriac}/u],
  ['Nkoo', /\p{Script=Nko}/u], ['Adlm', /\p{Script=Adlam}/u],
];

/**
 * Characters whose form differs between Simplified and Traditional Chinese, chosen among the most frequent ones.
 * Pairs at the same position are the same character.
 */
const SIMPLIFIED = '这们个来为说时会国对学于与么无开发经过还后样点实现当种动应关体问门长间头亲让认听见记话读写买卖书车东电语变义权们华级员边机气从难题条两专业万众';
const TRADITIONAL = '這們個來為說時會國對學於與麼無開發經過還後樣點實現當種動應關體問門長間頭親讓認聽見記話讀寫買賣書車東電語變義權們華級員邊機氣從難題條兩專業萬眾';

export interface ScriptCount {
  script: string;
  count: number;
}

/** Letters per script, most frequent first. Han text reports Hans or Hant; kana makes it Jpan. */
export function scriptsOf(text: string): ScriptCount[] {
  const counts = new Map<string, number>();
  for (const ch of text) {
    if (!/\p{L}/u.test(ch)) continue;
    for (const [code, re] of SCRIPTS) {
      if (re.test(ch)) {
        counts.set(code, (counts.get(code) ?? 0) + 1);
        break;
      }
    }
  }
  const han = counts.get('Hani');
  if (han) {
    counts.delete('Hani');
    if (counts.has('Jpan')) counts.set('Jpan', counts.get('Jpan')! + han);
    else counts.set(chineseVariant(text), han);
  }
  return [...counts].map(([script, count]) => ({ script, count })).sort((a, b) => b.count - a.count);
}

/** Hans or Hant, by counting characters that only one of the two standards uses (ties go to Hans). */
export function chineseVariant(text: string): 'Hans' | 'Hant' {
  let s = 0;
  let t = 0;
  for (const ch of text) {
    if (SIMPLIFIED.includes(ch) && !TRADITIONAL.includes(ch)) s++;
    else if (TRADITIONAL.includes(ch) && !SIMPLIFIED.includes(ch)) t++;
  }
  return t > s ? 'Hant' : 'Hans';
}
