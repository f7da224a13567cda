/**
 * A SONAR pack ready to use: tokenizer + encoder + decoder. Text in → raw embeddings; embeddings → text in any of the
 * pack's languages. Cache lookups are the caller's (tasks layer): `encodeIds` runs exactly the sequences it is given.
 * This runs in whatever thread creates it; the app creates it inside the engine worker (sonar/handlers.ts).
 */
import { loadSonarPack, type SonarPack } from '../packs/load.js';
import type { ProviderReport, SessionConfig } from '../runtime/session.js';
import { contentTokens, decodeEmbeddings, type DecodeOptions, type DecodeResult } from './beam.js';
import { SonarDecoder } from './decoder.js';
import { SonarEncoder, type EncodeOptions } from './encoder.js';
import { rerankByConcept } from './rerank.js';
import { SonarTokenizer } from './tokenizer.js';

/** What a caller of text decoding needs: the best hypothesis only (decodeIds keeps every beam hypothesis). */
export interface DecodedText {
  text: string;
  /** The best hypothesis's content ids. */
  tokens: number[];
  /** Normalized score of the chosen hypothesis. */
  score: number;
  /** With concept reranking: the chosen hypothesis's beam rank (0 = the beam's best) and its cosine to the concept. */
  rerank?: { rank: number; cosine: number; candidates: number };
}

/** Text decoding options: the decoder's, plus the choice among the beam's finished hypotheses. */
export interface TextDecodeOptions extends DecodeOptions {
  /**
   * Keep the finished hypothesis whose re-encoding is nearest the concept instead of the beam's best (rerank.ts).
   * Default: the pack's `decoding.rerank` (off when absent, as in the official pipeline). No effect on greedy/beam 1.
   */
  rerank?: boolean;
}

export class SonarModel {
  constructor(
    readonly pack: SonarPack,
    readonly tokenizer: SonarTokenizer,
    readonly encoder: SonarEncoder,
    readonly decoder: SonarDecoder,
  ) {}

  /** Load a SONAR pack folder (or an already loaded pack) and open both graphs. */
  static async load(pack: string | SonarPack, cfg: SessionConfig = {}): Promise<SonarModel> {
    const p = typeof pack === 'string' ? loadSonarPack(pack) : pack;
    const tokenizer = await SonarTokenizer.load(p.file(p.json.tokenizer.file), p.json.tokenizer);
    const encoder = await SonarEncoder.fromPack(p, cfg);
    try {
      const decoder = await SonarDecoder.fromPack(p, cfg);
      return new SonarModel(p, tokenizer, encoder, decoder);
    } catch (err) {
      await encoder.dispose();
      throw err;
    }
  }

  get dim(): number {
    return this.pack.json.dim;
  }

  get space(): string {
    return this.pack.json.space;
  }

  get providers(): { encoder?: ProviderReport; decoder?: ProviderReport } {
    return { encoder: this.encoder.provider, decoder: this.decoder.provider };
  }

  /** Encoder token ids of one sentence ([lang] pieces [eos], truncated to max_source_tokens). */
  tokenize(text: string, lang: string): number[] {
    return this.tokenizer.encodeSource(text, lang);
  }

  /** Embeddings of token-id sequences (batched by length; input order). */
  encodeIds(seqs: readonly (readonly number[])[], opts: EncodeOptions = {}): Promise<Float32Array[]> {
    return this.encoder.encodeIds(seqs, opts);
  }

  /** Embeddings of sentences, all in one language or one language per sentence. */
  encodeTexts(texts: readonly string[], lang: string | readonly string[], opts: EncodeOptions = {}): Promise<Float32Array[]> {
    const langs = typeof lang === 'string' ? texts.map(() => lang) : lang;
    if (langs.length !== texts.length) throw new Error(`encode: ${texts.length} texts but ${langs.length} languages`);
    return this.encodeIds(texts.map((t, i) => this.tokenize(t, langs[i])), opts);
  }

  /** Token-level decoding of embeddings (beam search, or greedy with `greedy: true`). */
  decodeIds(embs: readonly Float32Array[], lang: string | readonly string[], opts: DecodeOptions = {}): Promise<DecodeResult[]> {
    const langs = typeof lang === 'string' ? embs.map(() => lang) : lang;
    if (langs.length !== embs.length) throw new Error(`decode: ${embs.length} embeddings but ${langs.length} languages`);
    return decodeEmbeddings(this.decoder, embs, langs.map((l) => this.tokenizer.langId(l)), opts);
  }

  /** Text of each embedding in the target language(s). */
  async decodeTexts(embs: readonly Float32Array[], lang: string | readonly string[], opts: TextDecodeOptions = {}): Promise<DecodedText[]> {
    const { rerank = this.pack.json.decoding.rerank ?? false, ...decodeOpts } = opts;
    const langs = typeof lang === 'string' ? embs.map(() => lang) : [...lang];
    const res = await this.decodeIds(embs, langs, decodeOpts);
    const eos = this.decoder.spec.eos;
    // the reply crosses the worker boundary: the text and its score, not every hypothesis of the beam
    if (!rerank || res.every((r) => r.hypotheses.length <= 1)) {
      return res.map((r) => ({ text: this.tokenizer.decode(r.tokens), tokens: r.tokens, score: r.hypotheses[0]?.score ?? Number.NEGATIVE_INFINITY }));
    }
    const texts = res.map((r) => r.hypotheses.map((h) => this.tokenizer.decode(contentTokens(h, eos))));
    const picks = await rerankByConcept(embs, texts, langs, (t, l) => this.encodeTexts(t, l, { signal: opts.signal }));
    return res.map((r, i) => {
      const { index, cosine } = picks[i];
      const h = r.hypotheses[index];
      if (!h) return { text: '', tokens: [], score: Number.NEGATIVE_INFINITY };
      return { text: texts[i][index], tokens: contentTokens(h, eos), score: h.score, rerank: { rank: index, cosine, candidates: r.hypotheses.length } };
    });
  }

  async dispose(): Promise<void> {
    await this.encoder.dispose();
    await this.decoder.dispose();
  }
}
