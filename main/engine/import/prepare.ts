/**
 * Everything an import does before it touches the database, as one pure function: bytes → text (importBuffer),
 * language detection, sentence segmentation and per-paragraph languages. It is CPU work that grows with the
 * document (a 4.5 MB paragraph is seconds of it), so the service runs it, with the database write, off its event
 * loop for large inputs (api/import-thread.ts).
 */
import { detectLanguage as detect, switchesLanguage } from '../text/detect.js';
import { segment } from '../text/segmenter.js';
import { importBuffer, type ImportOptions, type ImportResult } from './index.js';

export interface PreparedSentence {
  idx: number;
  paragraph: number;
  start: number;
  end: number;
  text: string;
}

export interface SegmentedText {
  sentences: PreparedSentence[];
  language: string | null;
  confidence: number;
}

export interface PreparedDocument extends SegmentedText {
  imported: ImportResult;
  /** each sentence's language: its paragraph's where that differs confidently from the document's */
  langs: (string | null)[];
}

export interface PrepareOptions extends ImportOptions {
  /** the language the user gave; wins over detection (and turns per-paragraph detection off) */
  language?: string | null;
}

/** The language of a text (a SONAR code, confidence rounded to 3 places), or null. */
export function detectLanguage(text: string): { lang: string; confidence: number } | null {
  const d = detect(text);
  return d.lang ? { lang: d.lang, confidence: Math.round(d.confidence * 1000) / 1000 } : null;
}

/** Sentences with offsets, and the text's language (given, or detected). */
export function segmentText(text: string, lang?: string | null): SegmentedText {
  const det = lang ? { lang, confidence: 1 } : detectLanguage(text);
  const language = det?.lang ?? null;
  const sents = segment(text, { lang: language ?? undefined });
  return {
    sentences: sents.map((s, idx) => ({ idx, paragraph: s.paragraph, start: s.start, end: s.end, text: s.text })),
    language,
    confidence: det?.confidence ?? 0,
  };
}

/** Sentence languages: per paragraph for mixed documents (confident, different from the document's). */
export function sentenceLanguages(text: string, sents: { paragraph: number; start: number; end: number }[], docLang: string | null, explicit: boolean): (string | null)[] {
  if (explicit || !docLang) return sents.map(() => docLang);
  const byPara = new Map<number, { start: number; end: number }>();
  for (const s of sents) {
    const p = byPara.get(s.paragraph);
    if (!p) byPara.set(s.paragraph, { start: s.start, end: s.end });
    else p.end = s.end;
  }
  const paraLang = new Map<number, string>();
  if (byPara.size > 1) {
    for (const [p, span] of byPara) {
      const chunk = text.slice(span.start, span.end);
      if (chunk.length < 40) continue;
      const d = detectLanguage(chunk);
      // a confusable sibling of the document's language (Dari in Persian) is the document's language: the whole
      // document is more evidence than one paragraph
      if (d && switchesLanguage(d, docLang)) paraLang.set(p, d.lang);
    }
  }
  return sents.map((s) => paraLang.get(s.paragraph) ?? docLang);
}

export async function prepareDocument(buf: Uint8Array, name: string, opts: PrepareOptions = {}): Promise<PreparedDocument> {
  const { language = null, ...importOpts } = opts;
  const imported = await importBuffer(buf, name, importOpts);
  const seg = segmentText(imported.text, language);
  const langs = sentenceLanguages(imported.text, seg.sentences, seg.language, language !== null);
  return { imported, ...seg, langs };
}

