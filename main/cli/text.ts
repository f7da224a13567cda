/** Text-only CLI helpers (no model, no database): sentences with offsets, language per document and paragraph. */
import { detectLanguage } from '../api/languages.js';
import { detectParagraphs as detectEach } from '../engine/text/detect.js';
import { segment } from '../engine/text/segmenter.js';

export function segmentText(text: string, lang: string | null) {
  const det = lang ? { lang, confidence: 1 } : detectLanguage(text);
  const language = det?.lang ?? null;
  const sentences = segment(text, { lang: language ?? undefined }).map((s, idx) => ({ idx, paragraph: s.paragraph, start: s.start, end: s.end, text: s.text }));
  return { language, confidence: det?.confidence ?? 0, sentences };
}

/** The document's language and each paragraph's (a short, unclear or sibling-language paragraph takes the document's). */
export function detectParagraphs(text: string) {
  const { document, paragraphs: paras } = detectEach(text);
  return {
    language: document.lang,
    confidence: document.confidence,
    paragraphs: paras.map((p, paragraph) => ({ paragraph, start: p.start, end: p.end, language: p.lang, confidence: p.confidence, inherited: p.inherited })),
  };
}
