/**
 * One schema for every request at the API boundary (issue 11, defect 5). Before it, each method checked what it
 * happened to use: `pinned[].index = 1e9` generated until cancelled, `sampler.steps = 1e9` failed later as INTERNAL,
 * `guidanceScale: "x"` was accepted, `listDocuments({search: {}})` was a 500 (`trim is not a function`), invalid base64
 * imported as a garbage document, `cancelRun({})` answered "[object Object]", and a 10,000-character language code
 * came back whole. Every argument is now checked here, bounded, and refused with INVALID_REQUEST (HTTP 400) in words
 * that name the field; values are quoted short. Unknown object keys are ignored (older and newer clients).
 */
import { ApiError, type ConceptApi } from './contract.js';

/** A check returns the problem in the user's words, or null. `at` is the field's path ("pinned[2].index"). */
type Check = (v: unknown, at: string) => string | null;

const show = (v: unknown): string => {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};
const fmt = (n: number) => n.toLocaleString('en-US');

const int = (min: number, max: number): Check => (v, at) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? null
    : `${at} must be a whole number from ${fmt(min)} to ${fmt(max)} (got ${show(v)})`;

const num = (min: number, max: number, minExclusive = false): Check => (v, at) =>
  typeof v === 'number' && Number.isFinite(v) && (minExclusive ? v > min : v >= min) && v <= max ? null
    : `${at} must be a number ${minExclusive ? 'above' : 'from'} ${min} ${minExclusive ? 'up to' : 'to'} ${max} (got ${show(v)})`;

const str = (maxLen: number, minLen = 0): Check => (v, at) =>
  typeof v !== 'string' ? `${at} must be text (got ${show(v)})`
    : v.length < minLen ? `${at} must not be empty`
      : v.length > maxLen ? `${at} is too long (${fmt(v.length)} characters; at most ${fmt(maxLen)})` : null;

const oneOf = (values: readonly string[]): Check => (v, at) =>
  typeof v === 'string' && values.includes(v) ? null : `${at} must be one of ${values.join(', ')} (got ${show(v)})`;

/** A language code: a SONAR code (eng_Latn) or a short tag (en, fr-CA). */
const lang: Check = (v, at) =>
  typeof v === 'string' && /^[A-Za-z0-9_-]{1,32}$/.test(v) ? null : `${at} must be a language code such as eng_Latn (got ${show(v)})`;

/** Strict base64 (whitespace allowed between groups): Buffer.from would silently drop what is not base64. */
const base64 = (maxLen: number): Check => (v, at) => {
  const e = str(maxLen)(v, at);
  if (e) return e;
  const s = (v as string).replace(/\s+/g, '');
  return s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s) ? null : `${at} is not valid base64 file contents`;
};

// JSON has no undefined: an omitted argument reaches the HTTP API as null (JSON.stringify([undefined]) is "[null]"),
// so for an optional field both mean "not given"
const optional = (c: Check): Check => (v, at) => (v === undefined || v === null ? null : c(v, at));
const nullable = (c: Check): Check => (v, at) => (v === null ? null : c(v, at));

const object = (fields: Record<string, Check>): Check => (v, at) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${at} must be an object (got ${show(v)})`;
  for (const [k, c] of Object.entries(fields)) {
    const e = c((v as Record<string, unknown>)[k], `${at}.${k}`);
    if (e) return e;
  }
  return null;
};

const array = (item: Check, maxItems: number): Check => (v, at) => {
  if (!Array.isArray(v)) return `${at} must be a list (got ${show(v)})`;
  if (v.length > maxItems) return `${at} has ${fmt(v.length)} items; at most ${fmt(maxItems)}`;
  for (let i = 0; i < v.length; i++) {
    const e = item(v[i], `${at}[${i}]`);
    if (e) return e;
  }
  return null;
};

/** Bounds. Output positions and counts: far above any useful summary, far below "runs until cancelled". */
export const LIMITS = {
  id: Number.MAX_SAFE_INTEGER,
  outputSentences: 10_000,
  pinnedText: 5_000,
  samplerSteps: 1_000,
  name: 1_000,
  search: 1_000,
  path: 4_096,
  /** bytesBase64 / text: the service's maxTextBytes refuses big documents in words; this stops absurd strings early */
  body: 64 * 1024 * 1024,
} as const;

const id = int(1, LIMITS.id);

const runRequest = object({
  documentId: id,
  task: oneOf(['summarize', 'expand', 'translate', 'continue']),
  targetLang: lang,
  method: optional(oneOf(['auto', 'lcm', 'extractive'])),
  lcmPack: optional(str(LIMITS.name, 1)),
  length: optional(object({
    sentences: optional(int(1, LIMITS.outputSentences)),
    ratio: optional(num(0, 20, true)),
  })),
  sampler: optional(object({
    steps: optional(int(1, LIMITS.samplerSteps)),
    guidanceScale: optional(num(0, 100)),
    guidanceRescale: optional(num(0, 1)),
    initialNoiseScale: optional(num(0, 100)),
    epsilonScaling: optional(nullable(num(0, 100))),
    seed: optional(int(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)),
  })),
  pinned: optional(array(object({ index: int(0, LIMITS.outputSentences - 1), text: str(LIMITS.pinnedText, 1) }), LIMITS.outputSentences)),
  parentRunId: optional(id),
  sourceLang: optional(lang),
});

const bool: Check = (v, at) => (typeof v === 'boolean' ? null : `${at} must be true or false (got ${show(v)})`);

/** Argument checks per method, by position. Methods not listed take no arguments or are checked by the service. */
export const API_SCHEMA: Partial<Record<keyof ConceptApi, readonly [string, Check][]>> = {
  listDocuments: [['query', optional(object({ search: optional(str(LIMITS.search)) }))]],
  importDocument: [['request', object({
    name: str(LIMITS.name, 1),
    text: optional(str(LIMITS.body)),
    bytesBase64: optional(base64(LIMITS.body)),
    language: optional(nullable(lang)),
  })]],
  getDocument: [['document id', id]],
  deleteDocument: [['document id', id]],
  restoreDocument: [['document id', id]],
  startRun: [['request', runRequest]],
  cancelRun: [['request id', str(200, 1)]],
  listRuns: [['document id', id]],
  getRun: [['run id', id]],
  conceptMap: [['document id', id], ['run id', optional(nullable(id))]],
  expectRun: [['request', object({
    documentId: id,
    task: oneOf(['summarize', 'expand', 'translate', 'continue']),
    targetLang: lang,
    method: optional(oneOf(['auto', 'lcm', 'extractive'])),
    sourceLang: optional(nullable(lang)),
  })]],
  importPack: [['pack folder', str(LIMITS.path, 1)]],
  verifyPack: [['pack name', str(LIMITS.path, 1)]],
  removePack: [['pack name', str(LIMITS.path, 1)]],
  getSonar: [['request', optional(object({
    baseUrl: optional(str(LIMITS.path, 1)),
    requestId: optional(str(200, 1)),
    name: optional(str(LIMITS.name, 1)),
    variant: optional(oneOf(['fp32', 'fp16', 'int8'])),
    keepDownloads: optional(bool),
    selftest: optional(bool),
  }))]],
  selftestPack: [['request', object({ name: str(LIMITS.path, 1), requestId: optional(str(200, 1)) })]],
  setSettings: [['settings', object({})]],
};

/** Check a method's arguments; throws ApiError INVALID_REQUEST naming the first bad field. */
export function validateArgs(method: string, args: readonly unknown[]): void {
  const schema = API_SCHEMA[method as keyof ConceptApi];
  if (!schema) return;
  schema.forEach(([name, check], i) => {
    const e = check(args[i], name);
    if (e) throw new ApiError('INVALID_REQUEST', `${method}: ${e}.`);
  });
}

/** Put the schema in front of every listed method of a service object (in place; returns it). */
export function withValidation<T extends object>(api: T): T {
  const target = api as Record<string, unknown>;
  for (const method of Object.keys(API_SCHEMA)) {
    const orig = target[method];
    if (typeof orig !== 'function') continue;
    target[method] = async (...args: unknown[]) => {
      validateArgs(method, args);
      return (orig as (...a: unknown[]) => unknown).apply(api, args);
    };
  }
  return api;
}
