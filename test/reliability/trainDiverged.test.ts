// Issue 12: NaN is an error with a cause, never a number in run.json, and a run whose loss became NaN never ends
// "completed". Runs on the cpu engine: wasm's clipByValue turns NaN into the clip bound, so there a diverged head
// saturates (loss ≈ 8) instead; cpu and the native engines propagate NaN, and lr 1e30 reliably gives it at epoch 1.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadEngine } from '../../src/trainer/engine/engine';
import type { Matrix } from '../../src/trainer/guidance/guidanceData';
import { fitEpochs, newHead } from '../../src/trainer/training/headFit';
import type { TrainResult } from '../../src/core/jobs/train';
import { classFolders, job, prepare, smallTrain, tempDir } from './trainHelpers';

const work = tempDir('train-diverged');

describe('a diverged run fails with its cause', () => {
  const prepared = path.join(work, 'prepared');

  before(async () => {
    await prepare(classFolders(path.join(work, 'source'), { cat: 8, dog: 8 }), prepared);
  });

  it('train, lr 1e30: "loss became NaN at epoch 1 (lr 1e+30)", the run is failed, run.json holds no NaN', async () => {
    const runs = path.join(work, 'runs');
    const r = await job<TrainResult>('train', smallTrain(prepared, work, { engine: 'cpu', lr: 1e30, epochs: 3 }));
    assert.ok(r.error, `train completed: ${JSON.stringify((r.terminal as { result?: unknown }).result)}`);
    assert.equal(r.error.code, 'bad-input');
    assert.equal(r.error.message, 'loss became NaN at epoch 1 (lr 1e+30): lower the learning rate');
    assert.match(r.error.hint ?? '', /lr-find/);
    const [id] = fs.readdirSync(runs);
    const text = fs.readFileSync(path.join(runs, id, 'run.json'), 'utf8');
    const run = JSON.parse(text);
    assert.equal(run.status, 'failed');
    assert.equal(run.error, r.error.message);
    assert.equal(run.best, undefined);
    assert.ok(!/null|NaN/.test(JSON.stringify(run.history)), `history records a NaN: ${JSON.stringify(run.history)}`);
    assert.ok(!fs.existsSync(path.join(runs, id, 'model', 'model.json')), 'a diverged run saved a model');
  });

  it('the learning curve\'s head fit fails on a NaN loss instead of turning it into an error rate', async () => {
    const { tf } = await loadEngine('cpu');
    const n = 16, dim = 8;
    // One NaN feature: the loss is NaN from the first batch (wasm would clip it away; cpu does not).
    const x = new Float32Array(n * dim).map((_, i) => (i === 3 ? NaN : (i % 7) / 7));
    const m: Matrix = { x, labels: Int32Array.from({ length: n }, (_, i) => i % 2), n, dim };
    const { model, optimizer } = newHead(tf, dim, 2, { kind: 'linear', lr: 1e-3, seed: 1 });
    const signal = new AbortController().signal;
    try {
      await assert.rejects(
        fitEpochs(tf, model, m, [...Array(n).keys()], 2, { epochs: 2, batch: 8, seed: 1, signal }),
        /loss became NaN while fitting a head on 16 images \(lr 0\.001\): lower the learning rate/);
    } finally {
      model.dispose();
      optimizer.dispose();
    }
  });
});
