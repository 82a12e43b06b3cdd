// Tensor hygiene of the head training loop on the engine the trainer actually uses here (wasm, via loadEngine):
// whatever an epoch allocates (its shuffled copy, fit's batches, validation, the best-weights snapshot) must be
// released by the next one, or a 50-epoch run on a big dataset grows until the trainer dies.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { mulberry32 } from '../../../../src/core/seededRandom';
import { loadEngine, type Tf } from '../../../../src/trainer/engine/engine';
import { buildHead, labelTensor, lossFor } from '../../../../src/trainer/model/headModel';
import { fitWithEarlyStopping } from '../../../../src/trainer/training/trainLoop';

function data(tf: Tf, n: number, seed: number) {
  const r = mulberry32(seed);
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const x = Float32Array.from({ length: n * 16 }, (_, k) => r() + (labels[Math.floor(k / 16)] ? 0.3 : 0));
  return { x: tf.tensor2d(x, [n, 16]), y: labelTensor(tf, labels, 2) };
}

describe('fitWithEarlyStopping tensor count', () => {
  let tf: Tf;
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
  });

  it('stays the same from epoch 2 to epoch 4 on wasm', async () => {
    assert.equal(tf.getBackend(), 'wasm');
    const train = data(tf, 96, 1);
    const val = data(tf, 32, 2);
    const model = buildHead(tf, { inputDim: 16, classes: 2, seed: 3 });
    model.compile({ optimizer: tf.train.adam(1e-3), loss: lossFor(2), metrics: ['accuracy'] });
    const counts: number[] = [];
    await fitWithEarlyStopping(tf, model, () => ({ x: train.x.clone(), y: train.y.clone() }), val, {
      epochs: 4, patience: 100, monitor: 'val_loss', batchSize: 16, seed: 5, lr: 1e-3, signal: new AbortController().signal,
      onEpoch: () => void counts.push(tf.memory().numTensors),
    });
    // Epoch 1 may allocate once-only state (the optimizer's moments, the first best-weights snapshot).
    assert.equal(counts.length, 4);
    assert.equal(counts[3], counts[1], `tensors after each epoch: ${counts.join(', ')}`);
    tf.dispose([train.x, train.y, val.x, val.y]);
    model.dispose();
  });

  it('stays the same from epoch 2 to epoch 4 when the rows come a batch at a time', async () => {
    const train = data(tf, 96, 1);
    const val = data(tf, 32, 2);
    const [rows, labels] = [train.x.arraySync() as number[][], train.y.arraySync() as number[][]];
    const model = buildHead(tf, { inputDim: 16, classes: 2, seed: 3 });
    model.compile({ optimizer: tf.train.adam(1e-3), loss: lossFor(2), metrics: ['accuracy'] });
    const counts: number[] = [];
    await fitWithEarlyStopping(tf, model, () => ({
      n: rows.length,
      batch: (positions) => ({ x: tf.tensor2d(positions.map((p) => rows[p])), y: tf.tensor2d(positions.map((p) => labels[p])) }),
    }), val, {
      epochs: 4, patience: 100, monitor: 'val_loss', batchSize: 16, seed: 5, lr: 1e-3, signal: new AbortController().signal,
      onEpoch: () => void counts.push(tf.memory().numTensors),
    });
    assert.equal(counts[3], counts[1], `tensors after each epoch: ${counts.join(', ')}`);
    tf.dispose([train.x, train.y, val.x, val.y]);
    model.dispose();
  });
});
