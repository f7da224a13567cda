/**
 * The real SentencePiece (Google's C++ library compiled to WASM, npm `@sctg/sentencepiece-js`) behind a small
 * synchronous API. Loading is async (the WASM module is instantiated per model, so any number of models can be
 * loaded at once and never share state); encoding and decoding are synchronous calls into the library.
 *
 * What the binding lacks (piece table, special ids, model/normalizer facts) is read from the model file itself
 * (sentencepiece-model.ts); every encode/decode and piece→id lookup goes through the C++ library.
 */
import { readFile } from 'node:fs/promises';
import { SentencePieceProcessor } from '@sctg/sentencepiece-js';
import { parseModelProto, SentencePieceModelError, type ModelInfo, type ModelType, type NormalizerInfo, type PieceType } from './sentencepiece-model.js';

export { SentencePieceModelError, type ModelType, type NormalizerInfo, type PieceType } from './sentencepiece-model.js';

/** The parts of the embind module and processor this file uses (the package types them as `any`). */
interface EmbindHandle { delete(): void }
interface EmbindModule {
  StringView: new (s: string) => EmbindHandle & { getView(): EmbindHandle };
}
interface EmbindProcessor extends EmbindHandle {
  status(): EmbindHandle & { ToString(): string };
  PieceToId(view: EmbindHandle): number;
}
interface PackageProcessor {
  sentencepiece: EmbindModule;
  processor: EmbindProcessor;
  _loadModel(bytes: Uint8Array): Promise<void>;
  encodeIds(text: string): number[];
  encodePieces(text: string): string[];
  decodeIds(ids: number[]): string;
}

export type ModelSource = string | URL | Uint8Array | ArrayBuffer;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Make a JS string representable as UTF-8. Lone UTF-16 surrogates (possible in JS strings, impossible in the UTF-8
 * the library reads) become U+FFFD; without this the WASM string conversion would emit invalid bytes.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

export class SentencePiece {
  private disposed = false;

  private constructor(
    private readonly proc: PackageProcessor,
    private readonly info: ModelInfo,
    /** Where the model came from (a path, or `<bytes>`), for error messages. */
    readonly source: string,
  ) {}

  /** Load a `.model` file from a path/URL, or from its bytes. Throws SentencePieceModelError for a bad model. */
  static async load(source: ModelSource): Promise<SentencePiece> {
    let bytes: Uint8Array;
    let name: string;
    if (typeof source === 'string' || source instanceof URL) {
      name = String(source);
      try {
        bytes = await readFile(source);
      } catch (e) {
        throw new SentencePieceModelError(`cannot read SentencePiece model ${name}: ${(e as Error).message}`);
      }
    } else {
      name = '<bytes>';
      bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : source;
    }
    let info: ModelInfo;
    try {
      info = parseModelProto(bytes);
    } catch (e) {
      throw new SentencePieceModelError(`${name} is not a SentencePiece model: ${(e as Error).message}`);
    }
    const proc = new SentencePieceProcessor() as unknown as PackageProcessor;
    await proc._loadModel(bytes);
    const status = proc.processor.status();
    const text = status.ToString();
    status.delete();
    if (text !== 'OK') {
      proc.processor.delete();
      throw new SentencePieceModelError(`SentencePiece could not load ${name}: ${text}`);
    }
    const sp = new SentencePiece(proc, info, name);
    if (sp.pieceToId(info.pieces[0].piece) !== 0 || sp.pieceToId(info.pieces[info.pieces.length - 1].piece) !== info.pieces.length - 1) {
      // the library and the file reader must agree on the piece table; anything else is a reader bug.
      throw new SentencePieceModelError(`${name}: the piece table read from the file disagrees with the library`);
    }
    return sp;
  }

  private check(): void {
    if (this.disposed) throw new Error(`SentencePiece model ${this.source} was disposed`);
  }

  /** SentencePiece ids of `text` (plain deterministic Encode: no sampling, no BOS/EOS). */
  encodeIds(text: string): number[] {
    this.check();
    return this.proc.encodeIds(wellFormed(text));
  }

  /** Pieces of `text` (same segmentation as encodeIds). */
  encodePieces(text: string): string[] {
    this.check();
    return this.proc.encodePieces(wellFormed(text));
  }

  /**
   * Text of a sequence of SentencePiece ids (control pieces decode to nothing, unknown to ` ⁇ `).
   * Ids outside [0, pieceSize) throw a RangeError, as upstream does (the binding itself would return '').
   */
  decodeIds(ids: ArrayLike<number>): string {
    this.check();
    const n = this.info.pieces.length;
    const arr = Array.from(ids);
    for (const id of arr) {
      if (!Number.isInteger(id) || id < 0 || id >= n) throw new RangeError(`piece id ${id} is out of range [0, ${n}) for ${this.source}`);
    }
    return arr.length === 0 ? '' : this.proc.decodeIds(arr);
  }

  /** Number of pieces (SentencePiece's GetPieceSize). */
  pieceSize(): number {
    return this.info.pieces.length;
  }

  idToPiece(id: number): string {
    return this.pieceAt(id).piece;
  }

  /** Id of a piece; the unknown id when the model has no such piece (as upstream). */
  pieceToId(piece: string): number {
    this.check();
    const M = this.proc.sentencepiece;
    const sv = new M.StringView(wellFormed(piece));
    const view = sv.getView();
    try {
      return this.proc.processor.PieceToId(view);
    } finally {
      view.delete();
      sv.delete();
    }
  }

  score(id: number): number {
    return this.pieceAt(id).score;
  }

  pieceType(id: number): PieceType {
    return this.pieceAt(id).type;
  }

  isControl(id: number): boolean {
    return this.pieceType(id) === 'control';
  }

  isUnknown(id: number): boolean {
    return this.pieceType(id) === 'unknown';
  }

  isByte(id: number): boolean {
    return this.pieceType(id) === 'byte';
  }

  /** Special ids as upstream computes them: the named piece if it has the right type, else -1. */
  unkId(): number {
    return this.specialId(this.info.unkPiece, 'unknown');
  }

  bosId(): number {
    return this.specialId(this.info.bosPiece, 'control');
  }

  eosId(): number {
    return this.specialId(this.info.eosPiece, 'control');
  }

  padId(): number {
    return this.specialId(this.info.padPiece, 'control');
  }

  get modelType(): ModelType {
    return this.info.modelType;
  }

  get byteFallback(): boolean {
    return this.info.byteFallback;
  }

  get normalizer(): Readonly<NormalizerInfo> {
    return this.info.normalizer;
  }

  /** Free the WASM-side processor. The object is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.proc.processor.delete();
  }

  private specialId(piece: string, type: PieceType): number {
    const id = this.pieceToId(piece);
    return this.pieceType(id) === type ? id : -1;
  }

  private pieceAt(id: number) {
    const p = Number.isInteger(id) ? this.info.pieces[id] : undefined;
    if (!p) throw new RangeError(`piece id ${id} is out of range [0, ${this.info.pieces.length}) for ${this.source}`);
    return p;
  }
}
