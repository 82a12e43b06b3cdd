// The training loop on real tensors (cpu backend): early stopping, best-weight restore, cancel, tensor hygiene.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../../../src/core/seededRandom';
import { buildHead, labelTensor, lossFor } from '../../../../src/trainer/model/headModel';
import { CancelledError } from '../../../../src/trainer/runtime/jobContext';
import { evaluate, fitWithEarlyStopping, type FitOptions } from '../../../../src/trainer/training/trainLoop';

/** Two Gaussian blobs in 32-d: separable, but noisy enough that a head needs several epochs. */
function blobs(n: number, seed: number, shift = 0.8) {
  const r = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const x = new Float32Array(n * 32), y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    y.push(label);
    for (let d = 0; d < 32; d++) x[i * 32 + d] = Math.max(0, gauss() + (label ? shift : -shift) * (d < 8 ? 1 : 0) + 1);
  }
  return { x: tf.tensor2d(x, [n, 32]), y: labelTensor(tf, y, 2) };
}

const options = (o: Partial<FitOptions> = {}): FitOptions => ({
  epochs: 30, patience: 3, monitor: 'val_loss', batchSize: 32, seed: 7, lr: 1e-3, signal: new AbortController().signal, ...o,
});

function compiled(seed = 7) {
  const m = buildHead(tf, { inputDim: 32, classes: 2, seed });
  m.compile({ optimizer: tf.train.adam(1e-3), loss: lossFor(2), metrics: ['accuracy'] });
  return m;
}

describe('fitWithEarlyStopping', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('learns separable data and restores the best epoch\'s weights', async () => {
    const train = blobs(256, 1), val = blobs(128, 2);
    const model = compiled();
    const result = await fitWithEarlyStopping(tf, model, () => ({ x: train.x.clone(), y: train.y.clone() }), val, options());
    assert.ok(result.best.valAcc > 0.85, `val_acc ${result.best.valAcc}`);
    const [valLoss] = evaluate(tf, model, val, 32);
    assert.ok(Math.abs(valLoss - result.best.valLoss) < 1e-5, `restored ${valLoss} vs best ${result.best.valLoss}`);
    const last = result.history.at(-1)!;
    if (result.stoppedEarly) assert.ok(last.valLoss >= result.best.valLoss);
  });

  it('stops after `patience` epochs without improvement', async () => {
    // Random labels: nothing generalises, so val_loss stops improving quickly.
    const train = blobs(128, 3), val = blobs(64, 4);
    const noise = labelTensor(tf, Array.from({ length: 128 }, (_, i) => (i * 7919) % 3 === 0 ? 1 : 0), 2);
    const model = compiled();
    const result = await fitWithEarlyStopping(tf, model, () => ({ x: train.x.clone(), y: noise.clone() }), val, options({ epochs: 50, patience: 2, lr: 1e-2 }));
    assert.ok(result.stoppedEarly);
    const bestIndex = result.history.findIndex((h) => h.epoch === result.best.epoch);
    assert.equal(result.history.length - 1 - bestIndex, 2);
  });

  it('repeats exactly for the same seed', async () => {
    const train = blobs(128, 5), val = blobs(64, 6);
    const run = async () => {
      const model = compiled(11);
      const r = await fitWithEarlyStopping(tf, model, () => ({ x: train.x.clone(), y: train.y.clone() }), val, options({ epochs: 3, seed: 11 }));
      return r.history.map((h) => [h.loss, h.valLoss]);
    };
    assert.deepEqual(await run(), await run());
  });

  it('cancels at the next batch', async () => {
    const train = blobs(512, 8), val = blobs(64, 9);
    const controller = new AbortController();
    const model = compiled();
    let epochs = 0;
    const run = fitWithEarlyStopping(tf, model, (e) => {
      if (e === 2) controller.abort();
      epochs = e;
      return { x: train.x.clone(), y: train.y.clone() };
    }, val, options({ signal: controller.signal, batchSize: 8 }));
    await assert.rejects(run, CancelledError);
    assert.equal(epochs, 2);
  });

  it('does not leak tensors across epochs', async () => {
    const train = blobs(128, 10), val = blobs(64, 11);
    const model = compiled();
    const counts: number[] = [];
    await fitWithEarlyStopping(tf, model, () => ({ x: train.x.clone(), y: train.y.clone() }), val,
      options({ epochs: 6, patience: 100, onEpoch: () => void counts.push(tf.memory().numTensors) }));
    assert.equal(counts.length, 6);
    // The best-weights snapshot may change hands, but the count must not grow epoch over epoch.
    assert.ok(counts.at(-1)! <= counts[1], `tensors per epoch: ${counts.join(', ')}`);
  });

  it('rows made a batch at a time train exactly as whole-epoch tensors do, one batch of inputs at a time', async () => {
    const train = blobs(200, 5), val = blobs(64, 6);
    const whole = await fitWithEarlyStopping(tf, compiled(3), () => ({ x: train.x.clone(), y: train.y.clone() }), val, options({ epochs: 4, patience: 10 }));
    const rows = train.x.arraySync(), labels = train.y.arraySync();
    const sizes: number[] = [];
    const batched = await fitWithEarlyStopping(tf, compiled(3), () => ({
      n: rows.length,
      batch: (positions) => {
        sizes.push(positions.length);
        return { x: tf.tensor2d(positions.map((p) => rows[p])), y: tf.tensor2d(positions.map((p) => labels[p])) };
      },
    }), val, options({ epochs: 4, patience: 10 }));
    assert.deepEqual(batched.history.map((m) => m.loss), whole.history.map((m) => m.loss));
    assert.deepEqual(batched.history.map((m) => m.valLoss), whole.history.map((m) => m.valLoss));
    assert.equal(Math.max(...sizes), 32);
    assert.equal(sizes.reduce((a, b) => a + b, 0), 4 * 200);
  });

  it('evaluates rows made a batch at a time as it evaluates the same tensors', () => {
    const val = blobs(100, 8);
    const model = compiled(4);
    const [rows, labels] = [val.x.arraySync(), val.y.arraySync()];
    const batched = evaluate(tf, model, { n: 100, batch: (p) => ({ x: tf.tensor2d(p.map((i) => rows[i])), y: tf.tensor2d(p.map((i) => labels[i])) }) }, 32);
    const whole = evaluate(tf, model, val, 32);
    assert.ok(Math.abs(batched[0] - whole[0]) < 1e-6 && Math.abs(batched[1] - whole[1]) < 1e-6, `${batched} vs ${whole}`);
  });
});
