/** `auto` method choice, stop reasons and pack quality labels (engine/tasks/method.ts, engine/packs/quality.ts). */
import { describe, expect, it } from 'vitest';
import { chooseMethod, mapGeneratorStop, requestedSentences, stopInfo } from '../../../main/engine/tasks/index.js';
import { fidelityThresholds, packQuality, parseMetrics } from '../../../main/engine/packs/quality.js';
import { DEFAULT_FIDELITY } from '../../../main/engine/tasks/fidelity.js';

const DEMO = { demo: true };
const FULL = { demo: false };

describe('chooseMethod', () => {
  it('auto with demonstration packs: a summary is extractive (verbatim in its own language)', () => {
    expect(chooseMethod({ task: 'summarize', hasLcm: true, sonarQuality: DEMO, lcmQuality: DEMO })).toEqual({ requested: 'auto', used: 'extractive', reason: 'demo-packs' });
    expect(chooseMethod({ requested: 'auto', task: 'summarize', hasLcm: true, sonarQuality: FULL, lcmQuality: DEMO }).used).toBe('extractive');
    expect(chooseMethod({ requested: 'auto', task: 'summarize', hasLcm: true, sonarQuality: DEMO, lcmQuality: FULL }).used).toBe('extractive');
  });

  it('auto with unknown quality is treated as demo; with measured packs it uses the LCM', () => {
    expect(chooseMethod({ task: 'summarize', hasLcm: true }).reason).toBe('demo-packs');
    expect(chooseMethod({ task: 'summarize', hasLcm: true, sonarQuality: FULL, lcmQuality: FULL })).toEqual({ requested: 'auto', used: 'lcm', reason: 'measured' });
  });

  it('no LCM: extractive; an explicit method is honoured; translate/expand/continue are fixed by the task', () => {
    expect(chooseMethod({ task: 'summarize', hasLcm: false, sonarQuality: FULL }).reason).toBe('no-lcm');
    expect(chooseMethod({ requested: 'lcm', task: 'summarize', hasLcm: true, sonarQuality: DEMO, lcmQuality: DEMO })).toEqual({ requested: 'lcm', used: 'lcm', reason: 'requested' });
    expect(chooseMethod({ requested: 'extractive', task: 'summarize', hasLcm: true, sonarQuality: FULL, lcmQuality: FULL }).used).toBe('extractive');
    expect(chooseMethod({ task: 'translate', hasLcm: true }).used).toBe('extractive');
    expect(chooseMethod({ task: 'expand', hasLcm: true, sonarQuality: DEMO }).used).toBe('lcm');
    expect(chooseMethod({ task: 'continue', hasLcm: true }).reason).toBe('task');
  });
});

describe('stop reasons', () => {
  it('maps the generation loop reasons', () => {
    expect(mapGeneratorStop('eos')).toBe('end-of-text');
    expect(mapGeneratorStop('repetition')).toBe('repetition');
    expect(mapGeneratorStop('max')).toBe('budget');
    expect(mapGeneratorStop('budget')).toBe('length');
    expect(mapGeneratorStop(undefined)).toBe('length');
  });

  it('requested sentences: the count, else the ratio of the source (extractive) or none (LCM word budget)', () => {
    expect(requestedSentences(20, { sentences: 3.7 }, 'extractive')).toBe(3);
    expect(requestedSentences(20, { ratio: 0.1 }, 'extractive')).toBe(2);
    expect(requestedSentences(20, undefined, 'extractive')).toBe(5);
    expect(requestedSentences(20, { ratio: 0.1 }, 'lcm')).toBeNull();
    expect(requestedSentences(20, { sentences: 4 }, 'lcm')).toBe(4);
  });

  it('an LCM that predicts the end of the text after 1 of 3 sentences says so', () => {
    expect(stopInfo({ task: 'summarize', method: 'lcm', sourceSentences: 30, length: { sentences: 3 }, produced: 1, generatorStop: 'eos' }))
      .toEqual({ reason: 'end-of-text', requested: 3, produced: 1, early: true });
    expect(stopInfo({ task: 'expand', method: 'lcm', sourceSentences: 3, length: { sentences: 8 }, produced: 2, generatorStop: 'repetition' }).reason).toBe('repetition');
    expect(stopInfo({ task: 'continue', method: 'lcm', sourceSentences: 3, length: { sentences: 40 }, produced: 32, generatorStop: 'max' }).reason).toBe('budget');
    expect(stopInfo({ task: 'summarize', method: 'lcm', sourceSentences: 30, length: { sentences: 3 }, produced: 3, generatorStop: 'budget' }))
      .toEqual({ reason: 'length', requested: 3, produced: 3, early: false });
  });

  it('extractive: the requested length, a short source, or dropped repeats', () => {
    expect(stopInfo({ task: 'summarize', method: 'extractive', sourceSentences: 10, length: { sentences: 3 }, produced: 3 }).reason).toBe('length');
    expect(stopInfo({ task: 'summarize', method: 'extractive', sourceSentences: 2, length: { sentences: 5 }, produced: 2 }))
      .toEqual({ reason: 'source', requested: 5, produced: 2, early: true });
    expect(stopInfo({ task: 'summarize', method: 'extractive', sourceSentences: 10, length: { sentences: 3 }, produced: 1, dropped: 2 }).reason).toBe('repetition');
    expect(stopInfo({ task: 'translate', method: 'extractive', sourceSentences: 4, produced: 4 })).toEqual({ reason: 'length', requested: 4, produced: 4, early: false });
  });
});

describe('pack quality (pack.json quality / metrics / fidelity)', () => {
  it('no label and no metrics: an assumed demonstration pack', () => {
    expect(packQuality({ name: 'x' })).toEqual({ label: 'demo', declared: false, demo: true, metrics: [] });
  });

  it('a declared label with held-out metrics (numbers or value/baseline, nested one level)', () => {
    const q = packQuality({
      quality: 'full',
      metrics: { autoencoding_chrf: 61.5, retrieval_top1: { value: 0.42, baseline: 0.001 }, summary: { rougeL: 12.3, note: 'x' } },
    });
    expect(q).toMatchObject({ label: 'full', declared: true, demo: false });
    expect(q.metrics).toEqual([
      { name: 'autoencoding_chrf', value: 61.5 },
      { name: 'retrieval_top1', value: 0.42, baseline: 0.001 },
      { name: 'summary.rougeL', value: 12.3 },
    ]);
  });

  it('a label without metrics is still a demonstration; "demo" with metrics too; the object form works', () => {
    expect(packQuality({ quality: 'full' }).demo).toBe(true);
    expect(packQuality({ quality: 'demo', metrics: { chrf: 9.8 } })).toMatchObject({ label: 'demo', demo: true, declared: true });
    expect(packQuality({ quality: { label: 'full', metrics: { chrf: 60 } } })).toMatchObject({ label: 'full', demo: false });
    expect(parseMetrics('nope')).toEqual([]);
  });

  it('fidelity thresholds from pack.json, else the defaults; invalid values are ignored', () => {
    expect(fidelityThresholds({}, DEFAULT_FIDELITY)).toBe(DEFAULT_FIDELITY);
    expect(fidelityThresholds({ fidelity: { threshold: 0.55, good: 0.8 } }, DEFAULT_FIDELITY)).toEqual({ threshold: 0.55, good: 0.8, source: 'pack' });
    expect(fidelityThresholds({ fidelity: { threshold: 'high' } }, DEFAULT_FIDELITY)).toBe(DEFAULT_FIDELITY);
    expect(fidelityThresholds({ fidelity: { threshold: 0.97, good: 0.5 } }, DEFAULT_FIDELITY)).toEqual({ threshold: 0.97, good: 0.97, source: 'pack' });
  });
});
