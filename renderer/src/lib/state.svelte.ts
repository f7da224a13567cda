/** The app's state (Svelte 5 runes). Every read and write of data goes through the typed API client. */
import type {
  ApiEvent, ConceptMapPoint, DecodingExpectation, DocumentSummary, DocumentView, LanguageInfo, Method, OutputSentence, PackInfo,
  RunRequest, RunResult, RunSummary, RuntimeInfo, SamplerSettings, Settings, TaskKind,
} from '../../../main/api/contract.js';
import { createClient, type ApiClient } from './api.js';
import { dirOf, i18next, initI18n, isLocale, pickLocale, type Locale } from './i18n.js';
import { displayName, pushRecent } from './languages.js';
import { applyProgress, initialStages, type StageState } from './progress.js';

export type Tab = 'document' | 'result' | 'history' | 'map';

export interface Toast {
  id: number;
  text: string;
  action?: { label: string; run: () => void };
}

export interface EditableSentence extends OutputSentence {
  edited?: boolean;
  removed?: boolean;
}

class AppState {
  api!: ApiClient;
  ready = $state(false);
  locale = $state<Locale>('en');
  documents = $state<DocumentSummary[]>([]);
  search = $state('');
  doc = $state<DocumentView | null>(null);
  tab = $state<Tab>('document');
  languages = $state<LanguageInfo[]>([]);
  settings = $state<Settings | null>(null);
  runtime = $state<RuntimeInfo | null>(null);
  packs = $state<PackInfo[]>([]);
  settingsOpen = $state(false);
  /** the first-run panel about the bundled models (shown until dismissed; reachable again from the header) */
  firstRunOpen = $state(false);
  /** the packs the app uses (PackInfo.active) */
  activeSonar = $derived(this.packs.find((p) => p.kind === 'sonar' && p.active) ?? this.packs.find((p) => p.kind === 'sonar') ?? null);
  activeLcm = $derived(this.packs.find((p) => p.kind === 'lcm' && p.active) ?? null);

  // task panel
  task = $state<TaskKind>('summarize');
  targetLang = $state('fra_Latn');
  /**
   * the user has chosen a target language (the picker, or a language remembered from an earlier run); until then the
   * target follows the open document's language, so a first run gives a summary the reader can check (verbatim
   * sentences with the demonstration packs) rather than a translation the installed packs may not be able to write
   */
  targetChosen = false;
  lengthMode = $state<'sentences' | 'ratio'>('sentences');
  lengthValue = $state(3);
  method = $state<Method>('auto');
  sampler = $state<Partial<SamplerSettings>>({});
  /** what the active SONAR pack is measured to keep in the chosen run's direction (null: nothing to say) */
  expectation = $state<DecodingExpectation | null>(null);
  private expectationAsk = 0;

  // running
  requestId = $state<string | null>(null);
  stages = $state<StageState[]>(initialStages());
  lastRunRequest: RunRequest | null = null;

  // result
  result = $state<RunResult | null>(null);
  edits = $state<EditableSentence[]>([]);
  focused = $state<number | null>(null);
  runs = $state<RunSummary[]>([]);
  mapPoints = $state<ConceptMapPoint[]>([]);

  toasts = $state<Toast[]>([]);
  announcement = $state('');
  private toastId = 1;

  /** A language's name in the interface language (Intl.DisplayNames), else its English name, else the code. */
  langName = (code: string | null | undefined) => {
    if (!code) return '';
    const base = code.split('_')[0];
    const scripts = base === 'zho' || this.languages.filter((l) => l.code.startsWith(`${base}_`)).length > 1;
    return displayName(code, this.locale, scripts) ?? this.languages.find((l) => l.code === code)?.english ?? code;
  };

  /**
   * Ask the service what the run as set up now would keep (expectRun). The task panel's effect re-asks when an argument
   * or the active SONAR pack changes; an answer to an earlier question is dropped.
   */
  async refreshExpectation(documentId: number | null, task: TaskKind, targetLang: string, method: Method) {
    const ask = ++this.expectationAsk;
    if (documentId === null || !this.api) {
      this.expectation = null;
      return;
    }
    let x: DecodingExpectation | null = null;
    try {
      x = await this.api.expectRun({ documentId, task, targetLang, method });
    } catch {
      x = null; // the note is advice: a failing check (no pack, a deleted document) shows nothing; the run will say why
    }
    if (ask === this.expectationAsk) this.expectation = x;
  }

  dismissFirstRun() {
    this.firstRunOpen = false;
    if (!this.settings?.firstRunDismissed) void this.saveSettings({ firstRunDismissed: true });
  }

  /** Make a pack the one the app uses for its kind. */
  async usePack(p: PackInfo) {
    await this.saveSettings(p.kind === 'sonar' ? { activeSonar: p.name } : { activeLcm: p.name });
    await this.refreshModels();
  }

  async removePack(p: PackInfo) {
    try {
      await this.api.removePack(p.name);
      this.toast(this.t('settings.removed', { name: p.name }));
    } catch (e) {
      this.error(e);
    }
    await this.refreshModels();
  }

  t = (key: string, opts?: Record<string, unknown>): string => {
    void this.locale; // re-render when the language changes
    return i18next.t(key, opts) as string;
  };

  async init(api: ApiClient = createClient()) {
    this.api = api;
    const sys = typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : ['en'];
    await initI18n(pickLocale(sys));
    api.onEvent((ev) => this.onEvent(ev));
    const [settings, languages] = await Promise.all([api.getSettings(), api.languages()]);
    this.settings = settings;
    this.languages = languages;
    this.firstRunOpen = !settings.firstRunDismissed;
    this.setLocale(isLocale(settings.uiLanguage) ? settings.uiLanguage : pickLocale(sys), false);
    this.applyTheme();
    if (settings.recentLanguages[0]) {
      this.targetLang = settings.recentLanguages[0];
      this.targetChosen = true;
    }
    await this.refreshDocuments();
    this.ready = true;
    void this.refreshModels();
  }

  setLocale(loc: Locale, persist = true) {
    void i18next.changeLanguage(loc);
    this.locale = loc;
    document.documentElement.lang = loc;
    document.documentElement.dir = dirOf(loc);
    if (persist) void this.saveSettings({ uiLanguage: loc });
  }

  applyTheme() {
    const theme = this.settings?.theme ?? 'system';
    const root = document.documentElement;
    if (theme === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', theme);
  }

  async saveSettings(patch: Partial<Settings>) {
    try {
      this.settings = await this.api.setSettings(patch);
      this.applyTheme();
      if ('provider' in patch || 'threads' in patch) this.runtime = await this.api.runtime();
    } catch (e) {
      this.error(e);
    }
  }

  async refreshModels() {
    try {
      // the packs first: the header shows the active models at once; runtime() may load a model (slow)
      this.packs = await this.api.packs();
      this.runtime = await this.api.runtime();
    } catch (e) {
      this.error(e);
    }
  }

  async refreshDocuments() {
    const search = this.search.trim();
    this.documents = await this.api.listDocuments(search ? { search } : undefined);
  }

  async importFiles(files: File[]) {
    for (const f of files) {
      const buf = new Uint8Array(await f.arrayBuffer());
      let bin = '';
      for (let i = 0; i < buf.length; i += 0x8000) bin += String.fromCharCode(...buf.subarray(i, i + 0x8000));
      await this.importRequest({ name: f.name, bytesBase64: btoa(bin) });
    }
  }

  async importText(text: string, title: string) {
    const name = (title.trim() || this.t('library.pastePlaceholder')) + (/\.[a-z]+$/i.test(title) ? '' : '.txt');
    await this.importRequest({ name, text });
  }

  private async importRequest(req: { name: string; text?: string; bytesBase64?: string }) {
    try {
      const r = await this.api.importDocument(req);
      this.toast(this.t(r.duplicate ? 'library.duplicate' : 'library.imported', { title: r.document.title }));
      for (const w of r.warnings) this.toast(w);
      await this.refreshDocuments();
      await this.open(r.document.id);
    } catch (e) {
      this.error(e);
    }
  }

  async open(id: number) {
    try {
      this.doc = await this.api.getDocument(id);
      if (!this.targetChosen && this.doc.language && this.languages.some((l) => l.code === this.doc!.language)) this.targetLang = this.doc.language;
      this.result = null;
      this.edits = [];
      this.focused = null;
      this.tab = 'document';
      await this.refreshRuns();
      this.mapPoints = [];
    } catch (e) {
      this.error(e);
    }
  }

  async remove(d: DocumentSummary) {
    try {
      await this.api.deleteDocument(d.id);
      if (this.doc?.id === d.id) this.doc = null;
      await this.refreshDocuments();
      this.toast(this.t('library.deleted', { title: d.title }), {
        label: this.t('library.undo'),
        run: async () => {
          await this.api.restoreDocument(d.id);
          await this.refreshDocuments();
        },
      });
    } catch (e) {
      this.error(e);
    }
  }

  async refreshRuns() {
    if (this.doc) this.runs = await this.api.listRuns(this.doc.id);
  }

  buildRequest(extra: Partial<RunRequest> = {}): RunRequest | null {
    if (!this.doc) return null;
    const sampler = Object.fromEntries(Object.entries(this.sampler).filter(([, v]) => v !== null && v !== undefined && !Number.isNaN(v)));
    const length = this.task === 'translate' ? undefined
      : this.lengthMode === 'sentences' ? { sentences: Math.max(1, Math.round(this.lengthValue)) }
      : { ratio: Math.max(0.01, this.lengthValue / 100) };
    return {
      documentId: this.doc.id,
      task: this.task,
      targetLang: this.targetLang,
      method: this.method,
      ...(length ? { length } : {}),
      ...(Object.keys(sampler).length ? { sampler } : {}),
      ...extra,
    };
  }

  async run(extra: Partial<RunRequest> = {}) {
    if (this.requestId) return;
    const req = this.buildRequest(extra);
    if (!req) return;
    this.stages = initialStages();
    this.lastRunRequest = req;
    this.starting = true;
    try {
      const { requestId } = await this.api.startRun(req);
      this.requestId = requestId;
      // Events can overtake the reply to startRun (a quick, fully cached run may even be done already).
      const early = this.early.get(requestId) ?? [];
      this.starting = false;
      this.early.clear();
      for (const ev of early) this.onEvent(ev);
      this.announce(this.t('run.running'));
      if (this.settings) void this.saveSettings({ recentLanguages: pushRecent(this.settings.recentLanguages, req.targetLang) });
    } catch (e) {
      this.error(e);
    } finally {
      this.starting = false;
      this.early.clear();
    }
  }

  async cancel() {
    if (this.requestId) await this.api.cancelRun(this.requestId).catch((e) => this.error(e));
  }

  private starting = false;
  private early = new Map<string, ApiEvent[]>();

  private onEvent(ev: ApiEvent) {
    if (ev.requestId !== this.requestId) {
      if (this.starting) this.early.set(ev.requestId, [...(this.early.get(ev.requestId) ?? []), ev]);
      return;
    }
    if (ev.type === 'progress') {
      this.stages = applyProgress(this.stages, ev);
      return;
    }
    this.requestId = null;
    if (ev.type === 'done' && ev.result.status !== 'done') {
      // A service may report a stopped run as a result with status cancelled/failed.
      const msg = ev.result.status === 'cancelled' ? this.t('run.cancelled') : this.t('run.failed', { message: ev.result.preview });
      this.toast(msg);
      this.announce(msg);
      void this.refreshRuns();
    } else if (ev.type === 'done') {
      this.stages = this.stages.map((s) => ({ ...s, status: 'done' }));
      void this.showResult(ev.result);
      this.announce(this.t('run.done', { count: ev.result.sentences.length }));
    } else if (ev.code === 'CANCELLED') {
      this.toast(this.t('run.cancelled'));
      this.announce(this.t('run.cancelled'));
    } else {
      this.toast(this.t('run.failed', { message: ev.message }));
      this.announce(this.t('run.failed', { message: ev.message }));
    }
  }

  async showResult(r: RunResult) {
    if (this.doc?.id !== r.documentId) {
      await this.open(r.documentId);
    }
    this.result = r;
    this.edits = r.sentences.map((s) => ({ ...s }));
    this.focused = null;
    this.tab = 'result';
    await this.refreshRuns();
  }

  async openRun(id: number) {
    try {
      await this.showResult(await this.api.getRun(id));
    } catch (e) {
      this.error(e);
    }
  }

  async loadMap() {
    if (!this.doc) return;
    try {
      this.mapPoints = await this.api.conceptMap(this.doc.id, this.result?.id);
    } catch (e) {
      this.error(e);
    }
  }

  /** Regenerate the unpinned sentences; pinned and edited ones are kept at their positions. */
  async regenerate() {
    if (!this.result) return;
    const kept = this.edits.filter((s) => !s.removed);
    const pinned = kept.map((s, index) => ({ s, index })).filter(({ s }) => s.pinned || s.edited)
      .map(({ s, index }) => ({ index, text: s.text }));
    const p = this.result.parameters;
    await this.run({
      task: p.task, targetLang: this.result.targetLang, method: p.method, length: { sentences: kept.length },
      sampler: p.sampler, pinned, parentRunId: this.result.id,
    });
  }

  /** Decode the same result into another language (reuses its concepts). */
  async decodeInto(lang: string) {
    if (!this.result) return;
    const p = this.result.parameters;
    await this.run({ ...p, targetLang: lang, parentRunId: this.result.id, pinned: undefined });
  }

  toast(text: string, action?: Toast['action']) {
    const id = this.toastId++;
    this.toasts = [...this.toasts, { id, text, action }];
    setTimeout(() => this.dismiss(id), action ? 8000 : 4000);
  }

  dismiss(id: number) {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  announce(text: string) {
    this.announcement = text;
  }

  error(e: unknown) {
    const message = e instanceof Error ? e.message : String((e as any)?.message ?? e);
    this.toast(this.t('errors.generic', { message }));
  }
}

export const app = new AppState();
