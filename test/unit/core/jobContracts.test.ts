// The job contracts (src/core/jobs): each config is checked one way, naming the bad field, with its defaults applied;
// each result check keeps every field of a real result and names the field that is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  JOBS, parseJobConfig, parseJobResult, type JobConfig, type JobName, type JobResult,
} from '../../../src/core/jobs';
import type { LrFindConfig, LrFindResult } from '../../../src/core/jobs/lrFind';
import type { TrainConfig, TrainResult } from '../../../src/core/jobs/train';
import { JOBS as PROTOCOL_JOBS } from '../../../src/core/protocol';

const defaults = { runsDir: '/work/.transfer-lab/runs', cacheDir: '/work/.transfer-lab/cache' };

// The index's types are the contract files' own: a job typed through JobConfig<J> and JobResult<J> gets exactly them.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const sameTypes: [
  Same<JobConfig<'train'>, TrainConfig>, Same<JobResult<'train'>, TrainResult>,
  Same<JobConfig<'lr-find'>, LrFindConfig>, Same<JobResult<'lr-find'>, LrFindResult>,
] = [true, true, true, true];

/** The smallest config each job accepts. */
const MINIMAL: Record<JobName, Record<string, unknown>> = {
  doctor: {},
  prepare: { source: '/photos' },
  train: { dataset: '/d', backbone: 'b' },
  evaluate: { runDir: '/r' },
  predict: { runDir: '/r', images: '/i' },
  'learning-curve': { dataset: '/d', backbone: 'b' },
  advise: { dataset: '/d', backbone: 'b' },
  'lr-find': { dataset: '/d', backbone: 'b' },
  export: { runDir: '/r' },
  explain: { runDir: '/r', images: ['/i'] },
  relabel: { dataset: '/d' },
};

describe('job contracts', () => {
  it('name every job the protocol knows, in one table', () => {
    assert.deepEqual(sameTypes, [true, true, true, true]);
    assert.deepEqual(PROTOCOL_JOBS, JOBS);
    assert.deepEqual([...JOBS].sort(), Object.keys(MINIMAL).sort());
    for (const job of JOBS) assert.doesNotThrow(() => parseJobConfig(job, MINIMAL[job], defaults), job);
  });

  const bad: [JobName, Record<string, unknown>, RegExp][] = [
    ['train', { epochs: 0 }, /^config\.epochs: expected a whole number from 1 to 10000, got number 0$/],
    ['train', { dataset: undefined }, /^config\.dataset: expected a dataset and a backbone/],
    ['train', { mode: 'fine-tune', dataset: '/d' }, /^config\.from: expected a source run \(from\)/],
    ['train', { resize: 'stretch' }, /^config\.resize: expected "cover" \| "fill" \| "contain"/],
    ['train', { engine: 'gpu' }, /^config\.engine: expected "auto" \| "tfjs-node-gpu"/],
    ['evaluate', { runDir: undefined }, /^config\.runDir: expected string, got undefined$/],
    ['evaluate', { topLosses: -1 }, /^config\.topLosses: expected a whole number from 0 to 1000/],
    ['predict', { clip: 0.5 }, /^config\.clip: expected a number from 0 up to \(not including\) 0\.5/],
    ['prepare', { source: 'photos' }, /^config\.source: expected an absolute path/],
    ['learning-curve', { repeats: 0 }, /^config\.repeats: expected a whole number from 1 to 20/],
    ['advise', { backbone: undefined }, /^config\.backbone: expected string/],
    ['lr-find', { dataset: undefined }, /^config\.dataset: expected a prepared dataset folder/],
    ['doctor', { workers: 1.5 }, /^config\.workers: expected a whole number from 0 to 64/],
    ['export', { format: 'tflite' }, /^config\.format: expected "onnx" \| "keras", got "tflite"$/],
    ['export', { verifyImages: -1 }, /^config\.verifyImages: expected a whole number from 0 to 100000/],
  ];
  for (const [job, change, message] of bad) {
    it(`${job} refuses ${JSON.stringify(change)} naming the field`, () => {
      assert.throws(() => parseJobConfig(job, { ...MINIMAL[job], ...change }, defaults), { message });
    });
  }

  it('keeps workers for every job that runs forward passes', () => {
    for (const job of ['doctor', 'train', 'evaluate', 'predict', 'learning-curve', 'advise', 'lr-find'] as const) {
      const c = parseJobConfig(job, { ...MINIMAL[job], workers: 1 }, defaults);
      assert.equal(c.workers, 1, job);
    }
  });

  it('applies the defaults, and splits modes so each has the fields it needs', () => {
    const train = parseJobConfig('train', MINIMAL.train, defaults);
    assert.deepEqual([train.mode, train.epochs, train.patience, train.batch, train.resize, train.engine, train.runsDir],
      ['feature-extractor', 50, 10, 32, 'fill', 'auto', defaults.runsDir]);
    const fineTune = parseJobConfig('train', { mode: 'fine-tune', from: '/runs/1' }, defaults);
    assert.deepEqual([fineTune.mode, fineTune.mode === 'fine-tune' && fineTune.from, fineTune.patience],
      ['fine-tune', '/runs/1', 5]);
    assert.equal(parseJobConfig('lr-find', { from: '/runs/1' }, defaults).mode, 'fine-tune');
    assert.equal(parseJobConfig('evaluate', MINIMAL.evaluate, defaults).topLosses, 16);
  });
});

describe('job results', () => {
  const train: TrainResult = {
    runId: 'r1', dir: '/runs/r1', status: 'completed', engine: 'wasm', mode: 'feature-extractor',
    best: { epoch: 3, loss: 0.2, acc: 0.9, valLoss: 0.3, valAcc: 0.88 }, seconds: { embedding: 1, training: 2 },
    classes: ['cat', 'dog'], counts: { train: [8, 8], val: [2, 2] }, skipped: [{ file: '/x.jpg', reason: 'truncated' }],
    warnings: ['left out 1 image'], cache: { computed: 20, fromCache: 0, corrupt: 0 },
  };

  it('keep every field of a result, and only the listed ones', () => {
    assert.deepEqual(parseJobResult('train', train), train);
    assert.deepEqual(parseJobResult('train', { ...train, extra: 1 }), train);
    const undo = { undo: true, output: '/o', removedFiles: 3, removedDirs: 1, keptDirs: [] };
    assert.deepEqual(parseJobResult('prepare', undo), undo);
  });

  it('name the field that is wrong', () => {
    assert.throws(() => parseJobResult('train', { ...train, best: { ...train.best, valAcc: '0.9' } }),
      { message: /^result\.best\.valAcc: expected number, got "0\.9"$/ });
    assert.throws(() => parseJobResult('evaluate', train), { message: /^result\.runDir: expected string/ });
    assert.throws(() => parseJobResult('doctor', null), { message: /^result: expected object, got null$/ });
  });
});
