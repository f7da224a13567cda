/**
 * Issue 15 measurement: time from `npm start` to the first summary of a 1,000-word document on the bundled packs,
 * as a user meets it — a fresh data folder (nothing cached), the app started with `npm start -- --browser`, the
 * document imported and summarized over the same HTTP API the renderer uses.
 *
 *   npx tsx scripts/first-summary.mts [--words 1000] [--to eng_Latn] [--method auto]
 *
 * The document: held-out English NTREX news articles (the split of tools/concept_tools/data.py: a document is held
 * out when sha1("ntrex:" + id) % 5 == 0), whole articles until the word count is reached. Prints each stage's time
 * from process start: URL printed, document imported, summary done (and the summary itself).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({ options: {
  words: { type: 'string', default: '1000' }, to: { type: 'string', default: 'eng_Latn' }, method: { type: 'string', default: 'auto' },
} });

function heldOutNews(minWords: number): string {
  const folder = join(ROOT, '..', 'shared', 'data', 'parallel', 'ntrex128');
  const ids = readFileSync(join(folder, 'documents.tsv'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const lines = gunzipSync(readFileSync(join(folder, 'eng_Latn.txt.gz'))).toString('utf8').split('\n');
  const docs = new Map<string, string[]>();
  ids.forEach((id, n) => { if (lines[n]?.trim()) docs.set(id, [...(docs.get(id) ?? []), lines[n].trim()]); });
  const held = [...docs].filter(([id]) => parseInt(createHash('sha1').update(`ntrex:${id}`).digest('hex').slice(0, 8), 16) % 5 === 0);
  const paras: string[] = [];
  let words = 0;
  for (const [, ls] of held) {
    if (words >= minWords) break;
    // the first line of an NTREX document is its headline: a paragraph of its own
    paras.push(ls[0], ls.slice(1).join(' '));
    words += ls.join(' ').split(/\s+/).length;
  }
  return paras.join('\n\n');
}

const text = heldOutNews(Number(a.words));
const dataDir = mkdtempSync(join(tmpdir(), 'cs-first-summary-'));
const t0 = performance.now();
const since = () => ((performance.now() - t0) / 1000).toFixed(2);
const child = spawn('npm', ['start', '--silent', '--', '--browser', '--data', dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const { url, token } = await new Promise<{ url: string; token: string }>((ok, fail) => {
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const m = /Open: (\S+)#token=([0-9a-f]+)/.exec(buf);
      if (m) ok({ url: m[1], token: m[2] });
    });
    child.on('exit', (code) => fail(new Error(`npm start exited (${code}) before printing its URL`)));
  });
  console.log(`URL printed                 ${since()} s`);
  const call = async (method: string, args: unknown[]) => {
    const r = await fetch(`${url}api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-concept-token': token }, body: JSON.stringify(args) });
    const body = await r.json();
    if (r.status !== 200) throw new Error(`${method}: ${r.status} ${JSON.stringify(body)}`);
    return body as any;
  };
  const imp = await call('importDocument', [{ name: 'news.txt', text }]);
  const doc = imp.document;
  console.log(`document imported           ${since()} s  (${text.split(/\s+/).length} words, ${doc.sentenceCount} sentences)`);
  await call('startRun', [{ documentId: doc.id, task: 'summarize', targetLang: a.to, method: a.method }]);
  let run: any = null;
  while (!run) {
    const runs = await call('listRuns', [doc.id]);
    run = runs.find((r: any) => r.status);
    if (!run) await new Promise((r) => setTimeout(r, 50));
  }
  console.log(`first summary ${run.status.padEnd(13)} ${since()} s  (${a.method} → ${a.to})`);
  const full = await call('getRun', [run.id]);
  console.log(`  stages (ms): ${Object.entries(full.timings ?? {}).map(([k, v]) => `${k} ${Math.round(v as number)}`).join(', ')}`);
  for (const s of full.sentences ?? []) console.log(`  · ${s.text}`);
} finally {
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
