/**
 * From a file to a summary on the engine's own API, in one process: no database, no worker, no front end — the
 * shortest path through the pipeline, to read before anything else (the app adds caching, the worker and storage).
 *
 *   npx tsx examples/summarize.ts FILE [--to fra_Latn] [--sentences 3] [--packs models/mini]
 *
 * Stages: import (any of txt, md, html, pdf, docx) → cut into sentences → one SONAR concept per sentence → the
 * Two-Tower LCM generates summary concepts → the SONAR decoder writes them in the target language.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { importFile } from '../main/engine/import/index.js';
import { createTwoTowerLcm, readLcmPack } from '../main/engine/lcm/index.js';
import { createSession } from '../main/engine/runtime/session.js';
import { sessionRunner } from '../main/engine/runtime/tensors.js';
import { SonarModel, sonarPorts } from '../main/engine/sonar/index.js';
import { summarize } from '../main/engine/tasks/index.js';
import { lcmGenerator } from '../main/engine/tasks/lcm-adapter.js';
import { detectLanguage } from '../main/engine/text/detect.js';
import { segment } from '../main/engine/text/segmenter.js';

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      to: { type: 'string' },
      sentences: { type: 'string', default: '3' },
      packs: { type: 'string', default: 'models/mini' },
    },
  });
  if (positionals.length !== 1)
    throw new Error('usage: npx tsx examples/summarize.ts FILE [--to LANG] [--sentences N] [--packs DIR]');

  // 1. Import and segment: plain text, one language guess for the document.
  const { text } = await importFile(positionals[0]);
  const sentences = segment(text).map((s) => s.text);
  const lang = detectLanguage(text).lang ?? 'eng_Latn';

  // 2. SONAR: the encoder and decoder as the tasks' ports (text ⇄ concept).
  const sonar = await SonarModel.load(join(values.packs, 'sonar'));
  const { encoder, decoder } = sonarPorts(sonar);

  // 3. The LCM: its two graphs as onnxruntime sessions, the diffusion model over them, the generation loop around it.
  const lcmDir = join(values.packs, 'two-tower-lcm');
  const { pack, normalizer } = readLcmPack(lcmDir);
  const open = async (graph: string) => sessionRunner((await createSession(join(lcmDir, pack.graphs[graph].file))).session);
  const model = createTwoTowerLcm(pack, normalizer, {
    contextualizer: await open('contextualizer'),
    denoiser: await open('denoiser'),
  });
  const generator = lcmGenerator({ model, pack });

  // 4. The task: encode → generate → decode, with progress per stage.
  const result = await summarize(
    { sentences, lang },
    { encoder, decoder, generator, onProgress: (p) => process.stderr.write(`\r${p.stage} ${p.done}/${p.total}   `) },
    { method: 'lcm', targetLang: values.to ?? lang, length: { sentences: Number(values.sentences) } },
  );
  process.stderr.write('\n');

  for (const s of result.sentences) console.log(s.text);
  console.error(`${sentences.length} sentences (${lang}) → ${result.sentences.length}; stopped: ${result.stopReason}`);
  await sonar.dispose();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e); // the engine's errors say what to do; no stack trace
  process.exit(1);
});
