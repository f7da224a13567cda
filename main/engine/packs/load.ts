/**
 * Loading, validating, verifying and discovering model packs (models/FORMAT.md).
 *
 * loadPack(dir)          pack.json parsed and validated; every listed file, graph, tokenizer and normalizer present
 *                        with the listed size. Cheap: no hashing, no ONNX parsing.
 * verifyPack(pack)       recomputes every sha256 (streamed, with byte progress and cancellation).
 * checkGraphIo(...)      compares a loaded graph's input/output metadata with pack.json (names, fixed dims).
 * checkCompatible(s, l)  an LCM pack works only with a SONAR pack of the same space and dim.
 * discoverPacks(dirs)    every pack folder (a folder holding pack.json) one level below each of the given folders.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PackError } from './errors.js';
import {
  ioName, validatePackJson, type DecoderGraphSpec, type GraphSpec, type LcmPackJson, type PackJson, type SonarPackJson,
} from './schema.js';

export interface LoadedPack<J extends PackJson = PackJson> {
  /** Absolute folder. */
  dir: string;
  json: J;
  /** Total bytes of the listed files. */
  bytes: number;
  /** Absolute path of a file of the pack. */
  file(rel: string): string;
  /** Absolute path of a graph's ONNX file. */
  graphPath(name: string): string;
  graph(name: string): GraphSpec;
}

export type SonarPack = LoadedPack<SonarPackJson>;
export type LcmPack = LoadedPack<LcmPackJson>;

export function isSonarPack(p: LoadedPack): p is SonarPack {
  return p.json.kind === 'sonar';
}

export function isLcmPack(p: LoadedPack): p is LcmPack {
  return p.json.kind === 'lcm';
}

const FIX_HINT = 'Re-copy or re-convert the pack, or remove it from the packs folder';

/** Read and validate `<dir>/pack.json`, and check that every file it mentions exists with the listed size. */
export function loadPack(dir: string): LoadedPack {
  const abs = resolve(dir);
  const manifest = join(abs, 'pack.json');
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new PackError('PACK_MISSING', `pack folder not found: ${abs}`, abs,
      'Check the path, or run `concept packs list` to see the installed packs');
  }
  const state = manifestState(abs);
  if (state === 'absent') {
    throw new PackError('PACK_MISSING', `no pack.json in ${abs}`, abs, 'A pack is a folder holding pack.json (models/FORMAT.md)');
  }
  if (state !== 'file') {
    throw new PackError('PACK_INVALID', `${manifest} ${state === 'loop' ? 'is a symbolic link that loops (it never reaches a file)'
      : state === 'dangling' ? 'is a symbolic link to nothing' : 'is not a file'}`, manifest,
    'Replace pack.json with the pack\'s own file: ' + FIX_HINT);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifest, 'utf8'));
  } catch (err) {
    throw new PackError('PACK_INVALID', `${manifest} is not valid JSON (${(err as Error).message})`, manifest, FIX_HINT, { cause: err });
  }
  const json = validatePackJson(raw, manifest);
  const file = (rel: string) => join(abs, rel);
  let bytes = 0;
  const listed = new Set<string>();
  for (const f of json.files) {
    listed.add(f.path);
    const p = file(f.path);
    if (!existsSync(p)) throw new PackError('PACK_FILE_MISSING', `${json.name}: file missing: ${p}`, p, FIX_HINT);
    const size = statSync(p).size;
    if (size !== f.size) {
      throw new PackError('PACK_FILE_SIZE', `${json.name}: ${p} has ${size} bytes, pack.json lists ${f.size}`, p,
        'The file is truncated or was replaced: ' + FIX_HINT);
    }
    bytes += f.size;
  }
  const needed: string[] = Object.values(json.graphs).map((g) => g.file);
  if (json.kind === 'sonar') needed.push(json.tokenizer.file);
  else needed.push(json.normalizer.file);
  for (const rel of needed) {
    const p = file(rel);
    if (!existsSync(p)) throw new PackError('PACK_FILE_MISSING', `${json.name}: file missing: ${p}`, p, FIX_HINT);
    if (!listed.has(rel)) {
      throw new PackError('PACK_INVALID', `${manifest}: '${rel}' is used but not listed in files`, manifest, FIX_HINT);
    }
  }
  return {
    dir: abs,
    json,
    bytes,
    file,
    graphPath: (name) => file(graphSpec(json, name, manifest).file),
    graph: (name) => graphSpec(json, name, manifest),
  };
}

function graphSpec(json: PackJson, name: string, where: string): GraphSpec {
  const g = (json.graphs as Record<string, GraphSpec>)[name];
  if (!g) throw new PackError('PACK_INVALID', `${where}: no graph '${name}'`, where, FIX_HINT);
  return g;
}

export function loadSonarPack(dir: string): SonarPack {
  const p = loadPack(dir);
  if (!isSonarPack(p)) throw new PackError('PACK_INVALID', `${p.dir} is a ${p.json.kind} pack, not a SONAR pack`, p.dir, 'Pass the SONAR pack folder');
  return p;
}

export function loadLcmPack(dir: string): LcmPack {
  const p = loadPack(dir);
  if (!isLcmPack(p)) throw new PackError('PACK_INVALID', `${p.dir} is a ${p.json.kind} pack, not an LCM pack`, p.dir, 'Pass the LCM pack folder');
  return p;
}

export interface VerifyProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface VerifyResult {
  ok: boolean;
  problems: { path: string; code: 'PACK_FILE_MISSING' | 'PACK_FILE_SIZE' | 'PACK_CHECKSUM'; message: string }[];
}

export async function sha256File(path: string, onBytes: (n: number) => void, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  const abort = () => stream.destroy(signal?.reason ?? new DOMException('The operation was aborted', 'AbortError'));
  signal?.addEventListener('abort', abort, { once: true });
  try {
    for await (const chunk of stream) {
      h.update(chunk as Buffer);
      onBytes((chunk as Buffer).length);
    }
  } finally {
    signal?.removeEventListener('abort', abort);
  }
  if (signal?.aborted) throw signal.reason;
  return h.digest('hex');
}

/** Recompute every file's size and sha256 against pack.json. Never throws for a bad file: it lists problems. */
export async function verifyPack(pack: LoadedPack, opts: { onProgress?: (p: VerifyProgress) => void; signal?: AbortSignal } = {}): Promise<VerifyResult> {
  const problems: VerifyResult['problems'] = [];
  const total = pack.json.files.reduce((s, f) => s + f.size, 0);
  let done = 0;
  for (const f of pack.json.files) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const p = pack.file(f.path);
    if (!existsSync(p)) {
      problems.push({ path: p, code: 'PACK_FILE_MISSING', message: `missing: ${p}` });
      done += f.size;
      continue;
    }
    const size = statSync(p).size;
    if (size !== f.size) {
      problems.push({ path: p, code: 'PACK_FILE_SIZE', message: `${p}: ${size} bytes, expected ${f.size}` });
      done += f.size;
      opts.onProgress?.({ file: f.path, bytesDone: done, bytesTotal: total });
      continue;
    }
    const digest = await sha256File(p, (n) => {
      done += n;
      opts.onProgress?.({ file: f.path, bytesDone: done, bytesTotal: total });
    }, opts.signal);
    if (digest !== f.sha256.toLowerCase()) {
      problems.push({ path: p, code: 'PACK_CHECKSUM', message: `${p}: sha256 ${digest}, expected ${f.sha256}` });
    }
  }
  return { ok: problems.length === 0, problems };
}

/** Throw the first problem of verifyPack as a PackError. */
export async function assertVerified(pack: LoadedPack, opts: Parameters<typeof verifyPack>[1] = {}): Promise<void> {
  const r = await verifyPack(pack, opts);
  if (!r.ok) {
    const p = r.problems[0];
    throw new PackError(p.code, `${pack.json.name}: ${p.message}${r.problems.length > 1 ? ` (and ${r.problems.length - 1} more)` : ''}`,
      p.path, FIX_HINT);
  }
}

/** loadPack, then (with `verify`) every sha256 checked, with byte progress; the first bad file throws. */
export async function openPack(dir: string, opts: { verify?: boolean; onProgress?: (p: VerifyProgress) => void; signal?: AbortSignal } = {}): Promise<LoadedPack> {
  const pack = loadPack(dir);
  if (opts.verify) await assertVerified(pack, opts);
  return pack;
}

/** An LCM pack must share the SONAR pack's embedding space and dimension. */
export function checkCompatible(sonar: SonarPack, lcm: LcmPack): void {
  if (lcm.json.space !== sonar.json.space) {
    throw new PackError('PACK_SPACE_MISMATCH',
      `LCM pack '${lcm.json.name}' works in space '${lcm.json.space}', SONAR pack '${sonar.json.name}' in '${sonar.json.space}'`,
      lcm.dir, 'Install a SONAR pack of the same space, or pick an LCM pack made for this SONAR pack');
  }
  if (lcm.json.dim !== sonar.json.dim) {
    throw new PackError('PACK_DIM_MISMATCH',
      `LCM pack '${lcm.json.name}' has dim ${lcm.json.dim}, SONAR pack '${sonar.json.name}' has dim ${sonar.json.dim}`,
      lcm.dir, 'The packs belong to different model families');
  }
}

/** Concepts cached with one dimension cannot be used by a pack of another. */
export function checkCachedDim(pack: LoadedPack, cachedDim: number): void {
  if (cachedDim !== pack.json.dim) {
    throw new PackError('PACK_DIM_MISMATCH', `cached concepts have dimension ${cachedDim}, pack '${pack.json.name}' has ${pack.json.dim}`,
      pack.dir, 'Re-encode the document with this pack (the cache is keyed by space; a space id was reused for another model)');
  }
}

/** Tensor metadata as onnxruntime reports it (InferenceSession.inputMetadata / outputMetadata). */
export interface IoMeta {
  name: string;
  isTensor?: boolean;
  type?: string;
  shape?: readonly (number | string)[];
}

/** Expected fixed dims per graph role (undefined entries are free). */
function expectedShapes(pack: LoadedPack, graphName: string): Record<string, { type: string; shape: (number | undefined)[] }> {
  const j = pack.json;
  const D = j.dim;
  if (j.kind === 'sonar') {
    const V = j.tokenizer.vocab_size;
    const d = j.graphs.decoder as DecoderGraphSpec;
    if (graphName === 'encoder') {
      return {
        'in:input_ids': { type: 'int64', shape: [undefined, undefined] },
        'in:attention_mask': { type: 'int64', shape: [undefined, undefined] },
        'out:sentence_embedding': { type: 'float32', shape: [undefined, D] },
      };
    }
    if (graphName === 'decoder') {
      const kv = { type: 'float32', shape: [undefined, d.heads, undefined, d.head_dim] };
      return {
        'in:input_ids': { type: 'int64', shape: [undefined, undefined] },
        'in:sentence_embedding': { type: 'float32', shape: [undefined, D] },
        'in:past_key': kv, 'in:past_value': kv,
        'out:logprobs': { type: 'float32', shape: [undefined, V] },
        'out:present_key': kv, 'out:present_value': kv,
        // optional (older packs lack them): the search's top-k I/O
        'in:topk': { type: 'int64', shape: [1] },
        'out:topk_logprobs': { type: 'float32', shape: [undefined, undefined] },
        'out:topk_ids': { type: 'int64', shape: [undefined, undefined] },
        // optional: the cache rows each step reads (in-graph beam reordering)
        'in:beam_index': { type: 'int64', shape: [undefined] },
        // optional: the cross-attention constants, computed at the first step and fed back
        'in:past_cross': { type: 'float32', shape: [undefined, undefined, D] },
        'out:present_cross': { type: 'float32', shape: [undefined, d.layers, D] },
      };
    }
    return {};
  }
  const H = (j.graphs.denoiser as { context_dim?: number } | undefined)?.context_dim;
  switch (graphName) {
    case 'base':
      return { 'in:concepts': { type: 'float32', shape: [undefined, undefined, D] }, 'out:next': { type: 'float32', shape: [undefined, undefined, D] } };
    case 'contextualizer':
      return { 'in:concepts': { type: 'float32', shape: [undefined, undefined, D] }, 'out:context': { type: 'float32', shape: [undefined, undefined, H] } };
    case 'denoiser':
      return {
        'in:x_t': { type: 'float32', shape: [undefined, 1, D] },
        'in:t': { type: 'int64', shape: [undefined] },
        'in:context': { type: 'float32', shape: [undefined, undefined, H] },
        'in:context_mask': { type: 'float32', shape: [undefined, undefined] },
        'out:x0': { type: 'float32', shape: [undefined, 1, D] },
      };
    default:
      return {};
  }
}

/**
 * Compare a loaded graph's input/output metadata with pack.json: every named tensor exists (per layer for `{i}`
 * templates), with the contract's dtype, rank and fixed dimensions. Throws PACK_GRAPH_MISMATCH / PACK_DIM_MISMATCH.
 */
export function checkGraphIo(pack: LoadedPack, graphName: string, inputs: readonly IoMeta[], outputs: readonly IoMeta[]): void {
  const spec = pack.graph(graphName);
  const path = pack.graphPath(graphName);
  const layers = typeof spec.layers === 'number' ? spec.layers : undefined;
  const shapes = expectedShapes(pack, graphName);
  const sides = [['in', spec.inputs, inputs], ['out', spec.outputs, outputs]] as const;
  for (const [side, roles, metas] of sides) {
    const byName = new Map(metas.map((m) => [m.name, m]));
    for (const [role, template] of Object.entries(roles)) {
      const names = template.includes('{i}') ? Array.from({ length: layers ?? 0 }, (_, i) => ioName(template, i)) : [template];
      for (const name of names) {
        const m = byName.get(name);
        if (!m) {
          throw new PackError('PACK_GRAPH_MISMATCH',
            `${path}: pack.json names ${side === 'in' ? 'input' : 'output'} '${name}' (${role}), the graph has ${[...byName.keys()].join(', ')}`,
            path, 'pack.json and the graph come from different exports: re-convert the pack');
        }
        const exp = shapes[`${side}:${role}`];
        if (!exp || !m.shape) continue;
        if (m.type && m.type !== exp.type) {
          throw new PackError('PACK_GRAPH_MISMATCH', `${path}: '${name}' is ${m.type}, the contract says ${exp.type}`, path,
            'The graph does not follow models/FORMAT.md');
        }
        if (m.shape.length !== exp.shape.length) {
          throw new PackError('PACK_GRAPH_MISMATCH', `${path}: '${name}' has rank ${m.shape.length}, the contract says ${exp.shape.length}`,
            path, 'The graph does not follow models/FORMAT.md');
        }
        exp.shape.forEach((want, k) => {
          const got = m.shape![k];
          if (want !== undefined && typeof got === 'number' && got !== want) {
            throw new PackError('PACK_DIM_MISMATCH', `${path}: '${name}' axis ${k} is ${got}, pack.json implies ${want}`,
              path, 'pack.json does not describe this graph: re-convert the pack');
          }
        });
      }
    }
  }
  if (layers !== undefined) {
    // the per-layer key/value caches (the cross-attention cache is one tensor for all layers)
    const pastIn = inputs.filter((m) => /past/.test(m.name) && m.name !== spec.inputs.past_cross).length;
    if (pastIn !== 2 * layers) {
      throw new PackError('PACK_GRAPH_MISMATCH', `${path}: ${pastIn} cache inputs, pack.json says ${layers} layers (${2 * layers})`,
        path, 'pack.json does not describe this graph: re-convert the pack');
    }
  }
}

/** models/mini of this checkout / installation (the bundled packs). */
export const BUNDLED_PACKS_DIR = fileURLToPath(new URL('../../../models/mini/', import.meta.url));

/** The folders searched for packs: the bundled ones, then the user's folder (settings.userPackDir). */
export function packFolders(userDir?: string | null, bundledDir: string = BUNDLED_PACKS_DIR): { path: string; bundled: boolean }[] {
  const out = [{ path: bundledDir, bundled: true }];
  if (userDir) out.push({ path: userDir, bundled: false });
  return out;
}

export interface DiscoveredPack {
  dir: string;
  pack?: LoadedPack;
  error?: PackError;
  bundled: boolean;
}

/**
 * What `<dir>/pack.json` is. A symlink loop or a dangling link is not "absent": existsSync says false for both, and a
 * folder whose pack.json loops was then silently taken for an empty folder of packs (issue 11, defect 8).
 */
export function manifestState(dir: string): 'file' | 'absent' | 'loop' | 'dangling' | 'not-file' {
  const p = join(dir, 'pack.json');
  try {
    lstatSync(p);
  } catch {
    return 'absent';
  }
  try {
    return statSync(p).isFile() ? 'file' : 'not-file';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ELOOP' ? 'loop' : 'dangling';
  }
}

/**
 * Packs in a list of folders: each folder itself if it holds pack.json, else its direct sub-folders holding one.
 * Invalid packs are reported with their error, not thrown. Missing folders are skipped.
 */
export function discoverPacks(folders: { path: string; bundled?: boolean }[] | string[]): DiscoveredPack[] {
  const out: DiscoveredPack[] = [];
  const seen = new Set<string>();
  for (const entry of folders) {
    const { path, bundled = false } = typeof entry === 'string' ? { path: entry } : entry;
    const root = resolve(path);
    if (!existsSync(root) || !statSync(root).isDirectory()) continue;
    // a pack.json that is there but unreadable (a link loop) makes a broken pack, reported with its error
    const candidates = manifestState(root) !== 'absent'
      ? [root]
      : readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && manifestState(join(root, d.name)) !== 'absent')
        .map((d) => join(root, d.name))
        .sort();
    for (const dir of candidates) {
      if (seen.has(dir)) continue;
      seen.add(dir);
      try {
        out.push({ dir, pack: loadPack(dir), bundled });
      } catch (err) {
        if (!(err instanceof PackError)) throw err;
        out.push({ dir, error: err, bundled });
      }
    }
  }
  return out;
}
