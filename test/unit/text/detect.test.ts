import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectLanguage, detectParagraphs } from '../../../main/engine/text/detect.js';
import { resolveSonarCode, UnknownLanguageError } from '../../../main/engine/text/languages.js';
import { sharedPath } from './shared-data.js';

describe('detectLanguage', () => {
  it('detects common languages with a confidence and candidates', () => {
    const d = detectLanguage('Tous les êtres humains naissent libres et égaux en dignité et en droits.');
    expect(d.lang).toBe('fra_Latn');
    expect(d.confidence).toBeGreaterThan(0.5);
    expect(d.candidates[0]).toEqual({ lang: 'fra_Latn', score: 1 });
    expect(d.candidates.length).toBeGreaterThan(1);
  });

  it('chooses the script from the text', () => {
    expect(detectLanguage('人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心。').lang).toBe('zho_Hans');
    expect(detectLanguage('人人生而自由，在尊嚴和權利上一律平等。他們賦有理性和良心。').lang).toBe('zho_Hant');
    expect(detectLanguage('Сва људска бића рађају се слободна и једнака у достојанству и правима.').lang).toBe('srp_Cyrl');
    expect(detectLanguage('すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。').lang).toBe('jpn_Jpan');
  });

  it('returns null with confidence 0 for short or empty text', () => {
    expect(detectLanguage('Hi')).toEqual({ lang: null, confidence: 0, candidates: [] });
    expect(detectLanguage('   12345 !!! ')).toEqual({ lang: null, confidence: 0, candidates: [] });
  });

  it('lets an explicit language win, and validates it', () => {
    expect(detectLanguage('Tous les êtres humains naissent libres.', { override: 'de' })).toMatchObject({ lang: 'deu_Latn', confidence: 1 });
    expect(() => detectLanguage('text', { override: 'xx-nope' })).toThrow(UnknownLanguageError);
  });

  it('detects per paragraph in a mixed document', () => {
    const text = 'All human beings are born free and equal in dignity and rights.\n\n' +
      'Alle Menschen sind frei und gleich an Würde und Rechten geboren.\n\nOK.\n\n' +
      'Todos los seres humanos nacen libres e iguales en dignidad y derechos.';
    const { document, paragraphs } = detectParagraphs(text);
    expect(paragraphs.map((p) => p.lang)).toEqual(['eng_Latn', 'deu_Latn', document.lang, 'spa_Latn']);
    expect(paragraphs[2]!.inherited).toBe(true); // "OK." is too short to tell: it takes the document's language
    expect(text.slice(paragraphs[1]!.start, paragraphs[1]!.end)).toMatch(/^Alle Menschen/);
  });
});

const udhr = sharedPath('parallel', 'udhr_article1_multi.tsv');
const tatoeba = sharedPath('parallel', 'tatoeba_pairs_sample.jsonl');

describe('detection accuracy (../shared/data/parallel)', () => {
  it('UDHR Article 1 in 79 languages', () => {
    let ok = 0;
    let n = 0;
    const misses: string[] = [];
    for (const line of readFileSync(udhr, 'utf8').trim().split('\n')) {
      const [tag, text] = line.split('\t') as [string, string];
      const want = resolveSonarCode(tag);
      if (!want) continue;
      n++;
      const got = detectLanguage(text).lang;
      if (got === want) ok++;
      else misses.push(`${tag}: ${got}`);
    }
    console.log(`\nLanguage detection, UDHR Article 1: ${ok}/${n} = ${((100 * ok) / n).toFixed(1)}% (misses: ${misses.join(', ')})`);
    expect(ok / n).toBeGreaterThanOrEqual(0.95);
  });

  it('Tatoeba sentences (short: the hard case)', () => {
    let ok = 0;
    let n = 0;
    let undetermined = 0;
    for (const line of readFileSync(tatoeba, 'utf8').trim().split('\n')) {
      const { lang, text } = JSON.parse(line) as { lang: string; text: string };
      const want = resolveSonarCode(lang);
      if (!want) continue;
      n++;
      const got = detectLanguage(text).lang;
      if (got === null) undetermined++;
      if (got === want) ok++;
    }
    console.log(`Language detection, Tatoeba (${n} sentences in SONAR languages): ${ok}/${n} = ${((100 * ok) / n).toFixed(1)}%, ` +
      `undetermined ${undetermined}`);
    expect(ok / n).toBeGreaterThanOrEqual(0.5);
  });
});
