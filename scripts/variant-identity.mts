/**
 * Greedy outputs of a variant pack against its reference pack on the same sentences, split into halves: the whole
 * variant, the reference's decoder on the variant's concepts (what the variant's encoder alone keeps) and the
 * variant's decoder on the reference's concepts (its decoder alone), with the smallest embedding cosine. For packs
 * too large for scripts/sonar-variants.mts's conversions, e.g. the full-size packs `npm run bench -- --full` leaves
 * in .work/bench-full/packs (about 2 min for 60 sentences there).
 *
 *   /usr/bin/python3 scripts/make-heldout-fixture.py --english-lines 300 > FILE
 *   npx tsx scripts/variant-identity.mts --ref .work/bench-full/packs/fp32/sonar --pack .work/bench-full/packs/int8/sonar \
 *       --sentences FILE [--n 60] [--max-tokens 32] [--threads 2]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SonarModel } from '../main/engine/sonar/model.js';
import { cosine } from '../main/engine/vec.js';
import { greedyOutputs } from '../bench/lib/sonar-variants.js';

const { values: a } = parseArgs({ options: {
  ref: { type: 'string' }, pack: { type: 'string' }, sentences: { type: 'string' },
  n: { type: 'string', default: '60' }, 'max-tokens': { type: 'string', default: '32' }, threads: { type: 'string', default: '2' },
} });
if (!a.ref || !a.pack || !a.sentences) {
  process.stderr.write('usage: variant-identity.mts --ref PACK --pack VARIANT_PACK --sentences FILE [--n 60] [--max-tokens 32]\n');
  process.exit(1);
}
const sentences = readFileSync(a.sentences, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean).slice(0, Number(a.n));
const cfg = { provider: 'cpu' as const, threads: Number(a.threads) };
const greedy = async (m: SonarModel, embs: Float32Array[]) => (await greedyOutputs(m, embs, Number(a['max-tokens']))).ids;
const t0 = performance.now();
const ref = await SonarModel.load(a.ref, cfg);
const variant = await SonarModel.load(a.pack, cfg);
try {
  const eRef = await ref.encodeTexts(sentences, 'eng_Latn');
  const eVar = await variant.encodeTexts(sentences, 'eng_Latn');
  const base = await greedy(ref, eRef);
  const kept = (out: string[]) => out.filter((x, i) => x === base[i]).length;
  process.stdout.write(`${JSON.stringify({
    sentences: sentences.length,
    whole: kept(await greedy(variant, eVar)),
    refDecoderOnItsConcepts: kept(await greedy(ref, eVar)),
    itsDecoderOnRefConcepts: kept(await greedy(variant, eRef)),
    cosineMin: Math.min(...eRef.map((e, i) => cosine(e, eVar[i]))),
    seconds: Math.round((performance.now() - t0) / 1000),
  })}\n`);
} finally {
  await ref.dispose();
  await variant.dispose();
}
