// Every job that runs forward passes over images on tfjs honours its `workers` setting. The guidance jobs once passed an
// empty setting and started a thread per core whatever the user asked; this counts the threads each job really
// starts (Node's 'worker' event, on wasm, where workers are used at all). Each run gets a fresh cache, because
// workers start only on the first image that is not cached.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { JobName } from '../../src/core/jobs';
import type { TrainResult } from '../../src/core/jobs/train';
import { classFolders, job, prepare, smallTrain, tempDir, V1 } from './trainHelpers';

const work = tempDir('job-workers');
const prepared = path.join(work, 'prepared');
let fresh = 0;
const cacheDir = () => path.join(work, `cache-${++fresh}`);

/** Runs the job in this process; the number of worker threads it started. */
async function threadsOf(name: JobName, config: Record<string, unknown>): Promise<number> {
  let started = 0;
  const count = () => void started++;
  process.on('worker', count);
  try {
    // Forward workers serve frozen passes on tfjs; on ONNX Runtime one session uses every core (tested below).
    const r = await job(name, { engine: 'wasm', frozen: 'tfjs', ...config });
    assert.equal(r.error, undefined, `${name}: ${r.error?.message}`);
  } finally {
    process.off('worker', count);
  }
  return started;
}

describe('jobs honour the workers setting', () => {
  let run: TrainResult;

  before(async () => {
    await prepare(classFolders(path.join(work, 'source'), { cat: 8, dog: 8 }), prepared);
    // One thread: the run the evaluate, predict and fine-tuning sweep cases start from.
    const r = await job<TrainResult>('train', smallTrain(prepared, work, { engine: 'wasm', cacheDir: cacheDir() }));
    assert.equal(r.error, undefined, r.error?.message);
    run = r.result;
  });

  const embedding = () => ({ dataset: prepared, backbone: V1, batch: 8 });
  const cases: { name: string; job: JobName; config: () => Record<string, unknown> }[] = [
    { name: 'train', job: 'train', config: () => smallTrain(prepared, work, { epochs: 1 }) },
    {
      name: 'learning-curve', job: 'learning-curve',
      config: () => ({ ...embedding(), sizes: '4,8', repeats: 1, steps: 5 }),
    },
    { name: 'lr-find on a new head', job: 'lr-find', config: () => ({ ...embedding(), steps: 5 }) },
    { name: 'lr-find on a run\'s top', job: 'lr-find', config: () => ({ from: run.dir, batch: 8, steps: 5 }) },
    { name: 'advise', job: 'advise', config: () => ({ ...embedding(), sample: 4 }) },
    { name: 'evaluate', job: 'evaluate', config: () => ({ runDir: run.dir }) },
    {
      name: 'predict', job: 'predict',
      config: () => ({ runDir: run.dir, images: path.join(prepared, 'val'), out: path.join(work, `p-${++fresh}.csv`) }),
    },
  ];

  for (const c of cases) {
    it(`${c.name}: workers 1 starts no thread, workers 2 a pool of two per pass`, async () => {
      assert.equal(await threadsOf(c.job, { ...c.config(), cacheDir: cacheDir(), workers: 1 }), 0);
      const two = await threadsOf(c.job, { ...c.config(), cacheDir: cacheDir(), workers: 2 });
      assert.ok(two >= 2 && two % 2 === 0, `${two} threads: each pass should start a pool of two`);
    });
  }

  // On ONNX Runtime a pass is one session with intra-op threads = cores (on a thread of its own when it fills the
  // cache, ortWorker.ts): asking for workers starts no tfjs pool, so workers 2 starts exactly what workers 1 does.
  for (const c of cases) {
    it(`${c.name}: on ONNX Runtime, workers 2 starts no tfjs worker`, async () => {
      const onnx = { frozen: 'onnxruntime' };
      const one = await threadsOf(c.job, { ...c.config(), ...onnx, cacheDir: cacheDir(), workers: 1 });
      const two = await threadsOf(c.job, { ...c.config(), ...onnx, cacheDir: cacheDir(), workers: 2 });
      assert.equal(two, one);
    });
  }
});
