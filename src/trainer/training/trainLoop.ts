// Trains a model epoch by epoch with seeded shuffling, early stopping that restores the best weights
// (tfjs has no restoreBestWeights), cancellation at the next batch, and one metrics record per epoch.
import type * as tfType from '@tensorflow/tfjs';
import { freshDropoutMasks } from './dropoutMasks';
import { deriveSeed, mulberry32, shuffled } from '../../core/seededRandom';
import type { Tf } from '../engine/engine';
import { BadInputError, CancelledError } from '../runtime/jobContext';

export interface EpochMetrics { epoch: number; loss: number; acc: number; valLoss: number; valAcc: number; lr: number; seconds: number }

export interface EpochData { x: tfType.Tensor; y: tfType.Tensor }

/** An epoch's training rows made a batch at a time: `batch(positions)` gives rows at those positions 0…n−1. */
export interface EpochRows { n: number; batch(positions: number[]): EpochData }

/** Whole-epoch tensors as rows: each batch is gathered from them (the loop disposes them after the epoch). */
function rowsOf(tf: Tf, data: EpochData): EpochRows & { dispose(): void } {
  return {
    n: data.x.shape[0],
    batch: (positions) => tf.tidy(() => {
      const at = tf.tensor1d(positions, 'int32');
      return { x: tf.gather(data.x, at), y: tf.gather(data.y, at) };
    }),
    dispose: () => tf.dispose([data.x, data.y]),
  };
}

export interface FitOptions {
  epochs: number;
  patience: number;
  monitor: 'val_loss' | 'val_acc';
  batchSize: number;
  seed: number;
  lr: number;
  signal: AbortSignal;
  /** Per-class loss weights for imbalanced data (Keras's class_weight). */
  classWeights?: number[];
  onEpoch?(m: EpochMetrics, isBest: boolean): void | Promise<void>;
}

export interface FitResult { history: EpochMetrics[]; best: EpochMetrics; stoppedEarly: boolean }

function accuracyKey(logs: tfType.Logs): number {
  return (logs.acc ?? logs.accuracy ?? logs.binaryAccuracy ?? logs.categoricalAccuracy ?? NaN) as number;
}

function improved(monitor: FitOptions['monitor'], m: EpochMetrics, best: EpochMetrics | undefined): boolean {
  if (!best) return true;
  return monitor === 'val_loss' ? m.valLoss < best.valLoss : m.valAcc > best.valAcc;
}

/**
 * `trainData(epoch)` returns that epoch's rows (so each epoch can draw different augmented variants): either
 * rows made a batch at a time, which keeps memory to one batch whatever the dataset size, or fresh whole-epoch
 * tensors, which the loop owns and disposes. Validation data is fixed and never augmented.
 */
export async function fitWithEarlyStopping(
  tf: Tf, model: tfType.LayersModel, trainData: (epoch: number) => EpochData | EpochRows, val: EpochData | EpochRows, o: FitOptions,
): Promise<FitResult> {
  const history: EpochMetrics[] = [];
  let best: EpochMetrics | undefined;
  let bestWeights: tfType.Tensor[] | undefined;
  let sinceBest = 0;
  const random = mulberry32(deriveSeed(o.seed, 'shuffle'));
  const classWeight = o.classWeights ? Object.fromEntries(o.classWeights.map((w, i) => [i, w])) : undefined;
  // With no validation rows every val metric would be 0/0; readTrainingData and decodedRows make this unreachable.
  if (('batch' in val ? val.n : val.x.shape[0]) === 0) throw new Error('no validation images to measure the model on');
  const masks = freshDropoutMasks(model);
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const t0 = performance.now();
      const given = trainData(epoch);
      const owned = 'batch' in given ? undefined : rowsOf(tf, given);
      const rows = owned ?? (given as EpochRows);
      const order = shuffled([...Array(rows.n).keys()], random);
      const batches = tf.data.generator(function* () {
        for (let start = 0; start < order.length; start += o.batchSize) {
          const { x, y } = rows.batch(order.slice(start, start + o.batchSize));
          yield { xs: x, ys: y };
        }
      });
      let fitLogs: tfType.Logs = {};
      try {
        const h = await model.fitDataset(batches, {
          epochs: 1, verbose: 0, classWeight,
          callbacks: {
            onBatchBegin: async () => masks.step(),
            onBatchEnd: async () => {
              if (o.signal.aborted) model.stopTraining = true;
            },
          },
        });
        fitLogs = Object.fromEntries(Object.entries(h.history).map(([k, v]) => [k, v[v.length - 1] as number]));
      } finally {
        owned?.dispose();
      }
      if (o.signal.aborted) throw new CancelledError();
      const [valLoss, valAcc] = evaluate(tf, model, val, o.batchSize);
      const m: EpochMetrics = {
        epoch, loss: fitLogs.loss ?? NaN, acc: accuracyKey(fitLogs), valLoss, valAcc, lr: o.lr, seconds: (performance.now() - t0) / 1000,
      };
      // NaN is an error, never a result: it must stop the run before run.json records it or a checkpoint is saved.
      throwIfDiverged(m);
      history.push(m);
      const isBest = improved(o.monitor, m, best);
      if (isBest) {
        best = m;
        sinceBest = 0;
        tf.dispose(bestWeights ?? []);
        bestWeights = model.getWeights().map((w) => tf.keep(w.clone()));
      } else {
        sinceBest++;
      }
      await o.onEpoch?.(m, isBest);
      if (sinceBest >= o.patience) break;
    }
    if (!best || !bestWeights) throw new Error('training ran no epoch');
    model.setWeights(bestWeights);
    return { history, best, stoppedEarly: history.length < o.epochs };
  } finally {
    masks.restore();
    tf.dispose(bestWeights ?? []);
  }
}

const METRIC_NAMES: [keyof EpochMetrics, string][] = [
  ['loss', 'loss'], ['valLoss', 'val_loss'], ['acc', 'acc'], ['valAcc', 'val_acc'],
];

/** A metric that is NaN or infinite means the weights diverged; the usual cause is a learning rate too high. */
export function throwIfDiverged(m: EpochMetrics): void {
  const bad = METRIC_NAMES.find(([key]) => !Number.isFinite(m[key]));
  if (!bad) return;
  const [key, name] = bad;
  const lr = Math.abs(m.lr) >= 1e4 || Math.abs(m.lr) < 1e-3 ? m.lr.toExponential() : String(m.lr);
  throw new BadInputError(`${name} became ${m[key]} at epoch ${m.epoch} (lr ${lr}): lower the learning rate`, undefined,
    'Try a rate 10–100× lower, or run lr-find to choose one.');
}

/**
 * Loss and accuracy in inference mode (dropout off), over tensors or over rows made a batch at a time (the
 * batch-size-weighted mean of batch means, as model.evaluate computes it).
 */
export function evaluate(tf: Tf, model: tfType.LayersModel, data: EpochData | EpochRows, batchSize: number): [number, number] {
  if (!('batch' in data)) {
    return tf.tidy(() => {
      const out = model.evaluate(data.x, data.y, { batchSize }) as tfType.Scalar[];
      return [out[0].dataSync()[0], out[1].dataSync()[0]];
    });
  }
  let [loss, acc] = [0, 0];
  for (let start = 0; start < data.n; start += batchSize) {
    const positions = Array.from({ length: Math.min(batchSize, data.n - start) }, (_, k) => start + k);
    tf.tidy(() => {
      const { x, y } = data.batch(positions);
      const out = model.evaluate(x, y, { batchSize }) as tfType.Scalar[];
      loss += out[0].dataSync()[0] * positions.length;
      acc += out[1].dataSync()[0] * positions.length;
    });
  }
  return [loss / data.n, acc / data.n];
}
