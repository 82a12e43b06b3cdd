// The quick head fits behind the learning curve and the LR finder, in-process on synthetic features: they learn,
// repeat exactly for a seed, stop on cancel, and leave no tensors behind.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { suggestLr } from '../../../../src/core/lrSuggestion';
import { mulberry32 } from '../../../../src/core/seededRandom';
import { loadEngine, type Tf } from '../../../../src/trainer/engine/engine';
import type { Matrix } from '../../../../src/trainer/guidance/guidanceData';
import { errorRate, fitEpochs, newHead, predictClasses, rowsOf } from '../../../../src/trainer/training/headFit';
import { labelTensor } from '../../../../src/trainer/model/headModel';
import { CancelledError } from '../../../../src/trainer/runtime/jobContext';
import { sweepLearningRate } from '../../../../src/trainer/training/lrSweep';

/** Two Gaussian clusters in `dim` dimensions, `spread` apart along every axis. */
function clusters(n: number, dim: number, spread: number, seed: number): Matrix {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  const x = new Float32Array(n * dim).map((_, k) => gauss() + (labels[Math.floor(k / dim)] ? spread / 2 : -spread / 2));
  return { x, labels, n, dim };
}

const ctx = { emit: () => {}, signal: new AbortController().signal };
let tf: Tf;

describe('head fits on cached features', () => {
  before(async () => {
    tf = (await loadEngine()).tf;
  });

  for (const kind of ['recipe', 'linear'] as const) {
    it(`a ${kind} head learns separable features, repeats for a seed, and disposes everything`, async () => {
      const train = clusters(200, 16, 1.2, 1), test = clusters(200, 16, 1.2, 2);
      const rows = [...Array(train.n).keys()];
      const before = tf.memory().numTensors;
      const fit = async () => {
        const { model, optimizer } = newHead(tf, 16, 2, { kind, lr: 1e-2, seed: 5 });
        try {
          await fitEpochs(tf, model, train, rows, 2, { epochs: 20, batch: 32, seed: 5, signal: ctx.signal });
          return { error: errorRate(tf, model, test), predicted: predictClasses(tf, model, test) };
        } finally {
          model.dispose();
          optimizer.dispose();
        }
      };
      const a = await fit(), b = await fit();
      assert.ok(a.error < 0.1, `held-out error ${a.error}`);
      assert.deepEqual(b.predicted, a.predicted, 'same seed, same model');
      assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    });
  }

  it('stops before training once cancelled', async () => {
    const train = clusters(50, 8, 1, 3);
    const { model, optimizer } = newHead(tf, 8, 2, { kind: 'linear', lr: 1e-2, seed: 1 });
    const controller = new AbortController();
    controller.abort();
    const rows = [...Array(50).keys()];
    const o = { epochs: 5, batch: 8, seed: 1, signal: controller.signal };
    await assert.rejects(fitEpochs(tf, model, train, rows, 2, o), CancelledError);
    model.dispose();
    optimizer.dispose();
  });

  it('an LR sweep on a fresh head finds a descent and leaves no tensors behind', async () => {
    const train = clusters(400, 32, 1, 4);
    const before = tf.memory().numTensors;
    const { model, optimizer } = newHead(tf, 32, 2, { kind: 'recipe', lr: 1e-7, seed: 2 });
    const rows = {
      n: train.n,
      batch: (r: number[]) => ({ x: rowsOf(tf, train, r), y: labelTensor(tf, r.map((i) => train.labels[i]), 2) }),
    };
    const sweep = await sweepLearningRate(tf, model, rows, {
      batch: 32, sweep: { start: 1e-6, end: 10, steps: 80 }, seed: 3,
    }, ctx);
    model.dispose();
    optimizer.dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.ok(sweep.lrs.length > 20 && sweep.lrs.length <= 80 && sweep.losses.every(Number.isFinite));
    const s = suggestLr(sweep.lrs, sweep.losses);
    assert.equal(s.rule, 'steepest');
    assert.ok(s.suggestion > 1e-5 && s.suggestion < 1, String(s.suggestion));
  });
});
