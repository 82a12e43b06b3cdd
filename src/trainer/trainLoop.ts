// Trains a model epoch by epoch with seeded shuffling, early stopping that restores the best weights
// (tfjs has no restoreBestWeights), cancellation at the next batch, and one metrics record per epoch.
import type * as tfType from '@tensorflow/tfjs';
import { freshDropoutMasks } from './dropoutMasks';
import { deriveSeed, mulberry32, shuffled } from '../core/seededRandom';
import type { Tf } from './engine';
import { CancelledError } from './jobContext';

export interface EpochMetrics { epoch: number; loss: number; acc: number; valLoss: number; valAcc: number; lr: number; seconds: number }

export interface EpochData { x: tfType.Tensor; y: tfType.Tensor }

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
 * `trainData(epoch)` returns fresh tensors for that epoch (so each epoch can draw different augmented
 * variants); the loop owns and disposes them. Validation data is fixed and never augmented.
 */
export async function fitWithEarlyStopping(
  tf: Tf, model: tfType.LayersModel, trainData: (epoch: number) => EpochData, val: EpochData, o: FitOptions,
): Promise<FitResult> {
  const history: EpochMetrics[] = [];
  let best: EpochMetrics | undefined;
  let bestWeights: tfType.Tensor[] | undefined;
  let sinceBest = 0;
  const random = mulberry32(deriveSeed(o.seed, 'shuffle'));
  const classWeight = o.classWeights ? Object.fromEntries(o.classWeights.map((w, i) => [i, w])) : undefined;
  const masks = freshDropoutMasks(model);
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const t0 = performance.now();
      const data = trainData(epoch);
      const n = data.x.shape[0];
      const order = tf.tensor1d(Int32Array.from(shuffled([...Array(n).keys()], random)), 'int32');
      const [x, y] = [tf.gather(data.x, order), tf.gather(data.y, order)];
      order.dispose();
      tf.dispose([data.x, data.y]);
      let fitLogs: tfType.Logs = {};
      try {
        const h = await model.fit(x, y, {
          epochs: 1, batchSize: o.batchSize, shuffle: false, verbose: 0, classWeight,
          callbacks: {
            onBatchBegin: async () => masks.step(),
            onBatchEnd: async () => {
              if (o.signal.aborted) model.stopTraining = true;
            },
          },
        });
        fitLogs = Object.fromEntries(Object.entries(h.history).map(([k, v]) => [k, v[v.length - 1] as number]));
      } finally {
        tf.dispose([x, y]);
      }
      if (o.signal.aborted) throw new CancelledError();
      const [valLoss, valAcc] = evaluate(tf, model, val, o.batchSize);
      const m: EpochMetrics = {
        epoch, loss: fitLogs.loss ?? NaN, acc: accuracyKey(fitLogs), valLoss, valAcc, lr: o.lr, seconds: (performance.now() - t0) / 1000,
      };
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

/** Loss and accuracy in inference mode (dropout off). */
export function evaluate(tf: Tf, model: tfType.LayersModel, data: EpochData, batchSize: number): [number, number] {
  return tf.tidy(() => {
    const out = model.evaluate(data.x, data.y, { batchSize }) as tfType.Scalar[];
    return [out[0].dataSync()[0], out[1].dataSync()[0]];
  });
}
