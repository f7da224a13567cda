/**
 * The app's TypeScript SONAR converter on checkpoints already on disk (what `concept packs get sonar` runs after
 * downloading), with its time and peak memory:
 *
 *   npx tsx scripts/convert-sonar.mts --encoder sonar_text_encoder.pt --decoder sonar_text_decoder.pt \
 *       --spm sentencepiece.source.256000.model --out DIR [--variant fp32|fp16|int8] [--templates DIR]
 */
import { parseArgs } from 'node:util';
import { convertSonar } from '../main/engine/packs/convert/sonar.js';

const { values: a } = parseArgs({ options: {
  encoder: { type: 'string' }, decoder: { type: 'string' }, spm: { type: 'string' }, out: { type: 'string' },
  variant: { type: 'string', default: 'fp32' }, templates: { type: 'string' },
} });
if (!a.encoder || !a.decoder || !a.spm || !a.out) {
  process.stderr.write('usage: convert-sonar.mts --encoder E --decoder D --spm S --out DIR [--variant fp32|fp16|int8]\n');
  process.exit(1);
}
let last = '';
const res = await convertSonar({
  encoder: a.encoder, decoder: a.decoder, spm: a.spm, out: a.out, variant: a.variant as 'fp32' | 'fp16' | 'int8',
  ...(a.templates ? { templatesDir: a.templates } : {}),
  onProgress: (p) => {
    const line = `${p.stage} ${p.bytesTotal ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 0}%`;
    if (line !== last) process.stderr.write(`\r${(last = line)}   `);
  },
});
process.stderr.write('\n');
process.stdout.write(`${JSON.stringify({ ...res, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
