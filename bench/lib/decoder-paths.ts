/**
 * The decoder's two search paths on one pack (issue 15 item 2): each step fetching only the top-k rows
 * (`topk_logprobs`, `topk_ids` + the cache) against the full log-softmax rows (`logprobs` + the cache). Same session,
 * same inputs, interleaved rounds; the two must give the same tokens. Also the share of decode time spent outside
 * `session.run` on each path: the search itself, masks, feeds and cache gathers (the copy of the fetched outputs into
 * JavaScript happens inside run). A pack without the top-k outputs gets them in a copy (tools/decoder_search_io.py add).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSonarPack } from '../../main/engine/packs/load.js';
import { decodeEmbeddings, type DecodeOptions, type DecodeResult } from '../../main/engine/sonar/beam.js';
import { SonarDecoder, type FetchingRunner } from '../../main/engine/sonar/decoder.js';
import type { SessionConfig } from '../../main/engine/runtime/session.js';
import { measure, roundPolicy, timingOf, type Policy, type Timing } from './measure.js';

export interface PathTiming {
  timing: Timing;
  /** output tokens (content + EOS) per decode */
  tokens: number;
  /** decode time outside session.run ÷ decode time (median over the timed runs) */
  outsideRun: number;
  /** decoder steps per decode on this path that fetched top-k / full rows */
  topkSteps: number;
  fullSteps: number;
}

export interface DecoderPathsResult {
  /** the pack had no top-k outputs: a copy with them was made */
  derived: boolean;
  modes: { mode: 'greedy' | 'beam'; topk: PathTiming; full: PathTiming; identical: number; sentences: number }[];
}

const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** A runner that adds the wall time of every run to `acc.s`. */
function timed(inner: FetchingRunner, acc: { s: number }): FetchingRunner {
  return {
    inputNames: inner.inputNames,
    outputNames: inner.outputNames,
    run: async (feeds, fetches) => {
      const t0 = performance.now();
      try {
        return await inner.run(feeds, fetches);
      } finally {
        acc.s += (performance.now() - t0) / 1000;
      }
    },
  };
}

export async function benchDecoderPaths(root: string, sonarDir: string, work: string, embs: Float32Array[], lang: number,
  maxTokens: number, config: SessionConfig, p: Policy): Promise<DecoderPathsResult> {
  let dir = sonarDir;
  const derived = !loadSonarPack(sonarDir).json.graphs.decoder.inputs.topk;
  if (derived) {
    dir = join(work, 'sonar-topk');
    execFileSync(PY, [join(root, 'tools', 'decoder_search_io.py'), 'add', sonarDir, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  const base = await SonarDecoder.fromPack(loadSonarPack(dir), config);
  const inRun = { s: 0 };
  const dec = new SonarDecoder(timed(base.runner, inRun), base.spec, base.provider);
  const langs = embs.map(() => lang);
  const modes: DecoderPathsResult['modes'] = [];
  try {
    for (const mode of ['greedy', 'beam'] as const) {
      const common: DecodeOptions = { greedy: mode === 'greedy', beam: 5, maxTokens };
      const path = (fullLogprobs: boolean) => {
        const outside: number[] = [];
        let res: DecodeResult[] = [];
        const stats = { topkSteps: 0, fullSteps: 0, reruns: 0 };
        const fn = async () => {
          inRun.s = 0;
          stats.topkSteps = stats.fullSteps = 0;
          const t0 = performance.now();
          res = await decodeEmbeddings(dec, embs, langs, { ...common, fullLogprobs, stats });
          const total = (performance.now() - t0) / 1000;
          outside.push((total - inRun.s) / total);
        };
        return { fn, outside, get res() { return res; }, stats };
      };
      const top = path(false);
      const full = path(true);
      const sTop: number[] = [];
      const sFull: number[] = [];
      for (let r = 0; r < (p.rounds ?? 1); r++) {
        const rp = roundPolicy(p, r);
        const a = async () => { sTop.push(...(await measure(top.fn, rp)).samples); };
        const b = async () => { sFull.push(...(await measure(full.fn, rp)).samples); };
        if (r % 2 === 0) { await a(); await b(); } else { await b(); await a(); }
      }
      const count = (rs: DecodeResult[]) => rs.reduce((s, x) => s + x.tokens.length + 1, 0);
      const same = top.res.filter((x, i) => JSON.stringify(x.hypotheses) === JSON.stringify(full.res[i].hypotheses)).length;
      const of = (q: typeof top, samples: number[]): PathTiming => ({
        timing: timingOf(samples), tokens: count(q.res), outsideRun: timingOf(q.outside).median_s,
        topkSteps: q.stats.topkSteps, fullSteps: q.stats.fullSteps,
      });
      modes.push({ mode, topk: of(top, sTop), full: of(full, sFull), identical: same, sentences: embs.length });
    }
  } finally {
    await base.dispose();
  }
  return { derived, modes };
}
