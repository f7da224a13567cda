/**
 * Per-paragraph languages of a mixed document: a paragraph takes another language than its document's only on strong
 * evidence, because a wrong tag makes translation return that paragraph untranslated ("verbatim").
 */
import { describe, expect, it } from 'vitest';
import { segmentText, sentenceLanguages } from '../../../main/engine/import/prepare.js';
import { SWITCH_CONFIDENCE, detectLanguage, detectParagraphs } from '../../../main/engine/text/detect.js';

function langsOf(text: string): (string | null)[] {
  const seg = segmentText(text);
  return sentenceLanguages(text, seg.sentences, seg.language, false);
}

const HEADLINE = 'LeBron to make Lakers debut Sunday in San Diego';
const EN_BODY = [
  'The wait is nearly over for fans looking to see LeBron James make his first start for the Los Angeles Lakers.',
  "Lakers coach Luke Walton has announced that James will play in Sunday's preseason opener against the Denver Nuggets in San Diego.",
];

describe('sentence languages of a document', () => {
  it('keeps a short English headline English even when it alone looks French', () => {
    // the premise: alone, the headline is detected as French with a confidence the old bar (0.6) accepted
    const alone = detectLanguage(HEADLINE);
    expect(alone?.lang).toBe('fra_Latn');
    expect(alone!.confidence).toBeGreaterThanOrEqual(0.6);
    expect(alone!.confidence).toBeLessThan(SWITCH_CONFIDENCE.sameScript);
    expect(langsOf([HEADLINE, ...EN_BODY].join('\n\n'))).toEqual(['eng_Latn', 'eng_Latn', 'eng_Latn']);
    // `concept detect` shows the same tags the import gives
    const shown = detectParagraphs([HEADLINE, ...EN_BODY].join('\n\n')).paragraphs;
    expect(shown.map((p) => [p.lang, p.inherited])).toEqual([['eng_Latn', true], ['eng_Latn', false], ['eng_Latn', false]]);
  });

  it('still switches for a clearly French paragraph in the same script', () => {
    const fr = "Le seul ecclésiastique de l'Église d'Angleterre à avoir reçu la Croix de Victoria pendant la Première Guerre mondiale a été célébré dans sa ville natale.";
    expect(langsOf([...EN_BODY, fr].join('\n\n'))).toEqual(['eng_Latn', 'eng_Latn', 'fra_Latn']);
  });

  it('switches for a confidently detected paragraph in another script', () => {
    const ru = 'Городской совет собрался в понедельник, чтобы обсудить новый бюджет города.';
    const d = detectLanguage(ru);
    expect(d?.lang).toBe('rus_Cyrl');
    expect(d!.confidence).toBeGreaterThanOrEqual(SWITCH_CONFIDENCE.otherScript);
    expect(langsOf([...EN_BODY, ru].join('\n\n'))).toEqual(['eng_Latn', 'eng_Latn', 'rus_Cyrl']);
  });

  it('gives every sentence the language the user named', () => {
    const text = [HEADLINE, ...EN_BODY].join('\n\n');
    const seg = segmentText(text, 'fra_Latn');
    expect(sentenceLanguages(text, seg.sentences, seg.language, true)).toEqual(['fra_Latn', 'fra_Latn', 'fra_Latn']);
  });
});
