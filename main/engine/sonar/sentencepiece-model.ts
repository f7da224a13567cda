/**
 * A minimal reader for SentencePiece's `ModelProto` (sentencepiece_model.proto), enough to answer what the WASM
 * binding does not expose: the piece table (piece, score, type), the model type, the special pieces and the
 * normalizer settings. Encoding and decoding are never done here: that is the real library's job (sentencepiece.ts).
 */

export type PieceType = 'normal' | 'unknown' | 'control' | 'user_defined' | 'unused' | 'byte';
export type ModelType = 'unigram' | 'bpe' | 'word' | 'char';

export interface ModelPiece {
  piece: string;
  score: number;
  type: PieceType;
}

export interface NormalizerInfo {
  /** e.g. `nmt_nfkc`, `nfkc`, `identity`, `nmt_nfkc_cf`; empty when the model names none. */
  name: string;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

export interface ModelInfo {
  pieces: ModelPiece[];
  modelType: ModelType;
  byteFallback: boolean;
  unkPiece: string;
  bosPiece: string;
  eosPiece: string;
  padPiece: string;
  normalizer: NormalizerInfo;
}

export class SentencePieceModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SentencePieceModelError';
  }
}

const PIECE_TYPES: Record<number, PieceType> = { 1: 'normal', 2: 'unknown', 3: 'control', 4: 'user_defined', 5: 'unused', 6: 'byte' };
const MODEL_TYPES: Record<number, ModelType> = { 1: 'unigram', 2: 'bpe', 3: 'word', 4: 'char' };
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One protobuf message: calls `onField(field, wireType, reader)`; the callback consumes the value or returns false. */
class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
  }
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new SentencePieceModelError('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new SentencePieceModelError('varint too long');
  }
  bytes(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.end) throw new SentencePieceModelError('length-delimited field runs past the end');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  string(): string {
    try {
      return utf8.decode(this.bytes());
    } catch (e) {
      if (e instanceof SentencePieceModelError) throw e;
      throw new SentencePieceModelError('a string field is not valid UTF-8');
    }
  }
  float(): number {
    if (this.pos + 4 > this.end) throw new SentencePieceModelError('truncated float');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new SentencePieceModelError(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new SentencePieceModelError('field runs past the end');
  }
  message(onField: (field: number, wire: number, r: Reader) => boolean): void {
    while (this.pos < this.end) {
      const tag = this.varint();
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field === 0) throw new SentencePieceModelError('field number 0');
      if (!onField(field, wire, this)) this.skip(wire);
    }
  }
  sub(): Reader {
    const b = this.bytes();
    return new Reader(this.buf, b.byteOffset - this.buf.byteOffset, b.byteOffset - this.buf.byteOffset + b.length);
  }
}

/** Parse a `.model` file (serialized ModelProto). Throws SentencePieceModelError for anything that is not one. */
export function parseModelProto(bytes: Uint8Array): ModelInfo {
  const info: ModelInfo = {
    pieces: [],
    modelType: 'unigram',
    byteFallback: false,
    unkPiece: '<unk>',
    bosPiece: '<s>',
    eosPiece: '</s>',
    padPiece: '<pad>',
    normalizer: { name: '', addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true },
  };
  new Reader(bytes).message((field, wire, r) => {
    if (field === 1 && wire === 2) {
      // SentencePiece { piece = 1; score = 2; type = 3 [default NORMAL] }
      const p: ModelPiece = { piece: '', score: 0, type: 'normal' };
      r.sub().message((f, w, s) => {
        if (f === 1 && w === 2) p.piece = s.string();
        else if (f === 2 && w === 5) p.score = s.float();
        else if (f === 3 && w === 0) {
          const t = s.varint();
          const name = PIECE_TYPES[t];
          if (!name) throw new SentencePieceModelError(`unknown piece type ${t}`);
          p.type = name;
        } else return false;
        return true;
      });
      info.pieces.push(p);
    } else if (field === 2 && wire === 2) {
      // TrainerSpec: model_type = 3, byte_fallback = 35, unk/bos/eos/pad_piece = 45/46/47/48
      r.sub().message((f, w, s) => {
        if (f === 3 && w === 0) {
          const t = s.varint();
          info.modelType = MODEL_TYPES[t] ?? info.modelType;
        } else if (f === 35 && w === 0) info.byteFallback = s.varint() !== 0;
        else if (f === 45 && w === 2) info.unkPiece = s.string();
        else if (f === 46 && w === 2) info.bosPiece = s.string();
        else if (f === 47 && w === 2) info.eosPiece = s.string();
        else if (f === 48 && w === 2) info.padPiece = s.string();
        else return false;
        return true;
      });
    } else if (field === 3 && wire === 2) {
      // NormalizerSpec: name = 1, add_dummy_prefix = 3, remove_extra_whitespaces = 4, escape_whitespaces = 5
      const n = info.normalizer;
      r.sub().message((f, w, s) => {
        if (f === 1 && w === 2) n.name = s.string();
        else if (f === 3 && w === 0) n.addDummyPrefix = s.varint() !== 0;
        else if (f === 4 && w === 0) n.removeExtraWhitespaces = s.varint() !== 0;
        else if (f === 5 && w === 0) n.escapeWhitespaces = s.varint() !== 0;
        else return false;
        return true;
      });
    } else return false;
    return true;
  });
  if (info.pieces.length === 0) throw new SentencePieceModelError('the model has no pieces');
  if (!info.pieces.some((p) => p.type === 'unknown')) throw new SentencePieceModelError('the model has no unknown piece');
  return info;
}
