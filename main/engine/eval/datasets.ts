/**
 * What `concept eval` needs around the metrics: the product's segmenter as the sentence splitter (lead-k must cut a
 * document where the app cuts it, not where a regular expression does), the method list, and predictions scored from
 * a file and matched to the reference set by id.
 */
import { basename } from 'node:path';
import { segment } from '../text/segmenter.js';
import { parseJsonl, type SentenceSplitter } from './evaluate.js';

/** The name recorded in reports for the splitter below. */
export const PRODUCT_SEGMENTER = 'product';

/** A document's sentences as the app segments them (paragraphs, Intl.Segmenter, per-language rules, capping). */
export const documentSentences: SentenceSplitter = (text, lang) => segment(text, { lang: lang ?? undefined }).map((s) => s.text.trim()).filter(Boolean);

/**
 * Sentences of a summary or prediction for rougeLsum: the same segmenter, with every line break a boundary (a
 * prediction file writes one sentence per line).
 */
export const summarySentences: SentenceSplitter = (text, lang) =>
  segment(text, { lang: lang ?? undefined, joinLines: false }).map((s) => s.text.trim()).filter(Boolean);

export type EvalMethod = { kind: 'lead'; k: number; label: string } | { kind: 'extractive' | 'lcm'; label: string };

/**
 * `--method` values: `lead-K` (the first K sentences; `lead` = lead-k with --sentences), `extractive`, `lcm`.
 * The label is what the computation was: `--method lead --sentences 5` is reported as lead-5.
 */
export function parseEvalMethods(spec: string, k: number): EvalMethod[] {
  const out: EvalMethod[] = [];
  for (const raw of spec.split(',').map((m) => m.trim()).filter(Boolean)) {
    const lead = /^lead-?(\d*)$/.exec(raw);
    if (lead) {
      const n = lead[1] ? Number(lead[1]) : k;
      if (!(n >= 1)) throw new Error(`--method ${raw}: lead-K needs K ≥ 1`);
      out.push({ kind: 'lead', k: n, label: `lead-${n}` });
    } else if (raw === 'extractive' || raw === 'lcm') {
      out.push({ kind: raw, label: raw });
    } else {
      throw new Error(`--method for eval is lead-K (lead-1, lead-3, …; "lead" = lead-k with --sentences), extractive or lcm (got "${raw}")`);
    }
  }
  if (!out.length) throw new Error('--method is empty');
  const labels = out.map((m) => m.label);
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup) throw new Error(`--method lists ${dup} twice`);
  return out;
}

/**
 * Predictions from a JSONL file — one `{"id": …, "prediction": "…"}` per line (`prediction` may also be an array of
 * sentences, `summary`/`text` are accepted as its name) — attached to the reference records with the same id.
 * Every reference record needs exactly one prediction and every prediction a reference record: a mismatch is
 * almost always the wrong file, so it is an error that names the first ids concerned.
 */
export function attachPredictions<T extends { id?: string }>(
  records: readonly T[],
  predictionsText: string,
  fileName = 'predictions',
  /** predictions for ids outside `records` are fine (the references were cut with --limit) */
  ignoreUnknown = false,
): (T & { prediction: string })[] {
  const name = basename(fileName);
  let rows: Record<string, unknown>[];
  try {
    rows = parseJsonl(predictionsText);
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`);
  }
  const byId = new Map<string, string>();
  rows.forEach((row, i) => {
    const id = row?.id;
    if (typeof id !== 'string' && typeof id !== 'number') throw new Error(`${name}: line ${i + 1} has no "id" (each line is {"id": …, "prediction": "…"})`);
    const p = row.prediction ?? row.summary ?? row.text;
    const text = Array.isArray(p) && p.every((x) => typeof x === 'string') ? p.join('\n') : p;
    if (typeof text !== 'string') throw new Error(`${name}: line ${i + 1} (id ${id}) has no "prediction" string`);
    const key = String(id);
    if (byId.has(key)) throw new Error(`${name}: id ${key} appears twice`);
    byId.set(key, text);
  });
  const noId = records.findIndex((r) => r.id === undefined || r.id === null);
  if (noId >= 0) throw new Error(`reference record ${noId + 1} has no "id": predictions are matched to references by id`);
  const missing = records.filter((r) => !byId.has(String(r.id))).map((r) => String(r.id));
  const known = new Set(records.map((r) => String(r.id)));
  const unknown = [...byId.keys()].filter((id) => !known.has(id));
  const few = (ids: string[]) => `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}`;
  if (missing.length) throw new Error(`${name} has no prediction for ${missing.length} of ${records.length} reference records (${few(missing)})`);
  if (unknown.length && !ignoreUnknown) throw new Error(`${name} has ${unknown.length} prediction${unknown.length === 1 ? '' : 's'} for ids not in the reference set (${few(unknown)})`);
  return records.map((r) => ({ ...r, prediction: byId.get(String(r.id))! }));
}
