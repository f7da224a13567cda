/**
 * Typed errors for model packs. Every error names the pack folder or file it is about and says what to do next; the
 * `code` is machine-readable (the API's ErrorEvent codes: PACK_MISSING, PACK_INVALID, ...).
 */
import { CodedError } from '../errors.js';

export type PackErrorCode =
  | 'PACK_MISSING' // no folder / no pack.json
  | 'PACK_INVALID' // pack.json unreadable, wrong format version or missing/ill-typed fields
  | 'PACK_FILE_MISSING' // a file listed by pack.json (or a graph's file) is absent
  | 'PACK_FILE_SIZE' // a file's size differs from pack.json
  | 'PACK_CHECKSUM' // a file's sha256 differs from pack.json
  | 'PACK_GRAPH_INVALID' // onnxruntime could not load a graph (corrupt, truncated, not ONNX)
  | 'PACK_GRAPH_MISMATCH' // a graph's inputs/outputs/shapes differ from what pack.json states
  | 'PACK_DIM_MISMATCH' // dimensions disagree (pack vs graph, LCM vs SONAR, cached concepts vs pack)
  | 'PACK_SPACE_MISMATCH'; // an LCM pack's embedding space differs from the SONAR pack's

export class PackError extends CodedError<PackErrorCode> {
  override name = 'PackError';
  constructor(
    code: PackErrorCode,
    message: string,
    readonly path?: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(code, hint ? `${message}. ${hint}` : message, options);
  }
}
