/** Text-only CLI helpers (no model, no database): sentences with offsets, language per document and paragraph. */
import { detectLanguage } from '../api/languages.js';
import { paragraphs, segment } from '../engine/text/segmenter.js';

export function segmentText(text: string, lang: string | null) {
  const det = lang ? { lang, confidence: 1 } : detectLanguage(text);
  const language = det?.lang ?? null;
  const sentences = segment(text, { lang: language ?? undefined }).map((s, idx) => ({ idx, paragraph: s.paragraph, start: s.start, end: s.end, text: s.text }));
  return { language, confidence: det?.confidence ?? 0, sentences };
}

export function detectParagraphs(text: string) {
  const doc = detectLanguage(text);
  const paras = paragraphs(text).map((p, paragraph) => {
    const d = detectLanguage(text.slice(p.start, p.end));
    return { paragraph, start: p.start, end: p.end, language: d?.lang ?? null, confidence: d?.confidence ?? 0 };
  });
  return { language: doc?.lang ?? null, confidence: doc?.confidence ?? 0, paragraphs: paras };
}
