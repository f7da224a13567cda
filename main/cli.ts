/**
 * The `concept` command: the engine service (api/service.ts) from a terminal. Run through bin/concept.mjs (tsx, no
 * build step): `npx concept --help`.
 *
 * Exit codes: 0 ok · 1 usage (or an unexpected error) · 2 bad input (file, text, language code) · 3 pack/model
 * problem · 4 database problem · 130 cancelled (Ctrl+C). Nothing is written to the database before the input, the
 * language codes and the packs have been checked, so a refused command leaves the database as it was.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError, type LangCode, type Method, type RunResult, type TaskKind, type ApiEvent } from './api/contract.js';
import { toApiError, PACK_CODES, DB_CODES, INPUT_CODES } from './api/errors.js';
import { detectLanguage, isSonarCode, languageTable, toSonarCode, unknownLanguageMessage } from './api/languages.js';
import type { ConceptService, ServiceOptions } from './api/service.js';
import { bool, flag, flags, numberFlag, parseArgs, UsageError, type ParsedArgs } from './cli/args.js';
import { readInput } from './cli/input.js';
import { describeExpectation } from './engine/packs/decoding-quality.js';

export const EXIT = { OK: 0, USAGE: 1, INPUT: 2, PACK: 3, DB: 4, CANCELLED: 130 } as const;

const HELP = `concept — summaries, expansions and translations in SONAR concept space

Usage: concept <command> [FILE] [options]        (FILE or stdin; "-" = stdin)

Commands
  summarize FILE   summary of a document         --to LANG  --method auto|lcm|extractive  --sentences N | --ratio R
                   (extractive default: a quarter of the sentences, at most 20)
  expand FILE      a longer text from a summary  --to LANG  --sentences N | --ratio R      (needs an LCM pack)
  continue FILE    write on from the end         --to LANG  --sentences N                  (needs an LCM pack)
  translate FILE   every sentence into LANG      --to LANG
  segment FILE     sentences with offsets        [--from LANG]
  detect FILE      the language (document and paragraphs)
  encode FILE      one embedding per sentence    [--from LANG] [--json]
  decode FILE      vectors (JSON) → text         --to LANG
  eval DATA.jsonl  ROUGE-1/2/L/Lsum, OVL-3, REP-4 per language over {id, document, summary, lang} lines (below)
  packs list       installed model packs
  packs verify [NAME...]  recompute every file's sha256
  packs get sonar  download Meta's SONAR weights (CC-BY-NC-4.0: the licence is shown and must be accepted) and
                   convert them into a pack, no Python needed; resumes an interrupted download
                   [--base-url URL] (a mirror with the official file names)  [--accept-license]  [--name NAME]
                   [--sha256 FILE=HEX] (documented hash for a mirror's build)  [--keep-downloads]
                   [--variant fp32|fp16|int8] (fp16: float16 weights, half the disk, for GPUs; int8: int8
                   matrix products, faster on CPUs, under 0.3x the size)
                   [--no-selftest] (skip the self-test that runs on the new pack)
  packs remove NAME  delete a pack imported into or downloaded by the app
  packs selftest NAME  run a SONAR pack on fixed sentences in six languages: round trip (chrF), cross-lingual
                   alignment, sanity, each against its threshold and a baseline; saves the report with the pack.
                   Exit 0 when every check passes, 3 when one fails (the bundled mini pack fails: a demo model)
  languages        the SONAR language codes
  doctor           providers, threads, packs, database

Options
  --to LANG        target language, a SONAR code such as fra_Latn, zho_Hans, arb_Arab (default: the source's)
  --from LANG      source language; always wins over detection. A text already in the database keeps the
                   language it was stored with (for every user of the database): --from applies to this run only
  --pack DIR       a pack folder, or a folder of packs (repeatable; default: the bundled models/mini)
  --lcm NAME       the LCM pack to use (default: the first of the SONAR pack's space)
  --db PATH        the database (default: $CONCEPT_DB, else the app's: ~/.config/Concept Studio/concept-studio.sqlite
                   on Linux, with the packs imported in the app)
  --json           machine-readable output (with cache hits/misses and per-stage timings)
  --progress       progress on stderr even when it is not a terminal (--no-progress or --quiet: never)
  --help, -h       this text        --version, -v   the version
  --seed N  --beam N  --greedy  --max-tokens N  --threads N  --provider auto|cpu|cuda|dml|coreml
  --rerank, --no-rerank  keep the beam candidate whose re-encoding is nearest its concept (default: the pack's;
                   on for the bundled mini models)

Method, length and fidelity
  --method auto    the concept model (LCM) only when the installed packs have measured, non-demo quality; with
                   demonstration packs (the bundled mini models) a summary is extractive: the document's own
                   sentences, verbatim in its language. --method lcm still uses the LCM.
  length           --sentences N is honoured, or the output says why it stopped early: the LCM predicted the
                   end of the text, it repeated itself (repeated sentences are dropped), it reached its budget
                   (the pack's maximum number of concepts), or the document has fewer sentences.
  fidelity         every decoded sentence is encoded again and compared with its concept (cosine; verbatim
                   sentences are exact). Sentences below the SONAR pack's threshold (pack.json fidelity.threshold)
                   are flagged. Text output: the sentences on stdout, fidelity and the stop reason on stderr;
                   --json: run.sentences[].fidelity, run.fidelity and run.stop.
  expectation      before a run that decodes, what the SONAR pack's held-out figures (pack.json decoding_quality)
                   say its direction keeps: a warning on stderr unless it keeps the meaning, naming a demonstration
                   LCM when one writes the concepts; --json: expectation (null when nothing is decoded or measured).

  failed decodes   a decoded sentence with no words, or one word filling 60% of 8 or more words, is marked failed
                   (stderr; --json: run.sentences[].failed). When every decoded sentence failed, the run fails:
                   nothing is stored as a result and the exit code is 3.

Evaluation (concept eval DATA.jsonl)
  --method M[,M…]  lead-K (the first K sentences as the app segments them: lead-1, lead-3; "lead" = lead-k with
                   --sentences), extractive, lcm (default: extractive; with --predictions alone: none)
  --sentences N    sentences asked of extractive, lcm and "lead" (default 3)
  --predictions F  score a file of predictions: JSONL, one {"id": …, "prediction": "…"} a line (an array of
                   sentences also works), matched by id to DATA's records; every record needs one
  --label NAME     the name of the --predictions report (default predictions:FILE)
  --limit N        only the first N records of DATA
  --tokenizer T    multilingual (default: Unicode letters kept) or rouge-score (ASCII only, as Google's)
  --stemmer        Porter-stem tokens (English)
  --records        keep per-record scores in --json output
  --json           JSON reports; text output is one markdown table per method
  --lcm NAME  --pack DIR  --db PATH  as above (extractive and lcm encode with the SONAR pack)
  Every report names its method and sentence count; with a lead-K method in the run, every other method is also
  compared with the first one by a paired bootstrap (difference, 95% CI, wins/losses).

Exit codes: 0 ok, 1 usage, 2 bad input, 3 pack/model problem, 4 database problem, 130 cancelled.
Examples
  concept translate udhr.txt --to fra_Latn
  concept summarize report.pdf --to deu_Latn --method extractive --sentences 3 --json
  cat notes.md | concept detect
`;

const STOP_WORDS: Record<string, string> = {
  'end-of-text': 'the model predicted the end of the text',
  repetition: 'the model repeated itself (repeated sentences are dropped)',
  budget: "the model reached its budget (the pack's maximum number of concepts)",
  source: 'the document has no more sentences',
  length: 'the requested length was reached',
};

/** The text-mode report of a run (stderr): fidelity per sentence, why it stopped, how `auto` chose. */
export function runReport(r: RunResult): string[] {
  const lines: string[] = [];
  const f = r.fidelity;
  if (f) {
    const mean = f.meanDecoded === null ? 'every sentence verbatim' : `mean of decoded ${f.meanDecoded.toFixed(2)}`;
    lines.push(`fidelity  ${f.flagged} of ${f.scored} sentence${f.scored === 1 ? '' : 's'} flagged (below ${f.threshold.toFixed(2)}, ` +
      `${f.source === 'pack' ? "the SONAR pack's threshold" : 'default threshold'}); ${mean}`);
    r.sentences.forEach((s, i) => {
      const fi = s.fidelity;
      if (!fi) return;
      const tag = fi.exact ? 'exact ' : `${fi.score.toFixed(2)}  ${fi.level}${fi.level === 'low' ? ' (flagged)' : ''}`;
      const text = s.text.length > 70 ? `${s.text.slice(0, 69)}…` : s.text;
      lines.push(`  ${String(i + 1).padStart(2)}  ${tag.padEnd(17)} ${text}`);
    });
  }
  r.sentences.forEach((s, i) => {
    if (s.failed) lines.push(`failed    sentence ${i + 1}: ${s.failed.message}`);
  });
  const st = r.stop;
  if (st?.early) {
    lines.push(`stopped   after ${st.produced} of ${st.requested} sentence${st.requested === 1 ? '' : 's'}: ${STOP_WORDS[st.reason] ?? st.reason}`);
  } else if (st && st.reason !== 'length') {
    lines.push(`stopped   ${STOP_WORDS[st.reason] ?? st.reason}`);
  }
  const m = r.methodChoice;
  for (const sk of m?.skipped ?? []) lines.push(`warning   skipped the LCM pack ${sk.pack}: ${sk.reason}`);
  if (m?.requested === 'auto' && m.reason === 'demo-packs') {
    lines.push('method    extractive: the installed packs are demonstrations (--method lcm uses the concept model anyway)');
  }
  return lines;
}

/**
 * The app's data folder — the same one `npm start` and Electron use (main/start.ts defaultDataDir, app.getPath
 * ('userData')) — so that the CLI and the app share one database and one folder of imported packs by default.
 */
export function appDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const name = 'Concept Studio';
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), name);
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', name);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), name);
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CONCEPT_DB) return resolve(env.CONCEPT_DB);
  return join(appDataDir(env), 'concept-studio.sqlite');
}

const BUNDLED = fileURLToPath(new URL('../models/mini/', import.meta.url));

export function exitCodeFor(code: string): number {
  if (code === 'USAGE') return EXIT.USAGE;
  if (code === 'CANCELLED') return EXIT.CANCELLED;
  if (code === 'PACK_DIM_MISMATCH' || code === 'CONCEPT_DIM_MISMATCH') return EXIT.PACK;
  if (INPUT_CODES.test(code)) return EXIT.INPUT;
  if (PACK_CODES.test(code)) return EXIT.PACK;
  if (DB_CODES.test(code)) return EXIT.DB;
  return EXIT.USAGE;
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

class Cli {
  svc: ConceptService | null = null;
  requestId: string | null = null;
  interrupted = false;
  private lastProgress = '';
  private progressOn: boolean;

  constructor(readonly args: ParsedArgs, readonly io: Io) {
    this.progressOn = !bool(args, 'no-progress') && !bool(args, 'quiet') && (bool(args, 'progress') || !!io.stderr.isTTY);
  }

  out(s: string) {
    this.io.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  }
  err(s: string) {
    this.clearProgress();
    this.io.stderr.write(s.endsWith('\n') ? s : `${s}\n`);
  }
  json(v: unknown) {
    this.out(JSON.stringify(v, null, 2));
  }
  progress(line: string) {
    if (!this.progressOn || line === this.lastProgress) return;
    this.lastProgress = line;
    if (this.io.stderr.isTTY) this.io.stderr.write(`\r\x1b[2K${line}`);
    else this.io.stderr.write(`${line}\n`);
  }
  clearProgress() {
    if (this.progressOn && this.io.stderr.isTTY && this.lastProgress) this.io.stderr.write('\r\x1b[2K');
    this.lastProgress = '';
  }

  lang(name: 'to' | 'from', what: string): LangCode | undefined {
    const v = flag(this.args, name);
    if (v === undefined) return undefined;
    if (!isSonarCode(v)) throw new ApiError('UNKNOWN_LANGUAGE', unknownLanguageMessage(v, what));
    return v;
  }

  packDirs(): { packDirs?: string[]; bundledPackDir?: string } {
    const given = flags(this.args, 'pack');
    const env = this.io.env.CONCEPT_PACKS ? this.io.env.CONCEPT_PACKS.split(process.platform === 'win32' ? ';' : ':').filter(Boolean) : [];
    const dirs = given.length ? given : env;
    for (const d of dirs) {
      if (!existsSync(d)) throw new ApiError('PACK_MISSING', `pack folder not found: ${resolve(d)}. Check the path given to --pack.`);
      if (!statSync(d).isDirectory()) throw new ApiError('PACK_MISSING', `${resolve(d)} is not a folder; --pack takes a pack folder (with pack.json) or a folder of packs.`);
    }
    if (dirs.length) return { packDirs: dirs.map((d) => resolve(d)) };
    return { bundledPackDir: BUNDLED };
  }

  async service(): Promise<ConceptService> {
    if (this.svc) return this.svc;
    const dbPath = resolve(flag(this.args, 'db') ?? defaultDbPath(this.io.env));
    // the app's own database: its folder of imported packs too
    const shared = !flag(this.args, 'db') && !this.io.env.CONCEPT_DB ? { dataDir: appDataDir(this.io.env), userPackDir: join(appDataDir(this.io.env), 'models') } : {};
    const provider = flag(this.args, 'provider') as ServiceOptions['provider'];
    if (provider && !['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'].includes(provider)) throw new UsageError(`unknown --provider ${provider}`);
    const threads = numberFlag(this.args, 'threads', { integer: true, min: 0, max: 256 });
    const beam = numberFlag(this.args, 'beam', { integer: true, min: 1, max: 64 });
    const maxTokens = numberFlag(this.args, 'max-tokens', { integer: true, min: 3 });
    if (bool(this.args, 'rerank') && bool(this.args, 'no-rerank')) throw new UsageError('--rerank and --no-rerank exclude each other');
    const rerank = bool(this.args, 'rerank') ? true : bool(this.args, 'no-rerank') ? false : undefined;
    const decoding = {
      ...(beam ? { beam } : {}),
      ...(maxTokens ? { maxTokens } : {}),
      ...(bool(this.args, 'greedy') ? { greedy: true } : {}),
      ...(rerank !== undefined ? { rerank } : {}),
    };
    const { createService } = await import('./api/service.js');
    this.svc = await createService({
      dbPath,
      ...shared,
      ...this.packDirs(),
      ...(provider ? { provider } : {}),
      ...(threads !== undefined ? { threads } : {}),
      ...(Object.keys(decoding).length ? { decoding } : {}),
    });
    return this.svc;
  }

  async close() {
    const s = this.svc;
    this.svc = null;
    await s?.close();
  }

  /** Read and check the input (before any database is opened). */
  async input(): Promise<{ name: string; bytes: Buffer; text: string }> {
    const file = this.args.positionals[0];
    if (this.args.positionals.length > 1) throw new UsageError(`one FILE at a time (got ${this.args.positionals.join(' ')})`);
    const maxText = 20 * 1024 * 1024;
    const inp = await readInput(file, maxText * 2, this.io.stdin);
    const { importBuffer } = await import('./engine/import/index.js');
    const r = await importBuffer(inp.bytes, inp.name, { maxTextBytes: maxText, ...(inp.fromStdin ? { type: 'txt' as const } : {}) });
    return { name: inp.name, bytes: inp.bytes, text: r.text };
  }

  // ---------- commands ----------
  async task(task: TaskKind): Promise<number> {
    const a = this.args;
    const from = this.lang('from', 'source language');
    let to = this.lang('to', 'target language');
    const method = (flag(a, 'method') ?? 'auto') as Method;
    if (!['auto', 'lcm', 'extractive'].includes(method)) throw new UsageError(`--method is auto, lcm or extractive for ${task} (got "${method}")`);
    if (task !== 'summarize' && flag(a, 'method') && method !== 'auto' && !(method === 'lcm' && task !== 'translate')) {
      throw new UsageError(`--method ${method} does not apply to ${task}`);
    }
    const sentences = numberFlag(a, 'sentences', { integer: true, min: 1, max: 10000 });
    const ratio = numberFlag(a, 'ratio', { min: 0.0001, max: 10 });
    if (sentences !== undefined && ratio !== undefined) throw new UsageError('give --sentences or --ratio, not both');
    const seed = numberFlag(a, 'seed', { integer: true, min: 0 });
    const input = await this.input();
    const srcLang = from ?? detectLanguage(input.text)?.lang ?? 'eng_Latn';
    to ??= srcLang;
    const svc = await this.service();
    const lcmName = flag(a, 'lcm');
    this.progress('loading models…');
    const packs = await svc.checkRun({ task, targetLang: to, method, sourceLang: from ?? null, lcmPack: lcmName, load: true });
    if (packs.sonar.languagesTrained.length && !packs.sonar.languagesTrained.includes(to)) {
      this.err(`warning: the SONAR pack ${packs.sonar.name} was not trained on ${to}; the output may be poor.`);
    }
    const imp = await svc.importDocument({ name: input.name, bytesBase64: input.bytes.toString('base64'), language: from ?? null } as never);
    const doc = imp.document;
    if (!bool(a, 'json')) for (const w of imp.warnings) if (!/imported before/.test(w)) this.err(`warning: ${w}`);
    // what the pack's held-out figures say this direction keeps, said before the run (pack.json decoding_quality)
    const expectation = await svc.expectRun({ documentId: doc.id, task, targetLang: to, method, sourceLang: from ?? null });
    if (expectation && (expectation.tier !== 'meaning' || expectation.generator?.demo)) this.err(`warning: ${describeExpectation(expectation)}`);
    const result = await this.run(svc, {
      documentId: doc.id,
      task,
      targetLang: to,
      method,
      ...(lcmName ? { lcmPack: lcmName } : {}),
      // --from applies to this run; a text stored before keeps its language for everyone else (api/source-language.ts)
      ...(from ? { sourceLang: from } : {}),
      ...(sentences !== undefined || ratio !== undefined ? { length: { ...(sentences !== undefined ? { sentences } : {}), ...(ratio !== undefined ? { ratio } : {}) } } : {}),
      ...(seed !== undefined ? { sampler: { seed } } : {}),
    });
    if (bool(a, 'json')) {
      this.json({
        command: task,
        document: doc,
        duplicate: imp.duplicate,
        warnings: imp.warnings,
        run: result,
        text: result.sentences.map((s) => s.text).join('\n'),
        fidelity: result.fidelity ?? null,
        expectation,
        stop: result.stop ?? null,
        method: result.methodChoice ?? null,
        cache: result.cache,
        timings: result.timings,
      });
    } else {
      for (const s of result.sentences) this.out(s.text);
      if (!bool(a, 'quiet')) for (const line of runReport(result)) this.err(line);
    }
    return EXIT.OK;
  }

  async run(svc: ConceptService, req: Parameters<ConceptService['startRun']>[0]): Promise<RunResult> {
    const buffered: ApiEvent[] = [];
    const onEv = (ev: ApiEvent) => {
      if (this.requestId === null) return void buffered.push(ev);
      if (ev.requestId !== this.requestId || ev.type !== 'progress') return;
      const cache = ev.cacheHits !== undefined ? ` (${ev.cacheHits} cached)` : '';
      this.progress(`${ev.stage} ${ev.done}/${ev.total}${cache}${ev.message ? ` ${ev.message}` : ''}`);
    };
    const off = svc.onEvent(onEv);
    try {
      const { requestId } = await svc.startRun(req);
      this.requestId = requestId;
      buffered.splice(0).forEach(onEv);
      if (this.interrupted) await svc.cancelRun(requestId);
      return await svc.waitForRun(requestId);
    } finally {
      off();
      this.clearProgress();
    }
  }

  async segment(): Promise<number> {
    const from = this.lang('from', 'source language');
    const input = await this.input();
    const { segmentText } = await import('./cli/text.js');
    const r = segmentText(input.text, from ?? null);
    if (bool(this.args, 'json')) this.json({ language: r.language, confidence: r.confidence, sentences: r.sentences });
    else for (const s of r.sentences) this.out(`${s.idx}\t${s.paragraph}\t${s.start}\t${s.end}\t${s.text.replace(/\s*\n\s*/g, ' ')}`);
    return EXIT.OK;
  }

  async detect(): Promise<number> {
    const input = await this.input();
    const { detectParagraphs } = await import('./cli/text.js');
    const r = detectParagraphs(input.text);
    if (bool(this.args, 'json')) {
      this.json(r);
    } else {
      const name = (c: string | null) => (c ? `${c} (${languageTable().find((l) => l.code === c)?.english ?? c})` : 'unknown');
      this.out(`${name(r.language)}\t${r.confidence}`);
      if (r.paragraphs.some((p) => p.language !== r.language)) {
        for (const p of r.paragraphs) this.out(`  paragraph ${p.paragraph}: ${name(p.language)}\t${p.confidence}`);
      }
    }
    return EXIT.OK;
  }

  async encode(): Promise<number> {
    const from = this.lang('from', 'source language');
    const input = await this.input();
    const { segmentText } = await import('./cli/text.js');
    const seg = segmentText(input.text, from ?? null);
    const lang = seg.language ?? 'eng_Latn';
    const svc = await this.service();
    await svc.checkRun({ task: 'translate', targetLang: lang, load: true });
    this.progress(`encode 0/${seg.sentences.length}`);
    const r = await svc.encodeSentences(seg.sentences.map((s) => s.text), lang);
    this.clearProgress();
    if (bool(this.args, 'json')) {
      this.json({
        pack: r.pack, space: r.space, dim: r.dim, language: lang,
        cache: { hits: r.hits, misses: r.misses },
        timings: Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, Math.round(v * 10) / 10])),
        sentences: seg.sentences.map((s, i) => ({ ...s, vector: Array.from(r.vectors[i]) })),
      });
    } else {
      for (const v of r.vectors) this.out(Array.from(v, (x) => x.toPrecision(6)).join(' '));
      this.err(`${r.vectors.length} sentences, ${r.dim} dimensions (${r.pack}); cache: ${r.hits} hits, ${r.misses} misses`);
    }
    return EXIT.OK;
  }

  async decode(): Promise<number> {
    const to = this.lang('to', 'target language');
    if (!to) throw new UsageError('decode needs --to LANG');
    const inp = await readInput(this.args.positionals[0], 256 * 1024 * 1024, this.io.stdin);
    let parsed: unknown;
    try {
      parsed = JSON.parse(inp.bytes.toString('utf8'));
    } catch (e) {
      throw new ApiError('INVALID_INPUT', `${inp.name} is not JSON (${(e as Error).message}). decode takes [[numbers…], …], ` +
        '{"vectors": [[…]]} or the output of `concept encode --json`.');
    }
    // null, a number or a string is valid JSON but no vectors: refused below as bad input, not a TypeError (issue 11)
    const obj = parsed !== null && typeof parsed === 'object' ? parsed as { vectors?: unknown; sentences?: unknown } : null;
    const raw: unknown = Array.isArray(parsed) ? parsed
      : obj?.vectors ?? (Array.isArray(obj?.sentences) ? (obj.sentences as { vector?: unknown }[]).map((s) => s?.vector) : undefined);
    if (!Array.isArray(raw) || raw.length === 0 || !raw.every((v) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
      throw new ApiError('INVALID_INPUT', `${inp.name}: expected a non-empty list of vectors (lists of finite numbers).`);
    }
    const vectors = (raw as number[][]).map((v) => Float32Array.from(v));
    const svc = await this.service();
    await svc.checkRun({ task: 'translate', targetLang: to, load: true });
    const t0 = performance.now();
    const texts = await svc.decodeVectors(vectors, to);
    if (bool(this.args, 'json')) this.json({ language: to, texts, timings: { decode: Math.round(performance.now() - t0) } });
    else for (const t of texts) this.out(t);
    return EXIT.OK;
  }

  async packs(): Promise<number> {
    const sub = this.args.positionals[0] ?? 'list';
    const svc = await this.service();
    if (sub === 'list') {
      const list = await svc.packs();
      if (bool(this.args, 'json')) this.json(list);
      else if (list.length === 0) this.out('No packs found. Pass --pack DIR, or install models/mini.');
      else {
        for (const p of list) {
          const what = p.kind === 'lcm' ? `lcm/${p.variant}` : 'sonar';
          this.out(`${p.name}\t${what}\tspace=${p.space} dim=${p.dim}\t${(p.bytes / 1e6).toFixed(1)} MB\t${p.problems.length ? `BROKEN: ${p.problems[0]}` : 'ok'}\t${p.path}`);
        }
      }
      return list.some((p) => p.problems.length) ? EXIT.PACK : EXIT.OK;
    }
    if (sub === 'verify') {
      const names = this.args.positionals.slice(1);
      const all = await svc.packs();
      const targets = names.length ? names : all.map((p) => p.name);
      let bad = 0;
      const results: unknown[] = [];
      const { foldersWithoutPacks } = await import('./cli/packs.js');
      const empty = names.length ? [] : foldersWithoutPacks(this.packDirs().packDirs ?? []);
      if (!targets.length && !empty.length) empty.push('No packs found to verify. Pass --pack DIR, or name the packs.');
      for (const m of empty) {
        bad++;
        results.push({ name: null, verified: 'failed', problems: [m], code: 'PACK_MISSING' });
        if (!bool(this.args, 'json')) this.err(`concept: ${m}`);
      }
      for (const n of targets) {
        try {
          this.progress(`verifying ${n}…`);
          const r = await svc.verifyPack(n);
          results.push(r);
          if (r.verified !== 'ok') bad++;
          if (!bool(this.args, 'json')) this.out(`${r.name}\t${r.verified}${r.problems.length ? `\t${r.problems.join('; ')}` : ''}`);
        } catch (e) {
          const err = toApiError(e);
          bad++;
          results.push({ name: n, verified: 'failed', problems: [err.message], code: err.code });
          if (!bool(this.args, 'json')) this.out(`${n}\tfailed\t${err.message}`);
        }
      }
      this.clearProgress();
      if (bool(this.args, 'json')) this.json(results);
      return bad ? EXIT.PACK : EXIT.OK;
    }
    if (sub === 'remove') {
      const names = this.args.positionals.slice(1);
      if (!names.length) throw new UsageError('packs remove needs a pack name (`concept packs list` shows them)');
      for (const n of names) {
        await svc.removePack(n);
        if (!bool(this.args, 'json')) this.out(`removed ${n}`);
      }
      if (bool(this.args, 'json')) this.json({ removed: names });
      return EXIT.OK;
    }
    if (sub === 'get') return this.getSonar(svc);
    if (sub === 'selftest') return this.selftest(svc);
    throw new UsageError(`unknown packs command "${sub}" (list, verify, get, remove, selftest)`);
  }

  /** Progress of a self-test (stage selftest) under `requestId` on stderr. */
  private selftestProgress(svc: ConceptService, requestId: string): () => void {
    return svc.onEvent((ev) => {
      if (ev.requestId !== requestId || ev.type !== 'progress' || ev.stage !== 'selftest') return;
      this.progress(`self-test ${ev.done}/${ev.total}${ev.message ? ` (${ev.message})` : ''}`);
    });
  }

  /** `packs selftest NAME`: exit 0 when every check passes, 3 when one fails. */
  private async selftest(svc: ConceptService): Promise<number> {
    const name = this.args.positionals[1];
    if (!name) throw new UsageError('packs selftest needs a SONAR pack name (`concept packs list` shows them)');
    const requestId = `selftest-${process.pid}-${Date.now()}`;
    this.requestId = requestId;
    const off = this.selftestProgress(svc, requestId);
    try {
      if (this.interrupted) throw new ApiError('CANCELLED', 'cancelled');
      const pack = await svc.selftestPack({ name, requestId });
      this.clearProgress();
      const r = pack.selftest!;
      if (bool(this.args, 'json')) this.json(r);
      else {
        const { selftestLines } = await import('./cli/selftest.js');
        for (const l of selftestLines(r)) this.out(l);
      }
      return r.passed ? EXIT.OK : EXIT.PACK;
    } finally {
      off();
      this.requestId = null;
    }
  }

  /** `packs get sonar`: licence first (shown; accepted with --accept-license or by typing yes), then the download. */
  private async getSonar(svc: ConceptService): Promise<number> {
    const what = this.args.positionals[1];
    if (what !== 'sonar') throw new UsageError(`packs get knows one model: sonar (got ${what ?? 'nothing'})`);
    const sha256: Record<string, string> = {};
    for (const kv of flags(this.args, 'sha256')) {
      const m = /^([^=]+)=([0-9a-fA-F]{64})$/.exec(kv);
      if (!m) throw new UsageError(`--sha256 takes FILE=HEX (64 hex digits), got ${kv}`);
      sha256[m[1]] = m[2].toLowerCase();
    }
    let lic = await svc.sonarLicense();
    if (!lic.accepted) {
      this.err(`${lic.title}\n\n${lic.text}\n\nFull licence: ${lic.url}\n`);
      let ok = bool(this.args, 'accept-license');
      if (!ok && this.io.stdin.isTTY) {
        this.io.stderr.write('Type "yes" to accept the licence: ');
        ok = /^\s*yes\s*$/i.test(await readLine(this.io.stdin));
      }
      if (!ok) {
        this.err('concept: the licence was not accepted; nothing was downloaded (pass --accept-license to accept it non-interactively)');
        return EXIT.USAGE;
      }
      lic = await svc.acceptSonarLicense();
      this.err(`licence ${lic.id} accepted ${lic.acceptedAt}`);
    }
    const requestId = `get-sonar-${process.pid}-${Date.now()}`;
    this.requestId = requestId;
    const fmt = (b: number) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(1)} MB`);
    const offSelftest = this.selftestProgress(svc, requestId);
    const off = svc.onEvent((ev) => {
      if (ev.requestId !== requestId || ev.type !== 'progress' || ev.stage === 'selftest') return;
      if (ev.stage === 'download') {
        const eta = ev.etaSeconds != null && Number.isFinite(ev.etaSeconds) ? `, ${Math.ceil(ev.etaSeconds)} s left` : '';
        const rate = ev.bytesPerSecond ? `, ${fmt(ev.bytesPerSecond)}/s` : '';
        this.progress(`download ${ev.message}: ${fmt(ev.done)}${ev.total ? ` of ${fmt(ev.total)}` : ''}${rate}${eta}`);
      } else {
        this.progress(`convert (${ev.message}): ${ev.total ? Math.floor((100 * ev.done) / ev.total) : 0}%`);
      }
    });
    try {
      if (this.interrupted) throw new ApiError('CANCELLED', 'cancelled');
      const baseUrl = flag(this.args, 'base-url');
      const variant = flag(this.args, 'variant');
      if (variant !== undefined && variant !== 'fp32' && variant !== 'fp16' && variant !== 'int8') {
        throw new UsageError(`--variant is fp32, fp16 or int8 (got ${variant})`);
      }
      const pack = await svc.getSonar({
        requestId, ...(baseUrl ? { baseUrl } : {}), ...(variant ? { variant } : {}), ...(flag(this.args, 'name') ? { name: flag(this.args, 'name') } : {}),
        ...(Object.keys(sha256).length ? { sha256 } : {}), ...(bool(this.args, 'keep-downloads') ? { keepDownloads: true } : {}),
        ...(bool(this.args, 'no-selftest') ? { selftest: false } : {}),
      });
      this.clearProgress();
      if (bool(this.args, 'json')) this.json(pack);
      else this.out(`installed ${pack.name} (${fmt(pack.bytes)}) at ${pack.path}`);
      // the pack is installed either way (exit 0); a failed self-test is reported loudly, with the command to rerun it
      if (pack.selftest && !bool(this.args, 'json')) {
        const { selftestLines } = await import('./cli/selftest.js');
        for (const l of selftestLines(pack.selftest)) this.err(l);
        if (!pack.selftest.passed) this.err(`warning: ${pack.name} failed its self-test: it may be damaged or not a faithful SONAR; rerun with \`concept packs selftest ${pack.name}\``);
      } else if (!bool(this.args, 'no-selftest') && !bool(this.args, 'json')) {
        this.err(`the self-test did not run (cancelled); run \`concept packs selftest ${pack.name}\``);
      }
      return EXIT.OK;
    } finally {
      offSelftest();
      off();
      this.requestId = null;
    }
  }

  async languages(): Promise<number> {
    let list;
    try {
      list = await (await this.service()).languages();
    } catch {
      list = languageTable().map((l) => ({ ...l, trained: false }));
    }
    if (bool(this.args, 'json')) this.json(list);
    else for (const l of list) this.out(`${l.code}\t${l.english}\t${l.native}${l.trained ? '\ttrained' : ''}`);
    return EXIT.OK;
  }

  async doctor(): Promise<number> {
    const report: Record<string, unknown> = { node: process.version, platform: `${process.platform}-${process.arch}` };
    let code: number = EXIT.OK;
    let svc: ConceptService;
    try {
      svc = await this.service();
    } catch (e) {
      const err = toApiError(e);
      report.database = { ok: false, error: err.message };
      if (bool(this.args, 'json')) this.json(report);
      else this.out(`database: PROBLEM — ${err.message}`);
      return exitCodeFor(err.code);
    }
    const { database } = svc.health();
    report.database = database;
    if (!database.ok) code = EXIT.DB;
    const packs = await svc.packs();
    report.packs = packs.map((p) => ({ name: p.name, kind: p.kind, variant: p.variant, space: p.space, dim: p.dim, path: p.path, problems: p.problems }));
    const sonarOk = packs.some((p) => p.kind === 'sonar' && !p.problems.length);
    if (!sonarOk || packs.some((p) => p.problems.length)) code = code || EXIT.PACK;
    const rt = await svc.runtime();
    report.runtime = rt;
    try {
      const ort = await import('onnxruntime-node');
      report.onnxruntime = (ort as unknown as { env?: { versions?: Record<string, string> } }).env?.versions ?? {};
    } catch {
      /* reported by runtime */
    }
    const os = await import('node:os');
    report.cpus = os.cpus().length;
    if (bool(this.args, 'json')) {
      this.json(report);
      return code;
    }
    const db = database;
    this.out(`node        ${process.version} (${report.platform}), ${report.cpus} CPUs`);
    this.out(`providers   available: ${rt.availableProviders.join(', ')}; requested ${rt.requestedProvider}, used ${rt.usedProvider}`);
    if (rt.fallbackReason) this.out(`            fallback: ${rt.fallbackReason}`);
    for (const f of rt.failedProviders ?? []) this.out(`            ${f.provider}: not available here (${f.error.split('\n')[0]})`);
    this.out(`threads     ${rt.threads || 'automatic (onnxruntime default)'}`);
    this.out(`database    ${db.path}: ${db.ok ? 'ok' : `PROBLEM ${db.problems.join('; ')}`}, schema v${db.schemaVersion}, ${db.documents} documents`);
    for (const s of db.conceptSpaces) this.out(`            concepts: ${s.space} dim ${s.dim}, ${s.count} cached`);
    if (!packs.length) this.out('packs       none found (pass --pack DIR, or install models/mini)');
    for (const p of packs) this.out(`pack        ${p.name} (${p.kind}${p.variant ? `/${p.variant}` : ''}, ${p.space}, dim ${p.dim}): ${p.problems.length ? `PROBLEM ${p.problems[0]}` : 'ok'}`);
    if (!sonarOk) this.out('            no usable SONAR pack: nothing can be encoded or decoded');
    return code;
  }

  async eval(): Promise<number> {
    const file = this.args.positionals[0];
    if (!file) throw new UsageError('eval needs a DATASET.jsonl (`concept eval --help` lists its options)');
    const k = numberFlag(this.args, 'sentences', { integer: true, min: 1 }) ?? 3;
    const limit = numberFlag(this.args, 'limit', { integer: true, min: 1 });
    const tokenizer = (flag(this.args, 'tokenizer') ?? 'multilingual') as 'multilingual' | 'rouge-score';
    if (!['multilingual', 'rouge-score'].includes(tokenizer)) throw new UsageError('--tokenizer is multilingual or rouge-score');
    const predFile = flag(this.args, 'predictions');
    const { parseEvalMethods, attachPredictions, documentSentences, summarySentences, PRODUCT_SEGMENTER } = await import('./engine/eval/datasets.js');
    // with --predictions alone only the file is scored; --method adds the methods (e.g. lead-3) to the same run
    const methodSpec = flag(this.args, 'method') ?? (predFile ? '' : 'extractive');
    let methods: ReturnType<typeof parseEvalMethods> = [];
    if (methodSpec || !predFile) {
      try {
        methods = parseEvalMethods(methodSpec, k);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const inp = await readInput(file, 512 * 1024 * 1024, this.io.stdin);
    const { evaluate, formatJson, formatMarkdown, parseJsonl, leadKBaseline, comparePaired } = await import('./engine/eval/evaluate.js');
    let records: { id?: string; document: string; summary: string; lang: string }[];
    try {
      records = parseJsonl(inp.bytes.toString('utf8'));
    } catch (e) {
      throw new ApiError('INVALID_INPUT', `${inp.name}: ${(e as Error).message}`);
    }
    records = records.filter((r) => typeof r.document === 'string' && typeof r.summary === 'string');
    if (limit) records = records.slice(0, limit);
    if (!records.length) throw new ApiError('INVALID_INPUT', `${inp.name} has no {document, summary, lang} lines.`);
    // one language per record, used alike by lead-k, the methods and rougeLsum's sentence split
    const withLang = records.map((r) => ({ ...r, lang: (r.lang && toSonarCode(r.lang)) || detectLanguage(r.document)?.lang || 'eng_Latn', shownLang: r.lang ?? 'und' }));
    const settings = { tokenizer, useStemmer: bool(this.args, 'stemmer'), splitSentences: summarySentences, segmenter: PRODUCT_SEGMENTER, includeRecords: true };
    const reports = [];
    const lcmName = flag(this.args, 'lcm');
    const shown = <T extends { shownLang: string }>(rs: T[]) => rs.map((r) => ({ ...r, lang: r.shownLang }));
    if (predFile) {
      const p = await readInput(predFile, 512 * 1024 * 1024, this.io.stdin);
      let withPred;
      try {
        withPred = attachPredictions(withLang, p.bytes.toString('utf8'), p.name, limit !== undefined);
      } catch (e) {
        throw new ApiError('INVALID_INPUT', (e as Error).message);
      }
      reports.push(evaluate(shown(withPred), { ...settings, method: flag(this.args, 'label') ?? `predictions:${p.name.replace(/^.*[\\/]/, '')}` }));
    }
    for (const m of methods) {
      let withPred: { id?: string; document: string; summary: string; lang: string; shownLang: string; prediction: string }[];
      if (m.kind === 'lead') {
        withPred = leadKBaseline(withLang, m.k, documentSentences);
      } else {
        const svc = await this.service();
        withPred = [];
        const { segmentText } = await import('./cli/text.js');
        for (const [i, r] of withLang.entries()) {
          this.progress(`${m.label} ${i + 1}/${withLang.length}`);
          const sents = segmentText(r.document, r.lang).sentences.map((s) => s.text);
          if (!sents.length) {
            withPred.push({ ...r, prediction: '' });
            continue;
          }
          const res = await svc.runText({
            sentences: sents, lang: r.lang, task: 'summarize', targetLang: r.lang, method: m.kind as Method, length: { sentences: k },
            ...(m.kind === 'lcm' && lcmName ? { lcmPack: lcmName } : {}),
          });
          withPred.push({ ...r, prediction: res.sentences.map((s) => s.text).join('\n') });
        }
        this.clearProgress();
      }
      const label = m.kind === 'lcm' && lcmName ? `lcm:${lcmName}` : m.label;
      reports.push(evaluate(shown(withPred), { ...settings, method: label, sentences: m.kind === 'lead' ? m.k : k }));
    }
    // every other report against the first lead-k baseline of the run, on the same records
    const base = reports.find((r) => /^lead-\d+$/.test(r.method ?? ''));
    if (base) for (const r of reports) if (r !== base) r.paired = comparePaired(r, base);
    if (!bool(this.args, 'records')) for (const r of reports) delete r.records;
    if (bool(this.args, 'json')) this.out(reports.length === 1 ? formatJson(reports[0]) : `[${reports.map((r) => formatJson(r)).join(',\n')}]`);
    else for (const r of reports) this.out(formatMarkdown(r));
    return EXIT.OK;
  }
}

export async function main(argv: string[] = process.argv.slice(2), io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }): Promise<number> {
  let cli: Cli | null = null;
  const onSigint = () => {
    if (!cli) process.exit(EXIT.CANCELLED);
    if (cli.interrupted) process.exit(EXIT.CANCELLED); // a second Ctrl+C: stop at once
    cli.interrupted = true;
    cli.err('cancelling…');
    if (cli.svc && cli.requestId) void cli.svc.cancelRun(cli.requestId).catch(() => undefined);
    else setTimeout(() => process.exit(EXIT.CANCELLED), 50).unref();
  };
  process.on('SIGINT', onSigint);
  try {
    const args = parseArgs(argv);
    cli = new Cli(args, io);
    if (bool(args, 'version')) {
      io.stdout.write('concept 0.1.0\n');
      return EXIT.OK;
    }
    if (bool(args, 'help') || !args.command || args.command === 'help') {
      io.stdout.write(HELP);
      return args.command || bool(args, 'help') ? EXIT.OK : EXIT.USAGE;
    }
    switch (args.command) {
      case 'summarize':
      case 'expand':
      case 'translate':
      case 'continue':
        return await cli.task(args.command);
      case 'segment':
        return await cli.segment();
      case 'detect':
        return await cli.detect();
      case 'encode':
        return await cli.encode();
      case 'decode':
        return await cli.decode();
      case 'eval':
        return await cli.eval();
      case 'packs':
        return await cli.packs();
      case 'languages':
        return await cli.languages();
      case 'doctor':
        return await cli.doctor();
      default:
        throw new UsageError(`unknown command "${args.command}"; \`concept --help\` lists the commands`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`concept: ${e.message}\n`);
      return EXIT.USAGE;
    }
    const err = toApiError(e);
    if (cli?.interrupted && err.code !== 'CANCELLED') return EXIT.CANCELLED;
    if (err.code === 'CANCELLED') {
      cli?.err('concept: cancelled');
      return EXIT.CANCELLED;
    }
    const text = `concept: ${err.message}${err.code === 'INTERNAL' && e instanceof Error && io.env.CONCEPT_DEBUG ? `\n${e.stack}` : ''}`;
    if (cli) cli.err(text);
    else io.stderr.write(`${text}\n`);
    if (cli && bool(cli.args, 'json')) io.stdout.write(`${JSON.stringify({ error: { code: err.code, message: err.message } })}\n`);
    return exitCodeFor(err.code);
  } finally {
    process.off('SIGINT', onSigint);
    await cli?.close().catch(() => undefined);
  }
}

function readLine(stdin: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolveLine) => {
    let buf = '';
    const onData = (d: Buffer | string) => {
      buf += d.toString();
      if (buf.includes('\n')) done();
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.pause?.();
      resolveLine(buf.split('\n')[0]);
    };
    stdin.on('data', onData);
    stdin.on('end', done);
    stdin.resume?.();
  });
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] && resolve(process.argv[1]) === self) {
  main().then((code) => process.exit(code), (e) => {
    process.stderr.write(`concept: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}

