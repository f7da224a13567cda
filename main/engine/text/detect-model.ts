/**
 * The learned parts of language detection (detect.ts), fitted by `scripts/detect-ntrex.mts` on the TUNE half of
 * NTREX-128's documents (content-matched translations, so the features learnt are the languages', not the topics')
 * and Tatoeba where it has the language and stored in detect-model-data.ts:
 * - groups of languages franc confuses (Persian/Dari, Amharic/Tigrinya, Indonesian/Malay, …), each with a
 *   multinomial naive Bayes over character 1–4-grams and words, and log priors by number of users: a short text
 *   goes to the more used language unless its own evidence says otherwise;
 * - a logistic calibration of the confidence: P(right | franc's margin over the best language outside the group,
 *   the number of letters, the group discriminator's posterior), so that 0.9 means right about 9 times in 10.
 */
import { MODEL } from './detect-model-data.js';

export interface GroupModel {
  langs: string[];
  /** log prior per language (by number of users) */
  logPrior: number[];
  /** feature → log P(feature | language), one value per language */
  features: Record<string, number[]>;
}

export interface DetectModel {
  /** franc score gap within which a rival member of the group lets the discriminator decide */
  groupMargin: number;
  groups: GroupModel[];
  /** logistic coefficients: bias, margin, log letters, discriminator logit */
  calibration: [number, number, number, number];
}

let model = MODEL as unknown as DetectModel;
const byLang = new Map<string, GroupModel>();
index();

function index() {
  byLang.clear();
  for (const g of model.groups) for (const l of g.langs) byLang.set(l, g);
}

/** Replace the model (the fitting script tries one before writing it). */
export function useModel(m: DetectModel): void {
  model = m;
  index();
}

export function groupMargin(): number {
  return model.groupMargin;
}

export function groupOf(lang: string): GroupModel | null {
  return byLang.get(lang) ?? null;
}

export function groups(): readonly GroupModel[] {
  return model.groups;
}

export const DISCRIMINATE_CHARS = 20_000;

/** The features the group discriminators count: space-padded character 1–4-grams of each word, and the words. */
export function textFeatures(text: string): string[] {
  const out: string[] = [];
  for (const w of text.toLowerCase().normalize('NFC').split(/[^\p{L}\p{M}]+/u)) {
    if (!w) continue;
    out.push(`w:${w}`);
    const cps = [...` ${w} `];
    for (let n = 1; n <= 4; n++) for (let i = 0; i + n <= cps.length; i++) out.push(cps.slice(i, i + n).join(''));
  }
  return out;
}

/** The group member the text's features and the priors favour, with its posterior probability. */
export function discriminate(group: GroupModel, text: string): { lang: string; posterior: number } {
  const score = [...group.logPrior];
  // a few pages are evidence enough; a book would only cost time
  for (const f of textFeatures(text.length > DISCRIMINATE_CHARS ? text.slice(0, DISCRIMINATE_CHARS) : text)) {
    const ll = group.features[f];
    if (ll) for (let c = 0; c < score.length; c++) score[c] += ll[c];
  }
  const max = Math.max(...score);
  const exp = score.map((s) => Math.exp(s - max));
  const z = exp.reduce((a, b) => a + b, 0);
  let best = 0;
  for (let c = 1; c < score.length; c++) if (score[c] > score[best]) best = c;
  return { lang: group.langs[best], posterior: exp[best] / z };
}

/** Calibration features, shared by the fit (scripts/detect-ntrex.mts) and the use here. */
export function calibrationFeatures(x: { margin: number; letters: number; within: number }): [number, number, number, number] {
  const p = Math.min(1 - 1e-6, Math.max(1e-6, x.within));
  return [1, Math.min(x.margin, 0.3) * 10, Math.log(x.letters), Math.min(10, Math.log(p / (1 - p)))];
}

/** P(the detected language is right). */
export function calibrated(x: { margin: number; letters: number; within: number }): number {
  const f = calibrationFeatures(x);
  const z = f.reduce((s, v, i) => s + v * model.calibration[i], 0);
  return 1 / (1 + Math.exp(-z));
}
