/**
 * A pack's measured quality and its fidelity thresholds, as pack.json states them (optional fields; the training
 * pipeline and the SONAR conversion write them):
 *
 *   "quality": "demo" | "full" | …            a label; or {"label": "demo", "metrics": {…}}
 *   "metrics": {                               held-out numbers, flat or nested one level; a number, or
 *     "autoencoding_chrf": 31.2,               {"value": 31.2, "baseline": 9.8} with the trivial baseline of the
 *     "retrieval_top1": {"value": 0.41, "baseline": 0.001},   same run
 *     "summary": {"rougeL": 12.3}
 *   }
 *   "fidelity": {"threshold": 0.7, "good": 0.85}   (SONAR packs) the cosine below which a decoded sentence is
 *                                                  flagged, and from which it counts as faithful
 *
 * A pack with neither a label nor metrics is treated as a demonstration (`demo: true`, label 'demo', not declared);
 * a pack without metrics is a demonstration whatever its label says.
 */
import type { FidelityThresholds, PackMetric, PackQuality } from '../types.js';

const MAX_METRICS = 16;

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function metricOf(name: string, v: unknown): PackMetric | null {
  if (typeof v === 'number' && Number.isFinite(v)) return { name, value: v };
  if (isObj(v) && typeof v.value === 'number' && Number.isFinite(v.value)) {
    const m: PackMetric = { name, value: v.value };
    if (typeof v.baseline === 'number' && Number.isFinite(v.baseline)) m.baseline = v.baseline;
    return m;
  }
  return null;
}

/** Flatten `metrics` (one level of nesting, names joined with '.'). */
export function parseMetrics(raw: unknown): PackMetric[] {
  if (!isObj(raw)) return [];
  const out: PackMetric[] = [];
  for (const [k, v] of Object.entries(raw)) {
    const m = metricOf(k, v);
    if (m) out.push(m);
    else if (isObj(v)) {
      for (const [k2, v2] of Object.entries(v)) {
        const m2 = metricOf(`${k}.${k2}`, v2);
        if (m2) out.push(m2);
      }
    }
    if (out.length >= MAX_METRICS) break;
  }
  return out.slice(0, MAX_METRICS);
}

export function packQuality(json: Record<string, unknown>): PackQuality {
  const q = json.quality;
  let label: string | null = null;
  let rawMetrics: unknown = json.metrics;
  if (typeof q === 'string' && q.trim()) label = q.trim();
  else if (isObj(q)) {
    if (typeof q.label === 'string' && q.label.trim()) label = q.label.trim();
    if (rawMetrics === undefined) rawMetrics = q.metrics;
  }
  const metrics = parseMetrics(rawMetrics);
  const declared = label !== null;
  const finalLabel = label ?? 'demo';
  return { label: finalLabel, declared, demo: finalLabel.toLowerCase() === 'demo' || metrics.length === 0, metrics };
}

/**
 * The SONAR pack's fidelity thresholds (pack.json `fidelity`), else `defaults` (engine/tasks/fidelity.ts
 * DEFAULT_FIDELITY, passed in by the caller).
 */
export function fidelityThresholds(json: Record<string, unknown>, defaults: FidelityThresholds): FidelityThresholds {
  const f = json.fidelity;
  if (!isObj(f)) return defaults;
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= -1 && x <= 1;
  if (!ok(f.threshold)) return defaults;
  const good = ok(f.good) && f.good >= f.threshold ? f.good : Math.max(f.threshold, defaults.good);
  return { threshold: f.threshold, good, source: 'pack' };
}
