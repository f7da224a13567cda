/**
 * SONAR tokenizer: the real SentencePiece plus the fairseq2 NLLB id layout of a pack (research/sonar.md §2.2–2.3,
 * models/FORMAT.md "Tokenizer"). Python reference: tools/concept_tools/tokenizer.py.
 *
 *   id 0 pad, 1 unk, 2 bos (unused), 3 eos; SentencePiece id k → k + pieceOffset;
 *   language i of `languages` → langOffset + i; then data-tag tokens up to vocabSize.
 *
 *   encoder input   [lang] + pieces + [eos]   (truncated to maxLen: see encodeSource)
 *   decoder prefix  [eos, lang]
 *   decode          drop specials (ids < pieceOffset or pad/unk/bos/eos) and ids ≥ langOffset, subtract pieceOffset,
 *                   SentencePiece-decode.
 */
import { CodedError } from '../errors.js';
import type { SonarPack } from '../packs/load.js';
import { SentencePiece, type ModelSource } from './sentencepiece.js';

export interface TokenizerLayout {
  pad: number;
  unk: number;
  bos: number;
  eos: number;
  /** SentencePiece id k has model id k + pieceOffset (1 in fairseq2: `<pad>` was bubbled to 0). */
  pieceOffset: number;
  /** Model id of languages[0]. */
  langOffset: number;
  languages: readonly string[];
  vocabSize: number;
  /** Default cap for encodeSource (the encoder's positional table); none when absent. */
  maxSourceTokens?: number;
}

/** The `tokenizer` object of a pack.json (snake_case, models/FORMAT.md). */
export interface PackTokenizerSpec {
  pad: number;
  unk: number;
  bos: number;
  eos: number;
  piece_offset: number;
  lang_offset: number;
  vocab_size: number;
  languages: readonly string[];
  max_source_tokens?: number;
}

/** A language code the pack's tokenizer has no token for. `code` is for the CLI's error reporting. */
export class UnknownLanguageError extends CodedError {
  constructor(readonly language: string, readonly available: readonly string[]) {
    const some = available.slice(0, 8).join(', ');
    super(
      'UNKNOWN_LANGUAGE',
      `Unknown language "${language}": this pack's tokenizer has no token for it. ` +
        `It knows ${available.length} SONAR codes (${some}${available.length > 8 ? ', …' : ''}); codes look like eng_Latn, fra_Latn, zho_Hans.`,
    );
    this.name = 'UnknownLanguageError';
  }
}

export class TokenizerLayoutError extends CodedError {
  constructor(message: string) {
    super('BAD_TOKENIZER_LAYOUT', message);
    this.name = 'TokenizerLayoutError';
  }
}

/** Convert a pack.json `tokenizer` spec to a layout. */
export function layoutFromPackSpec(spec: PackTokenizerSpec): TokenizerLayout {
  return {
    pad: spec.pad,
    unk: spec.unk,
    bos: spec.bos,
    eos: spec.eos,
    pieceOffset: spec.piece_offset,
    langOffset: spec.lang_offset,
    languages: [...spec.languages],
    vocabSize: spec.vocab_size,
    ...(spec.max_source_tokens !== undefined ? { maxSourceTokens: spec.max_source_tokens } : {}),
  };
}

export class SonarTokenizer {
  readonly layout: Readonly<TokenizerLayout>;
  private readonly langIndex: Map<string, number>;

  constructor(readonly sp: SentencePiece, layout: TokenizerLayout) {
    const L = { ...layout, languages: Object.freeze([...layout.languages]) };
    const int = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
    for (const k of ['pad', 'unk', 'bos', 'eos', 'pieceOffset', 'langOffset', 'vocabSize'] as const) {
      if (!int(L[k])) throw new TokenizerLayoutError(`tokenizer layout: ${k} must be a non-negative integer, got ${L[k]}`);
    }
    if (L.maxSourceTokens !== undefined && !(Number.isInteger(L.maxSourceTokens) && L.maxSourceTokens >= 2)) {
      throw new TokenizerLayoutError(`tokenizer layout: maxSourceTokens must be an integer ≥ 2, got ${L.maxSourceTokens}`);
    }
    if (L.pieceOffset + sp.pieceSize() > L.langOffset) {
      throw new TokenizerLayoutError(
        `tokenizer layout: ${sp.pieceSize()} SentencePiece pieces at offset ${L.pieceOffset} overlap the language tokens at ${L.langOffset} ` +
          `(the SentencePiece model ${sp.source} does not belong to this pack)`,
      );
    }
    if (L.langOffset + L.languages.length > L.vocabSize) {
      throw new TokenizerLayoutError(`tokenizer layout: vocabSize ${L.vocabSize} < langOffset ${L.langOffset} + ${L.languages.length} languages`);
    }
    for (const k of ['pad', 'unk', 'bos', 'eos'] as const) {
      if (L[k] >= L.langOffset) throw new TokenizerLayoutError(`tokenizer layout: ${k} id ${L[k]} is not below langOffset ${L.langOffset}`);
    }
    this.langIndex = new Map();
    L.languages.forEach((code, i) => {
      if (this.langIndex.has(code)) throw new TokenizerLayoutError(`tokenizer layout: language ${code} is listed twice`);
      this.langIndex.set(code, i);
    });
    this.layout = Object.freeze(L);
  }

  /** Load the SentencePiece model and apply a layout (camelCase layout or a pack.json `tokenizer` object). */
  static async load(model: ModelSource, layout: TokenizerLayout | PackTokenizerSpec): Promise<SonarTokenizer> {
    const L = 'piece_offset' in layout ? layoutFromPackSpec(layout) : layout;
    return new SonarTokenizer(await SentencePiece.load(model), L);
  }

  /** The tokenizer of a loaded SONAR pack (its `tokenizer.file` and layout). */
  static async fromPack(pack: SonarPack): Promise<SonarTokenizer> {
    return SonarTokenizer.load(pack.file(pack.json.tokenizer.file), pack.json.tokenizer);
  }

  get eos(): number {
    return this.layout.eos;
  }

  get vocabSize(): number {
    return this.layout.vocabSize;
  }

  get languages(): readonly string[] {
    return this.layout.languages;
  }

  hasLanguage(code: string): boolean {
    return this.langIndex.has(code);
  }

  /** Token id of a language code; UnknownLanguageError when the pack has no such language. */
  langId(code: string): number {
    const i = this.langIndex.get(code);
    if (i === undefined) throw new UnknownLanguageError(code, this.layout.languages);
    return this.layout.langOffset + i;
  }

  /** Language code of a language token id, or undefined when `id` is not one. */
  langCode(id: number): string | undefined {
    return this.layout.languages[id - this.layout.langOffset];
  }

  /** Model ids of the SentencePiece pieces of `text` (no language tag, no eos). */
  pieces(text: string): number[] {
    const off = this.layout.pieceOffset;
    return this.sp.encodeIds(text).map((i) => i + off);
  }

  /**
   * Encoder input `[lang, ...pieces, eos]`.
   * With `maxLen` (default: the layout's maxSourceTokens, else no limit) the sequence is cut to its first maxLen ids:
   * the language tag is kept and, when the text is too long, the trailing eos is cut off and NOT re-appended — exactly
   * as the Python reference (`ids[:max_len]`) and fairseq2's TextToEmbeddingModelPipeline (`x[:514]`) do.
   * Pass `maxLen: null` to disable a layout default.
   */
  encodeSource(text: string, lang: string, maxLen?: number | null): number[] {
    const langId = this.langId(lang);
    const ids = [langId, ...this.pieces(text), this.layout.eos];
    const cap = maxLen === undefined ? this.layout.maxSourceTokens : maxLen ?? undefined;
    if (cap === undefined) return ids;
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`maxLen must be a positive integer, got ${cap}`);
    return ids.length > cap ? ids.slice(0, cap) : ids;
  }

  /** Decoder prefix `[eos, lang]`. */
  targetPrefix(lang: string): number[] {
    return [this.layout.eos, this.langId(lang)];
  }

  /** Full target sequence `[eos, lang, ...pieces, eos]` (teacher forcing / scoring). */
  encodeTarget(text: string, lang: string): number[] {
    return [...this.targetPrefix(lang), ...this.pieces(text), this.layout.eos];
  }

  /** True for ids that carry text (SentencePiece pieces other than the specials). */
  isPieceId(id: number): boolean {
    const L = this.layout;
    return id >= L.pieceOffset && id < L.langOffset && id !== L.pad && id !== L.unk && id !== L.bos && id !== L.eos;
  }

  /**
   * Text of a sequence of model ids: specials (pad/unk/bos/eos and ids below pieceOffset), language tokens and data
   * tags (≥ langOffset) are dropped, the rest shifted by -pieceOffset and SentencePiece-decoded.
   * Ids outside [0, vocabSize) or non-integers throw a RangeError (the Python reference would silently drop them;
   * such an id can only come from a bug or a pack whose graph and tokenizer disagree).
   */
  decode(ids: ArrayLike<number | bigint>): string {
    const L = this.layout;
    const sp: number[] = [];
    for (let k = 0; k < ids.length; k++) {
      const id = Number(ids[k]);
      if (!Number.isInteger(id) || id < 0 || id >= L.vocabSize) throw new RangeError(`token id ${ids[k]} is out of range [0, ${L.vocabSize})`);
      if (this.isPieceId(id)) sp.push(id - L.pieceOffset);
    }
    return this.sp.decodeIds(sp);
  }

  /** Readable form of one model id (debugging, CLI `--json` token dumps). */
  tokenToString(id: number): string {
    const L = this.layout;
    if (id === L.pad) return '<pad>';
    if (id === L.unk) return '<unk>';
    if (id === L.bos) return '<s>';
    if (id === L.eos) return '</s>';
    const lang = this.langCode(id);
    if (lang !== undefined) return `__${lang}__`;
    if (id >= L.pieceOffset && id < L.pieceOffset + this.sp.pieceSize()) return this.sp.idToPiece(id - L.pieceOffset);
    if (id >= 0 && id < L.vocabSize) return `<extra_${id}>`;
    throw new RangeError(`token id ${id} is out of range [0, ${L.vocabSize})`);
  }
}
