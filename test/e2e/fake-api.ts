/**
 * A fake ConceptApi for renderer development and tests without models (never used by `npm start`).
 * Runs are simulated with timers: progress per stage, cancellation, attribution, pinned sentences, concept maps.
 *
 *   npx tsx test/e2e/fake-api.ts [--port 8765]   serves the renderer on fake data in browser mode
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiError,
  type ApiEvent,
  type ConceptApi,
  type ConceptMapPoint,
  type GetSonarRequest,
  type LicenseInfo,
  type SonarVariantInfo,
  type DocumentSummary,
  type DocumentView,
  type ImportRequest,
  type ImportResult,
  type LanguageInfo,
  type OutputSentence,
  type PackInfo,
  type RunRequest,
  type RunResult,
  type RunSummary,
  type RuntimeInfo,
  type SentenceView,
  type Settings,
  type Stage,
} from '../../main/api/contract.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

const RTL_SCRIPTS = new Set(['Arab', 'Hebr', 'Thaa', 'Syrc', 'Nkoo', 'Adlm']);

export function fakeLanguages(): LanguageInfo[] {
  const rows = readFileSync(resolve(ROOT, 'models', 'sonar-languages.tsv'), 'utf8').trim().split('\n');
  return rows.map((row) => {
    const [code, english] = row.split('\t');
    const [lang, script] = code.split('_');
    let native = english;
    try {
      const n = new Intl.DisplayNames([lang], { type: 'language', fallback: 'none' }).of(lang);
      if (n && n.toLowerCase() !== lang) native = n;
    } catch {
      /* keep the English name */
    }
    return {
      code,
      english,
      native,
      script,
      direction: RTL_SCRIPTS.has(script) ? 'rtl' : 'ltr',
      trained: ['eng_Latn', 'fra_Latn', 'deu_Latn', 'spa_Latn', 'arb_Arab', 'zho_Hans', 'rus_Cyrl'].includes(code),
    } as LanguageInfo;
  });
}

interface Doc extends DocumentView {
  deleted: boolean;
}

function splitSentences(text: string): SentenceView[] {
  const out: SentenceView[] = [];
  const seg = new Intl.Segmenter('en', { granularity: 'sentence' });
  let paragraph = 0;
  let offset = 0;
  for (const para of text.split(/\n\s*\n/)) {
    const start = text.indexOf(para, offset);
    offset = start + para.length;
    if (!para.trim()) continue;
    for (const s of seg.segment(para)) {
      const t = s.segment.trim();
      if (!t) continue;
      const st = start + s.index + s.segment.indexOf(t);
      out.push({ idx: out.length, paragraph, start: st, end: st + t.length, text: t, language: 'eng_Latn' });
    }
    paragraph++;
  }
  return out;
}

function detect(text: string): string {
  if (/[\u0600-\u06ff]/.test(text)) return 'arb_Arab';
  if (/[\u4e00-\u9fff]/.test(text)) return 'zho_Hans';
  if (/\b(le|la|les|et|des)\b/.test(text)) return 'fra_Latn';
  return 'eng_Latn';
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export interface FakeOptions {
  /** Milliseconds per progress step; long runs (expand, documents over 100 sentences, steps >= 100) take 20 times longer. */
  stepMs?: number;
}

export class FakeApi implements ConceptApi {
  private docs = new Map<number, Doc>();
  private runs = new Map<number, RunResult>();
  private listeners = new Set<(ev: ApiEvent) => void>();
  private inflight = new Map<string, { cancelled: boolean }>();
  private nextDoc = 1;
  private nextRun = 1;
  private nextReq = 1;
  private langs = fakeLanguages();
  private stepMs: number;
  private settings: Settings = {
    provider: 'auto',
    threads: 0,
    theme: 'system',
    uiLanguage: null,
    recentLanguages: ['fra_Latn', 'deu_Latn'],
    userPackDir: null,
  };

  constructor(opts: FakeOptions = {}) {
    this.stepMs = opts.stepMs ?? 40;
  }

  onEvent(cb: (ev: ApiEvent) => void) {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private emit(ev: ApiEvent) {
    for (const l of this.listeners) l(ev);
  }

  async languages() {
    return this.langs;
  }

  async listDocuments(query?: { search?: string }): Promise<DocumentSummary[]> {
    const q = query?.search?.toLowerCase().trim();
    return [...this.docs.values()]
      .filter((d) => !d.deleted && (!q || d.title.toLowerCase().includes(q) || d.text.toLowerCase().includes(q)))
      .sort((a, b) => b.id - a.id)
      .map(({ text, sentences, deleted, ...s }) => s);
  }

  async importDocument(req: ImportRequest): Promise<ImportResult> {
    if (!req || typeof req.name !== 'string') throw new ApiError('INVALID_ARGUMENT', 'name is required');
    let text = req.text ?? (req.bytesBase64 ? Buffer.from(req.bytesBase64, 'base64').toString('utf8') : '');
    const ext = (req.name.match(/\.([a-z0-9]+)$/i)?.[1] ?? 'paste').toLowerCase();
    if (ext === 'html' || ext === 'htm') text = text.replace(/<[^>]+>/g, ' ').replace(/[ \t]+/g, ' ');
    if (!text.trim()) throw new ApiError('EMPTY_DOCUMENT', 'The document has no text.');
    const dup = [...this.docs.values()].find((d) => !d.deleted && d.text === text);
    if (dup) {
      const { text: _t, sentences: _s, deleted: _d, ...summary } = dup;
      return { document: summary, duplicate: true, warnings: [] };
    }
    const sentences = splitSentences(text);
    const language = detect(text);
    for (const s of sentences) s.language = language;
    const doc: Doc = {
      id: this.nextDoc++,
      title: req.name.replace(/\.[a-z0-9]+$/i, '') || 'Pasted text',
      type: req.text !== undefined && !req.bytesBase64 ? (ext === 'paste' ? 'paste' : ext) : ext,
      language,
      languageConfidence: 0.93,
      chars: text.length,
      sentenceCount: sentences.length,
      createdAt: new Date(Date.now() - 1000 * (10 - this.nextDoc)).toISOString(),
      text,
      sentences,
      deleted: false,
    };
    this.docs.set(doc.id, doc);
    const { text: _t, sentences: _s, deleted: _d, ...summary } = doc;
    return { document: summary, duplicate: false, warnings: [] };
  }

  private doc(id: number): Doc {
    const d = this.docs.get(id);
    if (!d || d.deleted) throw new ApiError('DOCUMENT_NOT_FOUND', `No document ${id}.`);
    return d;
  }

  async getDocument(id: number): Promise<DocumentView> {
    const { deleted, ...view } = this.doc(id);
    return view;
  }

  async deleteDocument(id: number) {
    this.doc(id).deleted = true;
  }

  async restoreDocument(id: number) {
    const d = this.docs.get(id);
    if (!d) throw new ApiError('DOCUMENT_NOT_FOUND', `No document ${id}.`);
    d.deleted = false;
  }

  async startRun(req: RunRequest): Promise<{ requestId: string }> {
    const doc = this.doc(req.documentId);
    if (!this.langs.some((l) => l.code === req.targetLang)) {
      throw new ApiError('UNKNOWN_LANGUAGE', `Unknown language ${req.targetLang}.`);
    }
    const requestId = `req-${this.nextReq++}`;
    const state = { cancelled: false };
    this.inflight.set(requestId, state);
    const long = req.task === 'expand' || doc.sentences.length > 100 || (req.sampler?.steps ?? 0) >= 100;
    void this.simulate(requestId, req, doc, state, long ? this.stepMs * 20 : this.stepMs);
    return { requestId };
  }

  private async simulate(requestId: string, req: RunRequest, doc: Doc, state: { cancelled: boolean }, stepMs: number) {
    const n = doc.sentences.length;
    const outCount = Math.max(1, req.length?.sentences ?? Math.round(n * (req.length?.ratio ?? (req.task === 'expand' ? 1.5 : 0.3))));
    const stages: [Stage, number][] = [
      ['load', 1],
      ['segment', 1],
      ['encode', n],
      ['generate', outCount],
      ['decode', outCount],
      ['save', 1],
    ];
    const cached = this.runs.size > 0 ? n : 0;
    const t0 = Date.now();
    const timings: Record<string, number> = {};
    for (const [stage, total] of stages) {
      const ts = Date.now();
      const steps = Math.min(total, 8);
      for (let i = 1; i <= steps; i++) {
        await new Promise((r) => setTimeout(r, stepMs));
        if (state.cancelled) {
          this.inflight.delete(requestId);
          this.emit({ type: 'error', requestId, code: 'CANCELLED', message: 'The run was cancelled.' });
          return;
        }
        const done = Math.round((i / steps) * total);
        this.emit({
          type: 'progress',
          requestId,
          stage,
          done,
          total,
          ...(stage === 'encode' ? { cacheHits: Math.min(done, cached) } : {}),
        });
      }
      timings[stage] = Date.now() - ts;
    }
    const parent = req.parentRunId ? this.runs.get(req.parentRunId) : undefined;
    const pinned = new Map((req.pinned ?? []).map((p) => [p.index, p.text]));
    const lang = req.targetLang;
    const sameLang = lang === doc.language;
    const sentences: OutputSentence[] = [];
    const count = parent && !req.length ? parent.sentences.length : outCount;
    for (let i = 0; i < count; i++) {
      const src = doc.sentences[(i * 3 + (req.sampler?.seed ?? 0)) % n];
      const second = doc.sentences[(i * 3 + 1) % n];
      const attribution = [
        { sentenceIdx: src.idx, score: 0.82 - i * 0.01 },
        ...(second.idx !== src.idx ? [{ sentenceIdx: second.idx, score: 0.41 }] : []),
      ];
      if (pinned.has(i)) {
        sentences.push({ index: i, text: pinned.get(i)!, attribution, pinned: true });
      } else {
        const regenerated = parent ? ' (regenerated)' : '';
        const text = sameLang ? src.text : `[${lang}] ${src.text}${regenerated}`;
        sentences.push({ index: i, text, attribution, verbatim: sameLang && req.method === 'extractive' });
      }
    }
    const id = this.nextRun++;
    const result: RunResult = {
      id,
      documentId: doc.id,
      task: req.task,
      targetLang: lang,
      method: req.method === 'extractive' ? 'extractive' : 'lcm',
      createdAt: new Date().toISOString(),
      status: 'done',
      preview: sentences.map((s) => s.text).join(' ').slice(0, 140),
      sentences,
      timings: { ...timings, total: Date.now() - t0 },
      cache: { hits: cached, misses: n - cached },
      packs: { sonar: 'mini-sonar@0.1.0', lcm: 'mini-base-lcm@0.1.0' },
      parameters: req,
    };
    this.runs.set(id, result);
    this.settings.recentLanguages = [lang, ...this.settings.recentLanguages.filter((l) => l !== lang)].slice(0, 8);
    this.inflight.delete(requestId);
    this.emit({ type: 'done', requestId, result });
  }

  async cancelRun(requestId: string) {
    const s = this.inflight.get(requestId);
    if (s) s.cancelled = true;
  }

  async listRuns(documentId: number): Promise<RunSummary[]> {
    return [...this.runs.values()]
      .filter((r) => r.documentId === documentId)
      .sort((a, b) => b.id - a.id)
      .map(({ sentences, timings, cache, packs, parameters, ...s }) => s);
  }

  async getRun(runId: number): Promise<RunResult> {
    const r = this.runs.get(runId);
    if (!r) throw new ApiError('RUN_NOT_FOUND', `No run ${runId}.`);
    return r;
  }

  /** the fake packs state no held-out figures, so there is never a note */
  async expectRun(req: { documentId: number }): Promise<null> {
    this.doc(req.documentId);
    return null;
  }

  async conceptMap(documentId: number, runId?: number): Promise<ConceptMapPoint[]> {
    const doc = this.doc(documentId);
    const pts: ConceptMapPoint[] = doc.sentences.map((s) => {
      const h = hash(s.text);
      return { x: ((h & 0xffff) / 0xffff) * 2 - 1, y: (((h >>> 16) & 0xffff) / 0xffff) * 2 - 1, kind: 'source', index: s.idx, text: s.text };
    });
    if (runId !== undefined) {
      const run = await this.getRun(runId);
      for (const o of run.sentences) {
        const src = pts[o.attribution[0]?.sentenceIdx ?? 0];
        pts.push({ x: src.x + 0.05, y: src.y + 0.05, kind: 'output', index: o.index, text: o.text });
      }
    }
    return pts;
  }

  async packs(): Promise<PackInfo[]> {
    const langs = this.langs.filter((l) => l.trained).map((l) => l.code);
    return [
      {
        name: 'mini-sonar', kind: 'sonar', space: 'mini', dim: 256, license: 'MIT', bundled: true, verified: 'ok',
        problems: [], description: 'Small SONAR-style encoder and decoder trained for Concept Studio.',
        path: resolve(ROOT, 'models/mini/sonar'), bytes: 31_457_280, languagesTrained: langs, active: true,
        quality: { label: 'demo', declared: false, demo: true, metrics: [] },
        fidelity: { threshold: 0.9, good: 0.95, source: 'default' },
      },
      {
        name: 'mini-base-lcm', kind: 'lcm', variant: 'base', space: 'mini', dim: 256, license: 'MIT', bundled: true,
        verified: 'unchecked', problems: [], description: 'Small Base-LCM.', path: resolve(ROOT, 'models/mini/base-lcm'),
        bytes: 8_388_608, languagesTrained: [], active: true,
        quality: { label: 'demo', declared: false, demo: true, metrics: [] },
      },
    ];
  }

  async importPack(path: string): Promise<PackInfo> {
    throw new ApiError('PACK_INVALID', `No pack.json in ${path}.`);
  }

  async removePack(name: string): Promise<void> {
    const p = (await this.packs()).find((x) => x.name === name);
    if (!p) throw new ApiError('PACK_MISSING', `No pack ${name}.`);
    throw new ApiError('PACK_BUNDLED', `${name} comes with the app and cannot be removed.`);
  }

  private licenseAcceptedAt: string | null = null;

  async sonarLicense(): Promise<LicenseInfo> {
    return { id: 'CC-BY-NC-4.0', title: 'SONAR (fake)', url: 'https://creativecommons.org/licenses/by-nc/4.0/legalcode',
      text: 'Non-commercial use only (fake licence text).', accepted: this.licenseAcceptedAt !== null, acceptedAt: this.licenseAcceptedAt };
  }

  async sonarVariants(): Promise<SonarVariantInfo[]> {
    return [{ variant: 'fp32', packBytes: 6.33e9 }, { variant: 'int8', packBytes: 1.84e9 }, { variant: 'fp16', packBytes: 3.17e9 }];
  }

  async acceptSonarLicense(): Promise<LicenseInfo> {
    this.licenseAcceptedAt = new Date().toISOString();
    return this.sonarLicense();
  }

  async getSonar(_req?: GetSonarRequest): Promise<PackInfo> {
    if (!this.licenseAcceptedAt) throw new ApiError('LICENSE_NOT_ACCEPTED', 'Accept the SONAR licence first.');
    throw new ApiError('DOWNLOAD_NETWORK', 'The fake API cannot download anything.');
  }

  /** The fake cannot run a model: a self-test needs the real service (test/e2e/selftest.test.ts uses it). */
  async selftestPack(req: { name: string }): Promise<PackInfo> {
    const p = (await this.packs()).find((x) => x.name === req.name);
    if (!p) throw new ApiError('PACK_MISSING', `No pack ${req.name}.`);
    throw new ApiError('ENGINE_UNAVAILABLE', 'The fake API cannot run a model; the self-test needs the real service.');
  }

  async verifyPack(name: string): Promise<PackInfo> {
    const p = (await this.packs()).find((x) => x.name === name);
    if (!p) throw new ApiError('PACK_NOT_FOUND', `No pack ${name}.`);
    return { ...p, verified: 'ok' };
  }

  async runtime(): Promise<RuntimeInfo> {
    const requested = this.settings.provider;
    return {
      requestedProvider: requested,
      usedProvider: 'cpu',
      fallbackReason: requested !== 'auto' && requested !== 'cpu' ? `${requested} is not available on this machine.` : null,
      availableProviders: ['cpu'],
      threads: this.settings.threads || 4,
    };
  }

  async getSettings() {
    return { ...this.settings };
  }

  async setSettings(patch: Partial<Settings>) {
    this.settings = { ...this.settings, ...patch };
    return { ...this.settings };
  }
}

export function createFakeApi(opts?: FakeOptions) {
  return new FakeApi(opts);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { createServer } = await import('../../main/server.js');
  const { rendererNeedsBuild, buildRenderer } = await import('../../main/start.js');
  if (rendererNeedsBuild()) buildRenderer();
  const i = process.argv.indexOf('--port');
  const api = createFakeApi();
  await api.importDocument({
    name: 'Sample.txt',
    text: readFileSync(resolve(ROOT, 'test/e2e/fixtures/sample.txt'), 'utf8'),
  });
  const srv = await createServer({ api, port: i > 0 ? Number(process.argv[i + 1]) : 0 });
  console.log(`Concept Studio on FAKE data: ${srv.appUrl}`);
}
