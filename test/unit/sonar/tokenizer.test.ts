/**
 * SonarTokenizer: the fairseq2 NLLB id layout over the real SentencePiece, checked against the Python reference
 * (tools/concept_tools/tokenizer.py; outputs in test/fixtures/sentencepiece/sonar_tokenizer_reference.json, made by
 * make_sonar_tokenizer_reference.py next to it) and, when it exists, against the mini pack's own SentencePiece model.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { SentencePiece } from '../../../main/engine/sonar/sentencepiece.js';
import {
  layoutFromPackSpec,
  SonarTokenizer,
  TokenizerLayoutError,
  UnknownLanguageError,
  type PackTokenizerSpec,
  type TokenizerLayout,
} from '../../../main/engine/sonar/tokenizer.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'sentencepiece');
const TEST_MODEL = path.join(FIXTURES, 'test_model.model');
const MINI_DIR = path.join(repoRoot, 'models', 'mini', 'sonar');
const MINI_SP = path.join(MINI_DIR, 'sentencepiece.model');
const MINI_PACK = path.join(MINI_DIR, 'pack.json');

const SONAR_CODES = readFileSync(path.join(repoRoot, 'models', 'sonar-languages.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => l.split('\t')[0]);

interface RefCase {
  text: string;
  lang: string;
  lang_id: number;
  encode_source: number[];
  max_len: number;
  encode_source_max_len: number[];
  target_prefix: number[];
  decode_source: string;
  noisy_ids: number[];
  decode_noisy: string;
}
const REF = JSON.parse(readFileSync(path.join(FIXTURES, 'sonar_tokenizer_reference.json'), 'utf8')) as {
  sp_size: number;
  lang_offset: number;
  vocab_size: number;
  languages: string[];
  cases: RefCase[];
};

/** The layout the Python reference builds for a SentencePiece model of `spSize` pieces. */
function nllbLayout(spSize: number, languages: readonly string[] = SONAR_CODES): TokenizerLayout {
  return { pad: 0, unk: 1, bos: 2, eos: 3, pieceOffset: 1, langOffset: spSize + 1, languages, vocabSize: spSize + 1 + languages.length + 3 };
}

let sp: SentencePiece;
let tok: SonarTokenizer;

beforeAll(async () => {
  sp = await SentencePiece.load(TEST_MODEL);
  tok = new SonarTokenizer(sp, nllbLayout(sp.pieceSize()));
});

describe('SonarTokenizer vs the Python reference (test_model.model + 202 SONAR codes)', () => {
  it('builds the same layout', () => {
    expect(SONAR_CODES).toEqual(REF.languages);
    expect(tok.layout.langOffset).toBe(REF.lang_offset);
    expect(tok.vocabSize).toBe(REF.vocab_size);
    expect(tok.langId('eng_Latn')).toBe(REF.lang_offset + 46); // line 47 of sonar-languages.tsv, as 256047 in the real vocab
    expect(tok.langId('ace_Arab')).toBe(REF.lang_offset);
    expect(tok.langId('zul_Latn')).toBe(REF.lang_offset + 201);
  });

  it(`matches encode_source, truncation, target_prefix and decode on all ${REF.cases.length} cases`, () => {
    let matched = 0;
    for (const c of REF.cases) {
      expect(tok.langId(c.lang)).toBe(c.lang_id);
      expect(tok.encodeSource(c.text, c.lang)).toEqual(c.encode_source);
      expect(tok.encodeSource(c.text, c.lang, c.max_len)).toEqual(c.encode_source_max_len);
      expect(tok.targetPrefix(c.lang)).toEqual(c.target_prefix);
      expect(tok.decode(c.encode_source)).toBe(c.decode_source);
      expect(tok.decode(c.noisy_ids)).toBe(c.decode_noisy);
      matched++;
    }
    console.log(`SonarTokenizer: ${matched}/${REF.cases.length} Python reference cases match`);
  });
});

describe('SonarTokenizer layout semantics', () => {
  it('encodes [lang, pieces+offset, eos] and prefixes [eos, lang]', () => {
    const text = 'Hello world.';
    const ids = tok.encodeSource(text, 'fra_Latn');
    expect(ids[0]).toBe(tok.langId('fra_Latn'));
    expect(ids.at(-1)).toBe(3);
    expect(ids.slice(1, -1)).toEqual(sp.encodeIds(text).map((i) => i + 1));
    expect(tok.targetPrefix('zho_Hans')).toEqual([3, tok.langId('zho_Hans')]);
    expect(tok.encodeTarget(text, 'deu_Latn')).toEqual([3, tok.langId('deu_Latn'), ...ids.slice(1)]);
    expect(tok.encodeSource('', 'eng_Latn')).toEqual([tok.langId('eng_Latn'), 3]);
  });

  it('truncation keeps the language tag and cuts the eos off (not re-appended)', () => {
    const text = 'All human beings are born free and equal in dignity and rights.';
    const full = tok.encodeSource(text, 'eng_Latn');
    const cut = tok.encodeSource(text, 'eng_Latn', 5);
    expect(cut).toEqual(full.slice(0, 5));
    expect(cut[0]).toBe(tok.langId('eng_Latn'));
    expect(cut.at(-1)).not.toBe(3);
    expect(tok.encodeSource(text, 'eng_Latn', full.length)).toEqual(full); // exactly fitting keeps the eos
    expect(tok.encodeSource(text, 'eng_Latn', 1)).toEqual([tok.langId('eng_Latn')]);
    expect(() => tok.encodeSource(text, 'eng_Latn', 0)).toThrow(RangeError);
  });

  it('uses the layout maxSourceTokens as the default cap; null disables it', () => {
    const capped = new SonarTokenizer(sp, { ...nllbLayout(sp.pieceSize()), maxSourceTokens: 6 });
    const text = 'All human beings are born free and equal in dignity and rights.';
    expect(capped.encodeSource(text, 'eng_Latn')).toEqual(tok.encodeSource(text, 'eng_Latn', 6));
    expect(capped.encodeSource(text, 'eng_Latn', null)).toEqual(tok.encodeSource(text, 'eng_Latn'));
    expect(capped.encodeSource(text, 'eng_Latn', 4)).toHaveLength(4);
  });

  it('decode drops pad/unk/bos/eos, language tokens and data tags; accepts typed arrays and bigints', () => {
    const text = 'the work of translation';
    const pieces = tok.pieces(text);
    const noisy = [3, tok.langId('eng_Latn'), 0, 1, 2, ...pieces, tok.vocabSize - 3, tok.vocabSize - 1, 3];
    expect(tok.decode(noisy)).toBe(text);
    expect(tok.decode(BigInt64Array.from(noisy.map(BigInt)))).toBe(text);
    expect(tok.decode(Int32Array.from(noisy))).toBe(text);
    expect(tok.decode([])).toBe('');
    expect(() => tok.decode([tok.vocabSize])).toThrow(RangeError);
    expect(() => tok.decode([-1])).toThrow(RangeError);
  });

  it('SentencePiece unknown pieces (model id 1 = SP unk 0 + 1) decode to nothing, as in the reference', () => {
    const ids = tok.encodeSource('héllo', 'eng_Latn'); // é is not in test_model → SP unk
    expect(ids).toContain(1);
    expect(tok.decode(ids)).toBe(sp.decodeIds(sp.encodeIds('héllo').filter((i) => i !== 0)));
  });

  it('names tokens for debugging', () => {
    expect(tok.tokenToString(0)).toBe('<pad>');
    expect(tok.tokenToString(3)).toBe('</s>');
    expect(tok.tokenToString(tok.langId('eng_Latn'))).toBe('__eng_Latn__');
    expect(tok.tokenToString(4)).toBe(sp.idToPiece(3));
    expect(tok.tokenToString(tok.vocabSize - 1)).toMatch(/^<extra_/);
    expect(tok.langCode(tok.langId('spa_Latn'))).toBe('spa_Latn');
    expect(tok.langCode(5)).toBeUndefined();
  });

  it('throws a clear UnknownLanguageError for a language the pack lacks', () => {
    const small = new SonarTokenizer(sp, nllbLayout(sp.pieceSize(), ['eng_Latn', 'fra_Latn']));
    expect(() => small.langId('deu_Latn')).toThrow(UnknownLanguageError);
    expect(() => small.encodeSource('x', 'deu_Latn')).toThrow(/Unknown language "deu_Latn".*2 SONAR codes \(eng_Latn, fra_Latn\)/);
    expect(() => tok.targetPrefix('en')).toThrow(/Unknown language "en"/);
    try {
      small.langId('xx');
    } catch (e) {
      expect((e as UnknownLanguageError).code).toBe('UNKNOWN_LANGUAGE');
    }
    expect(small.hasLanguage('fra_Latn')).toBe(true);
    expect(small.hasLanguage('deu_Latn')).toBe(false);
  });

  it('rejects a layout that does not fit the SentencePiece model', () => {
    const L = nllbLayout(sp.pieceSize());
    expect(() => new SonarTokenizer(sp, { ...L, langOffset: sp.pieceSize() })).toThrow(TokenizerLayoutError); // pieces overlap languages
    expect(() => new SonarTokenizer(sp, { ...L, vocabSize: L.langOffset + 10 })).toThrow(/vocabSize/);
    expect(() => new SonarTokenizer(sp, { ...L, languages: ['eng_Latn', 'eng_Latn'] })).toThrow(/twice/);
    expect(() => new SonarTokenizer(sp, { ...L, pieceOffset: -1 })).toThrow(/pieceOffset/);
    expect(() => new SonarTokenizer(sp, { ...L, maxSourceTokens: 1 })).toThrow(/maxSourceTokens/);
  });

  it('accepts a pack.json tokenizer spec (snake_case) through load()', async () => {
    const spec: PackTokenizerSpec = {
      pad: 0, unk: 1, bos: 2, eos: 3, piece_offset: 1, lang_offset: 1001, vocab_size: 1001 + 202 + 3, languages: SONAR_CODES, max_source_tokens: 514,
    };
    expect(layoutFromPackSpec(spec)).toEqual({ ...nllbLayout(1000), maxSourceTokens: 514 });
    const t = await SonarTokenizer.load(TEST_MODEL, spec);
    expect(t.encodeSource('Hello world.', 'eng_Latn')).toEqual(tok.encodeSource('Hello world.', 'eng_Latn'));
    t.sp.dispose();
  });
});

describe.skipIf(!existsSync(MINI_SP))('the mini pack SentencePiece model (models/mini/sonar)', () => {
  let mini: SonarTokenizer;
  const hasPack = existsSync(MINI_PACK);

  beforeAll(async () => {
    if (hasPack) {
      const pack = JSON.parse(readFileSync(MINI_PACK, 'utf8')) as { tokenizer: PackTokenizerSpec & { file: string } };
      mini = await SonarTokenizer.load(path.join(MINI_DIR, pack.tokenizer.file), pack.tokenizer);
    } else {
      const msp = await SentencePiece.load(MINI_SP);
      mini = new SonarTokenizer(msp, nllbLayout(msp.pieceSize()));
    }
  });

  it('has the FORMAT.md layout (lang_offset = pieces + 1, all 202 codes, eng_Latn = lang_offset + 46)', () => {
    expect(mini.layout.langOffset).toBe(mini.sp.pieceSize() + 1);
    expect(mini.languages).toEqual(SONAR_CODES);
    expect(mini.langId('eng_Latn')).toBe(mini.layout.langOffset + 46);
    expect(mini.vocabSize).toBeGreaterThanOrEqual(mini.layout.langOffset + 202);
    expect(mini.sp.unkId()).toBe(0);
  });

  it('round-trips UDHR sentences through encodeSource → decode', () => {
    const samples: [string, string][] = [
      ['eng_Latn', 'All human beings are born free and equal in dignity and rights.'],
      ['fra_Latn', 'Tous les êtres humains naissent libres et égaux en dignité et en droits.'],
      ['deu_Latn', 'Alle Menschen sind frei und gleich an Würde und Rechten geboren.'],
      ['spa_Latn', 'Todos los seres humanos nacen libres e iguales en dignidad y derechos.'],
    ];
    for (const [lang, text] of samples) {
      const ids = mini.encodeSource(text, lang, null);
      expect(ids[0]).toBe(mini.langId(lang));
      expect(ids.at(-1)).toBe(3);
      expect(ids.slice(1, -1).every((i) => i > 3 && i < mini.layout.langOffset)).toBe(true);
      // pieces unknown to the mini vocabulary are dropped by decode, so compare on the SentencePiece side
      const spIds = mini.sp.encodeIds(text);
      expect(mini.decode(ids)).toBe(mini.sp.decodeIds(spIds.filter((i) => i !== mini.sp.unkId())));
      if (!spIds.includes(mini.sp.unkId())) expect(mini.decode(ids)).toBe(text);
    }
  });
});
