/**
 * Benchmark inputs: real English sentences and documents. From ../shared/data when present (Tatoeba sentences,
 * XL-Sum English news articles), else the bundled sample bench/data/udhr_en.jsonl (the English Universal Declaration
 * of Human Rights, copyright-free). The source is recorded in the results.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchDoc {
  id: string;
  text: string;
}

export interface BenchData {
  source: string;
  sentences: string[];
  docs: BenchDoc[];
}

function jsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
}

function bundled(root: string, nSentences: number, nDocs: number): BenchData {
  const rows = jsonl<{ id: string; section: string; text: string }>(join(root, 'bench', 'data', 'udhr_en.jsonl'));
  // sentences: paragraphs cut at sentence ends, shortest-first order would bias batching: keep document order
  const sentences: string[] = [];
  for (const r of rows) for (const s of r.text.split(/(?<=[.;])\s+/)) if (s.trim()) sentences.push(s.trim());
  // documents: the preamble, then articles in equal groups
  const docs: BenchDoc[] = [];
  const per = Math.ceil(rows.length / nDocs);
  for (let i = 0; i < nDocs; i++) {
    const part = rows.slice(i * per, (i + 1) * per);
    if (part.length) docs.push({ id: `udhr-${part[0].id}`, text: part.map((r) => r.text).join('\n\n') });
  }
  return { source: 'bench/data/udhr_en.jsonl (UDHR, English)', sentences: sentences.slice(0, nSentences), docs };
}

export function loadBenchData(root: string, nSentences: number, nDocs: number, preferBundled = false): BenchData {
  const shared = join(root, '..', 'shared', 'data');
  const tatoeba = join(shared, 'parallel', 'tatoeba_pairs_sample.jsonl');
  const xlsum = join(shared, 'summarization', 'xlsum_45lang_sample.jsonl');
  if (preferBundled || !existsSync(tatoeba) || !existsSync(xlsum)) return bundled(root, nSentences, nDocs);
  const seen = new Set<string>();
  const sentences: string[] = [];
  for (const r of jsonl<{ eng?: string }>(tatoeba)) {
    const s = r.eng?.trim();
    if (s && !seen.has(s)) {
      seen.add(s);
      sentences.push(s);
    }
    if (sentences.length >= nSentences) break;
  }
  const docs = jsonl<{ id: string; lang: string; document: string }>(xlsum)
    .filter((d) => d.lang === 'en' && d.document.length >= 1500 && d.document.length <= 4500)
    .slice(0, nDocs)
    .map((d) => ({ id: d.id, text: d.document }));
  return {
    source: '../shared/data: parallel/tatoeba_pairs_sample.jsonl (eng), summarization/xlsum_45lang_sample.jsonl (en)',
    sentences,
    docs,
  };
}
