/**
 * Multiply-add counts (1 MAC = 2 FLOP) of the SONAR encoder, the dense work only (what a GEMM-bound runtime spends
 * its time on): per layer and per token the Q, K, V and output projections (4·d²) and the FFN (2·d·f); per sequence
 * and layer the attention scores and weighted sum (2·T²·d). Padded positions count: the runtimes compute them.
 * LayerNorms, softmax, embedding lookups and the pooling are left out (a few % at these sizes).
 */
export interface EncoderShape {
  dim: number;
  ffn: number;
  layers: number;
}

export function encoderBatchFlops(s: EncoderShape, batch: number, tokens: number): number {
  const perToken = 4 * s.dim * s.dim + 2 * s.dim * s.ffn;
  const attention = 2 * tokens * tokens * s.dim;
  return 2 * s.layers * batch * (tokens * perToken + attention);
}

/** Sum over padded batches [rows, maxLen]. */
export function encoderFlops(s: EncoderShape, batches: readonly (readonly (readonly number[])[])[]): number {
  let f = 0;
  for (const b of batches) f += encoderBatchFlops(s, b.length, Math.max(...b.map((x) => x.length)));
  return f;
}
