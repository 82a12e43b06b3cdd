// The one fit loop on real tensors (cpu backend), with the callbacks the train job puts on it: early stopping
// that restores the best epoch, cancel, events and checkpoints that agree on the best epoch, packed epochs.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../../../src/core/seededRandom';
import type { TrainerEvent } from '../../../../src/core/protocol';
import { buildHead, labelTensor, lossFor } from '../../../../src/trainer/model/headModel';
import { fileSystemLoader } from '../../../../src/trainer/model/modelFiles';
import { RunWriter } from '../../../../src/trainer/runs/runWriter';
import { CancelledError } from '../../../../src/trainer/runtime/jobContext';
import { Cancel } from '../../../../src/trainer/training/callbacks/cancel';
import { Checkpoint } from '../../../../src/trainer/training/callbacks/checkpoint';
import { EpochDivergenceGuard } from '../../../../src/trainer/training/callbacks/divergenceGuard';
import { EarlyStopping } from '../../../../src/trainer/training/callbacks/earlyStopping';
import { EpochEvents } from '../../../../src/trainer/training/callbacks/epochEvents';
import {
  evaluate, fitModel, type Callback, type EpochLogs, type FitOptions, type Rows,
} from '../../../../src/trainer/training/fitLoop';

/** Two Gaussian blobs in 32-d: separable, but noisy enough that a head needs several epochs. */
function blobs(n: number, seed: number, shift = 0.8) {
  const r = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const x: number[][] = [], y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    y.push(label);
    x.push(Array.from({ length: 32 }, (_, d) => Math.max(0, gauss() + (label ? shift : -shift) * (d < 8 ? 1 : 0) + 1)));
  }
  return { x, y };
}

/** Rows a batch at a time; `seen` collects each batch's positions. */
function rowsOf(data: { x: number[][]; y: number[] }, seen?: number[][]): Rows {
  return {
    n: data.x.length,
    batch: (positions) => {
      seen?.push(positions);
      const x = tf.tensor2d(positions.map((p) => data.x[p]));
      return { x, y: labelTensor(tf, positions.map((p) => data.y[p]), 2) };
    },
  };
}

function compiled(seed = 7, lr = 1e-3) {
  const m = buildHead(tf, { inputDim: 32, classes: 2, seed });
  m.compile({ optimizer: tf.train.adam(lr), loss: lossFor(2), metrics: ['accuracy'] });
  return m;
}

function weightsHash(model: tf.LayersModel): string {
  const h = createHash('sha256');
  for (const w of model.getWeights()) h.update(Buffer.from((w.dataSync() as Float32Array).buffer));
  return h.digest('hex');
}

/** Records each epoch's weights, as they are when the epoch ends. */
class WeightsPerEpoch implements Callback {
  readonly hashes = new Map<number, string>();
  onEpochEnd(logs: EpochLogs, fit: { model: tf.LayersModel }): void {
    this.hashes.set(logs.epoch, weightsHash(fit.model));
  }
}

const never = new AbortController().signal;

async function trainWithEarlyStopping(
  model: tf.LayersModel, train: Rows | ((epoch: number) => Rows), val: Rows,
  o: { epochs: number; patience: number; seed?: number; signal?: AbortSignal; more?: Callback[] } & Partial<FitOptions>,
) {
  const early = new EarlyStopping(tf, { monitor: 'val_loss', patience: o.patience });
  const history = await fitModel(tf, model, {
    train, validation: val, epochs: o.epochs, batchSize: o.batchSize ?? 32, seed: o.seed ?? 7,
    callbacks: [new Cancel(o.signal ?? never), new EpochDivergenceGuard(), early, ...(o.more ?? [])],
  });
  return { history: history.epochs, best: early.best, stopped: history.stopped };
}

describe('fitModel', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('learns separable data, stops early, and ends with the best epoch\'s weights', async () => {
    // A high rate on few images overfits within a few epochs, so val_loss turns back up and patience runs out.
    const train = rowsOf(blobs(96, 1)), val = rowsOf(blobs(128, 2));
    const model = compiled(7, 1e-2);
    const perEpoch = new WeightsPerEpoch();
    const r = await trainWithEarlyStopping(model, train, val, { epochs: 30, patience: 3, more: [perEpoch] });
    assert.ok(r.stopped, `ran all ${r.history.length} epochs`);
    assert.ok(r.history.length < 30);
    assert.equal(r.history.length - r.best.epoch, 3, 'stopped `patience` epochs after the best');
    assert.ok(r.best.valAcc > 0.85, `val_acc ${r.best.valAcc}`);
    assert.equal(r.best.valLoss, Math.min(...r.history.map((h) => h.valLoss)));
    assert.ok(r.history.at(-1)!.valLoss > r.best.valLoss);
    assert.equal(weightsHash(model), perEpoch.hashes.get(r.best.epoch), 'the model holds the best epoch\'s weights');
    assert.notEqual(weightsHash(model), perEpoch.hashes.get(r.history.length));
    const [valLoss] = evaluate(tf, model, val, 32);
    assert.ok(Math.abs(valLoss - r.best.valLoss) < 1e-6, `restored ${valLoss} vs best ${r.best.valLoss}`);
  });

  it('stops after `patience` epochs without improvement', async () => {
    // Random labels: nothing generalises, so val_loss stops improving quickly.
    const data = blobs(128, 3);
    const noise = { x: data.x, y: data.y.map((_, i) => ((i * 7919) % 3 === 0 ? 1 : 0)) };
    const val = rowsOf(blobs(64, 4));
    const r = await trainWithEarlyStopping(compiled(7, 1e-2), rowsOf(noise), val, { epochs: 50, patience: 2 });
    assert.ok(r.stopped);
    assert.equal(r.history.length - r.best.epoch, 2);
  });

  it('repeats exactly for the same seed', async () => {
    const train = rowsOf(blobs(128, 5)), val = rowsOf(blobs(64, 6));
    const run = async () => {
      const model = compiled(11);
      const r = await trainWithEarlyStopping(model, train, val, { epochs: 3, patience: 10, seed: 11 });
      return { history: r.history.map((h) => [h.loss, h.acc, h.valLoss, h.valAcc]), weights: weightsHash(model) };
    };
    assert.deepEqual(await run(), await run());
  });

  it('cancels at the next batch', async () => {
    const controller = new AbortController();
    const data = blobs(512, 8);
    const batches: number[] = [];
    let epochs = 0;
    const run = trainWithEarlyStopping(compiled(), (e) => {
      epochs = e;
      if (e === 2) controller.abort();
      const rows = rowsOf(data);
      return { n: rows.n, batch: (p) => (batches.push(e), rows.batch(p)) };
    }, rowsOf(blobs(64, 9)), { epochs: 30, patience: 3, batchSize: 8, signal: controller.signal });
    await assert.rejects(run, CancelledError);
    assert.equal(epochs, 2);
    assert.equal(batches.filter((e) => e === 2).length, 1, 'trained on past the cancel');
  });

  it('does not leak tensors across epochs', async () => {
    const counts: number[] = [];
    await trainWithEarlyStopping(compiled(), rowsOf(blobs(128, 10)), rowsOf(blobs(64, 11)), {
      epochs: 6, patience: 100, more: [{ onEpochEnd: () => void counts.push(tf.memory().numTensors) }],
    });
    assert.equal(counts.length, 6);
    // The best-weights snapshot may change hands, but the count must not grow epoch over epoch.
    assert.ok(counts.at(-1)! <= counts[1], `tensors per epoch: ${counts.join(', ')}`);
  });

  it('builds one batch of inputs at a time, each epoch a permutation; a short batch ends each epoch', async () => {
    const seen: number[][] = [];
    const val = rowsOf(blobs(64, 6));
    await trainWithEarlyStopping(compiled(3), rowsOf(blobs(100, 5), seen), val, { epochs: 3, patience: 10 });
    assert.deepEqual(seen.map((b) => b.length), [32, 32, 32, 4, 32, 32, 32, 4, 32, 32, 32, 4]);
    for (let e = 0; e < 3; e++) {
      const epoch = seen.slice(4 * e, 4 * e + 4).flat();
      assert.deepEqual([...epoch].sort((a, b) => a - b), [...Array(100).keys()]);
    }
  });

  it('packs epochs into one fit() call when nothing needs an epoch boundary: the permutations run on', async () => {
    const data = blobs(100, 5);
    const run = async (o: Partial<FitOptions>) => {
      const seen: number[][] = [];
      const model = compiled(3);
      const h = await fitModel(tf, model, { train: rowsOf(data, seen), epochs: 5, batchSize: 32, seed: 4, ...o });
      return { seen, steps: h.steps, weights: weightsHash(model) };
    };
    const byEpoch = await run({ epochsPerCall: 1 });
    const packed = await run({ epochsPerCall: 3 });
    const epochBounded = await run({
      epochsPerCall: 3, callbacks: [{ onEpochEnd: () => undefined }], validation: rowsOf(data),
    });
    assert.deepEqual(byEpoch.seen.map((b) => b.length), Array(5).fill([32, 32, 32, 4]).flat());
    // 300 rows then 200: the short batch falls only at the end of each call.
    assert.deepEqual(packed.seen.map((b) => b.length), [...Array(9).fill(32), 12, ...Array(6).fill(32), 8]);
    assert.deepEqual(packed.seen.flat(), byEpoch.seen.flat(), 'the same seeded permutations');
    assert.equal(packed.steps, 17);
    assert.notEqual(packed.weights, byEpoch.weights);
    assert.deepEqual(epochBounded.seen, byEpoch.seen, 'an epoch callback gets its epoch boundaries');
    assert.equal(epochBounded.weights, byEpoch.weights);
  });

  it('a callback that throws in a batch ends training after that batch; every callback sees the error', async () => {
    const ends: unknown[] = [];
    const seen: number[][] = [];
    const boom = new Error('boom');
    const model = compiled();
    await assert.rejects(fitModel(tf, model, {
      train: rowsOf(blobs(200, 1), seen), epochs: 3, batchSize: 16, seed: 1, epochsPerCall: 3,
      callbacks: [
        { onBatchEnd: ({ step }) => { if (step === 4) throw boom; }, onTrainEnd: (_, e) => void ends.push(e) },
        { onTrainEnd: (_, e) => void ends.push(e) },
      ],
    }), boom);
    assert.equal(seen.length, 5);
    assert.deepEqual(ends, [boom, boom]);
    // tfjs would refuse the next fit() if the failed one had left the model training.
    await fitModel(tf, model, { train: rowsOf(blobs(20, 2)), epochs: 1, batchSize: 16, seed: 1 });
  });

  it('sets the rate a callback asks for and reports it in the epoch\'s logs', async () => {
    const rates: number[] = [], asked = [0.1, 0.01, 0.001, 0.0001];
    const h = await fitModel(tf, compiled(), {
      train: rowsOf(blobs(64, 1)), validation: rowsOf(blobs(32, 2)), epochs: 2, batchSize: 32, seed: 1,
      callbacks: [
        { onBatchBegin: (step, fit) => fit.setLearningRate(asked[step]) },
        { onBatchEnd: (_, fit) => void rates.push(fit.learningRate()) },
      ],
    });
    assert.deepEqual(rates, asked);
    assert.deepEqual(h.epochs.map((e) => e.lr), [0.01, 0.0001]);
  });

  it('events, run.json and checkpoint/ agree on the best epoch with the weights early stopping restores', async () => {
    const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-fit-'));
    const run = await RunWriter.create(runs, {
      mode: 'feature-extractor', backbone: 'm', dataset: '/d', classes: ['a', 'b'], engine: 'cpu', config: {},
    });
    const events: TrainerEvent[] = [];
    const ctx = { emit: (e: TrainerEvent) => void events.push(e), signal: never };
    const model = compiled(7, 1e-2);
    const r = await trainWithEarlyStopping(model, rowsOf(blobs(96, 1)), rowsOf(blobs(128, 2)), {
      epochs: 30, patience: 3,
      more: [
        new EpochEvents({ ctx, run, stage: 'feature-extractor', monitor: 'val_loss' }), new Checkpoint(run, 'val_loss'),
      ],
    });
    assert.deepEqual(events.map((e) => e.type === 'epoch' && e.epoch), r.history.map((h) => h.epoch));
    assert.deepEqual(events[0], { type: 'epoch', stage: 'feature-extractor', ...r.history[0] });
    const record = JSON.parse(fs.readFileSync(path.join(run.dir, 'run.json'), 'utf8'));
    assert.equal(record.history.length, r.history.length);
    assert.equal(record.best.epoch, r.best.epoch);
    const saved = await tf.loadLayersModel(fileSystemLoader(run.checkpointDir));
    assert.equal(weightsHash(saved), weightsHash(model));
    fs.rmSync(runs, { recursive: true, force: true });
  });

  it('evaluates rows made a batch at a time as model.evaluate does on the whole tensors', () => {
    const val = blobs(100, 8);
    const model = compiled(4);
    const batched = evaluate(tf, model, rowsOf(val), 32);
    const whole = tf.tidy(() => {
      const out = model.evaluate(tf.tensor2d(val.x), labelTensor(tf, val.y, 2), { batchSize: 32 }) as tf.Scalar[];
      return out.map((s) => s.dataSync()[0]);
    });
    assert.ok(Math.abs(batched[0] - whole[0]) < 1e-6, `loss ${batched[0]} vs ${whole[0]}`);
    assert.ok(Math.abs(batched[1] - whole[1]) < 1e-6, `acc ${batched[1]} vs ${whole[1]}`);
  });

  it('refuses epoch callbacks without validation rows, and empty validation', async () => {
    await assert.rejects(fitModel(tf, compiled(), {
      train: rowsOf(blobs(8, 1)), epochs: 1, batchSize: 4, seed: 1, callbacks: [{ onEpochEnd: () => undefined }],
    }), /validation rows/);
    await assert.rejects(fitModel(tf, compiled(), {
      train: rowsOf(blobs(8, 1)), validation: { n: 0, batch: () => assert.fail() }, epochs: 1, batchSize: 4, seed: 1,
    }), /no validation images/);
  });
});
