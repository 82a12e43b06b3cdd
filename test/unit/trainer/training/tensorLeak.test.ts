// Tensor hygiene of the fit loop on the engine the trainer actually uses here (wasm, via loadEngine): whatever an
// epoch allocates (fit's batches, validation, the best-weights snapshot) must be released by the next one, or a
// 50-epoch run on a big dataset grows until the trainer dies; a packed head fit must leave nothing behind.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { mulberry32 } from '../../../../src/core/seededRandom';
import { loadEngine, type Tf } from '../../../../src/trainer/engine/engine';
import { buildHead, labelTensor, lossFor } from '../../../../src/trainer/model/headModel';
import { Cancel } from '../../../../src/trainer/training/callbacks/cancel';
import { BatchDivergenceGuard, EpochDivergenceGuard } from '../../../../src/trainer/training/callbacks/divergenceGuard';
import { EarlyStopping } from '../../../../src/trainer/training/callbacks/earlyStopping';
import { fitModel, type Rows } from '../../../../src/trainer/training/fitLoop';

function rows(tf: Tf, n: number, seed: number): Rows {
  const r = mulberry32(seed);
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const x = Array.from({ length: n }, (_, i) => Array.from({ length: 16 }, () => r() + (labels[i] ? 0.3 : 0)));
  return {
    n,
    batch: (positions) => ({
      x: tf.tensor2d(positions.map((p) => x[p])), y: labelTensor(tf, positions.map((p) => labels[p]), 2),
    }),
  };
}

describe('fit loop tensor count', () => {
  let tf: Tf;
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
  });

  it('stays the same from epoch 2 to epoch 4 on wasm', async () => {
    assert.equal(tf.getBackend(), 'wasm');
    const model = buildHead(tf, { inputDim: 16, classes: 2, seed: 3 });
    model.compile({ optimizer: tf.train.adam(1e-3), loss: lossFor(2), metrics: ['accuracy'] });
    const counts: number[] = [];
    await fitModel(tf, model, {
      train: () => rows(tf, 96, 1), validation: rows(tf, 32, 2), epochs: 4, batchSize: 16, seed: 5,
      callbacks: [
        new Cancel(new AbortController().signal), new EpochDivergenceGuard(),
        new EarlyStopping(tf, { monitor: 'val_loss', patience: 100 }),
        { onEpochEnd: () => void counts.push(tf.memory().numTensors) },
      ],
    });
    // Epoch 1 may allocate once-only state (the optimizer's moments, the first best-weights snapshot).
    assert.equal(counts.length, 4);
    assert.equal(counts[3], counts[1], `tensors after each epoch: ${counts.join(', ')}`);
    model.dispose();
  });

  it('a packed fit leaves only the optimizer\'s state behind', async () => {
    const model = buildHead(tf, { inputDim: 16, classes: 2, seed: 3 });
    const optimizer = tf.train.adam(1e-3);
    model.compile({ optimizer, loss: lossFor(2) });
    const before = tf.memory().numTensors;
    const fit = (epochs: number) => fitModel(tf, model, {
      train: rows(tf, 50, 1), epochs, batchSize: 16, seed: 5, epochsPerCall: 7,
      callbacks: [new Cancel(new AbortController().signal), new BatchDivergenceGuard(50)],
    });
    await fit(3);
    const afterOne = tf.memory().numTensors;
    await fit(20);
    assert.equal(tf.memory().numTensors, afterOne, `before ${before}, after one fit ${afterOne}`);
    model.dispose();
    optimizer.dispose();
  });
});
