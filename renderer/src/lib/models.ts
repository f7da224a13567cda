/** What the interface says about model packs: quality labels, metric formatting, the documented SONAR command. */
import type { PackInfo } from '../../../main/api/contract.js';

/** README.md › Real SONAR: the conversion command for a machine without internet access (Get SONAR does it in the app). */
export const SONAR_CONVERT_COMMAND =
  '/usr/bin/python3 tools/convert_sonar.py --encoder sonar_text_encoder.pt --decoder sonar_text_decoder.pt \\\n' +
  '    --spm sentencepiece.source.256000.model --out ~/ConceptStudio/models/sonar';

/** Where the official files come from (README.md). */
export const SONAR_SOURCES = 'dl.fbaipublicfiles.com/SONAR/ · huggingface.co/facebook/SONAR';

/** The quality label a pack shows: its pack.json label, else demo (a pack without metrics is a demonstration). */
export function qualityLabel(p: Pick<PackInfo, 'quality'> | null | undefined): string {
  return p?.quality?.label ?? 'demo';
}

export function isDemo(p: Pick<PackInfo, 'quality'> | null | undefined): boolean {
  return p?.quality ? p.quality.demo : true;
}

/**
 * A metric's name in the interface language when the locales know it (`metric.<name>`: the figures the bundled packs
 * state), else as the pack states it.
 */
export function metricName(name: string, t: (key: string) => string, exists: (key: string) => boolean): string {
  return !name.includes('.') && exists(`metric.${name}`) ? t(`metric.${name}`) : name;
}

/** "autoencoding_chrf 31.2 (baseline 9.8)" for a tooltip; numbers in the interface language. */
export function metricsLine(p: Pick<PackInfo, 'quality'>, locale: string): string {
  const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
  return (p.quality?.metrics ?? []).map((m) => `${m.name} ${nf.format(m.value)}${m.baseline !== undefined ? ` (${nf.format(m.baseline)})` : ''}`).join(' · ');
}

/**
 * The SONAR variant Get SONAR preselects for the provider the models run on: int8 on the CPU (at full size up to 3×
 * faster one sentence at a time, 0.29× the disk, RSS 0.37× fp32's after load and 0.49× at its peak:
 * bench/results/2026-12-01-cpu-full-crosscache.json; the outputs it changes say their sentence as well:
 * docs/sonar-variants.md), fp32 on a GPU (the int8 graph is a CPU graph; fp16 saves disk only). Null while the
 * runtime is unknown: no recommendation, fp32 stays selected.
 */
export function recommendedSonarVariant(usedProvider: string | null | undefined): 'fp32' | 'int8' | null {
  if (!usedProvider) return null;
  return usedProvider === 'cpu' ? 'int8' : 'fp32';
}
