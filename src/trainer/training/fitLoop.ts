// The one training loop (Keras' fit with callbacks): seeded shuffles, batches built on demand, a fresh dropout
// mask per batch, and hooks for the behaviour that differs between fits (callbacks/). The feature extractor,
// fine-tuning, the learning curve's head fits and the LR finder all train through it.
import type * as tfType from '@tensorflow/tfjs';
import { deriveSeed, mulberry32, shuffled } from '../../core/seededRandom';
import type { Tf } from '../engine/engine';
import { freshDropoutMasks } from './dropoutMasks';

export interface Batch { x: tfType.Tensor; y: tfType.Tensor }

/**
 * Rows made a batch at a time: `batch(positions)` gives the rows at those positions 0…n−1. Only one batch of
 * inputs is ever a tensor, so memory does not grow with the dataset.
 */
export interface Rows { n: number; batch(positions: number[]): Batch }

/** What an epoch measured: the training metrics fit() reports and the validation rows' in inference mode. */
export interface EpochLogs {
  epoch: number; loss: number; acc: number; valLoss: number; valAcc: number; lr: number; seconds: number;
}

/** `step` counts batches from the start of training, across epochs and fit() calls. */
export interface BatchLogs { step: number; loss: number }

/** What a callback may do to the fit it watches (Keras gives callbacks `self.model` and `stop_training`). */
export interface FitControl {
  readonly model: tfType.LayersModel;
  /** Ends training after the current batch, or after the current epoch's callbacks when called there. */
  stop(): void;
  /** The rate the next step uses. */
  learningRate(): number;
  setLearningRate(lr: number): void;
}

/**
 * Hooks on the loop, called in the order the callbacks were given. A callback that throws from a batch hook stops
 * training after that batch, and the fit rejects with its error. A callback with epoch hooks makes every epoch its
 * own fit() call; without any, epochs may be packed (`epochsPerCall`).
 */
export interface Callback {
  onTrainBegin?(fit: FitControl): void | Promise<void>;
  onEpochBegin?(epoch: number, fit: FitControl): void | Promise<void>;
  onBatchBegin?(step: number, fit: FitControl): void | Promise<void>;
  onBatchEnd?(logs: BatchLogs, fit: FitControl): void | Promise<void>;
  onEpochEnd?(logs: EpochLogs, fit: FitControl): void | Promise<void>;
  /** Called however training ends; `error` is what ended it, if anything did. */
  onTrainEnd?(fit: FitControl, error?: unknown): void | Promise<void>;
}

export interface FitOptions {
  /** The training rows, or each epoch's (so an epoch can draw its own augmented variants). */
  train: Rows | ((epoch: number) => Rows);
  /** Measured after every epoch, never augmented; epoch callbacks need it (their logs carry val_loss, val_acc). */
  validation?: Rows;
  epochs: number;
  batchSize: number;
  /** Every epoch is a fresh permutation from one stream, deriveSeed(seed, stream); streams keep fits independent. */
  seed: number;
  stream?: string;
  /** Per-class loss weights for imbalanced data (Keras's class_weight). */
  classWeights?: number[];
  /**
   * Epochs one fit() call may run when nothing needs an epoch boundary (no validation, no epoch callbacks, the
   * same rows every epoch). Batches then run on across epochs: only the call's last batch may be short. On wasm a
   * small head's per-call overhead costs more than its arithmetic, which is why the learning curve packs.
   */
  epochsPerCall?: number;
  callbacks?: Callback[];
}

export interface FitHistory {
  /** One record per epoch when training ran epoch by epoch; empty when epochs were packed. */
  epochs: EpochLogs[];
  /** Batches trained. */
  steps: number;
  /** A callback stopped training before its last epoch. */
  stopped: boolean;
}

/** Positions 0…n−1 in seeded permutations, one per epoch, handed out a batch at a time across epoch ends. */
class Shuffles {
  private order: number[] = [];
  constructor(private readonly n: number, private readonly random: () => number) {}

  take(k: number): number[] {
    const out: number[] = [];
    while (out.length < k) {
      if (!this.order.length) this.order = shuffled([...Array(this.n).keys()], this.random);
      out.push(...this.order.splice(0, k - out.length));
    }
    return out;
  }
}

/** SGD and momentum keep the rate as a scalar tensor (setLearningRate); Adam reads its plain field every step. */
type RateField = { learningRate: number; setLearningRate?: (lr: number) => void };

function accuracyOf(logs: tfType.Logs): number {
  return (logs.acc ?? logs.accuracy ?? logs.binaryAccuracy ?? logs.categoricalAccuracy ?? NaN) as number;
}

export async function fitModel(tf: Tf, model: tfType.LayersModel, o: FitOptions): Promise<FitHistory> {
  const callbacks = o.callbacks ?? [];
  const byEpoch = callbacks.some((c) => c.onEpochBegin || c.onEpochEnd);
  if (byEpoch && !o.validation) throw new Error('epoch callbacks read validation metrics: pass validation rows');
  // With no validation rows every val metric would be 0/0; readTrainingData and decodedRows make this unreachable.
  if (o.validation?.n === 0) throw new Error('no validation images to measure the model on');
  const perCall = byEpoch || o.validation || typeof o.train === 'function' ? 1 : Math.max(1, o.epochsPerCall ?? 1);
  const rowsOf = typeof o.train === 'function' ? o.train : () => o.train as Rows;
  const random = mulberry32(deriveSeed(o.seed, o.stream ?? 'shuffle'));
  const classWeight = o.classWeights ? Object.fromEntries(o.classWeights.map((w, i) => [i, w])) : undefined;
  const optimizer = () => model.optimizer as unknown as RateField;
  let stopped = false;
  const control: FitControl = {
    model,
    stop: () => {
      stopped = true;
      model.stopTraining = true;
    },
    learningRate: () => optimizer().learningRate,
    setLearningRate: (lr) => {
      const opt = optimizer();
      if (typeof opt.setLearningRate === 'function') opt.setLearningRate(lr);
      else opt.learningRate = lr;
    },
  };
  const history: FitHistory = { epochs: [], steps: 0, stopped: false };
  // A callback's error inside tfjs' batch hooks is held until fitDataset returns: thrown there, it would skip
  // tfjs' own clean-up of the batch (its kept loss tensors).
  let failure: { error: unknown } | undefined;
  const inBatch = async (hook: (c: Callback) => void | Promise<void> | undefined) => {
    for (const c of callbacks) {
      if (failure) return;
      try {
        await hook(c);
      } catch (error) {
        failure = { error };
        control.stop();
      }
    }
  };
  const needsLoss = callbacks.some((c) => c.onBatchEnd);
  const masks = freshDropoutMasks(model);
  let ended: { error: unknown } | undefined;
  try {
    for (const c of callbacks) await c.onTrainBegin?.(control);
    for (let epoch = 1; epoch <= o.epochs && !stopped; epoch += perCall) {
      const t0 = performance.now();
      for (const c of callbacks) await c.onEpochBegin?.(epoch, control);
      const rows = rowsOf(epoch);
      const shuffles = new Shuffles(rows.n, random);
      const count = Math.min(perCall, o.epochs - epoch + 1) * rows.n;
      const batches = tf.data.generator(function* () {
        for (let given = 0; given < count;) {
          const k = Math.min(o.batchSize, count - given);
          given += k;
          const { x, y } = rows.batch(shuffles.take(k));
          yield { xs: x, ys: y };
        }
      });
      const h = await model.fitDataset(batches, {
        epochs: 1, verbose: 0, classWeight,
        callbacks: {
          onBatchBegin: async () => {
            const step = history.steps++;
            masks.step();
            await inBatch((c) => c.onBatchBegin?.(step, control));
          },
          // Only when a callback reads the loss: tfjs then resolves every batch's scalars.
          ...(needsLoss ? {
            onBatchEnd: async (_: number, logs?: tfType.Logs) => {
              const step = history.steps - 1;
              await inBatch((c) => c.onBatchEnd?.({ step, loss: Number(logs?.loss) }, control));
            },
          } : {}),
        },
      });
      if (failure) throw failure.error;
      if (!o.validation) continue;
      const trained: tfType.Logs = Object.fromEntries(
        Object.entries(h.history).map(([k, v]) => [k, v.at(-1) as number]));
      const [valLoss, valAcc] = evaluate(tf, model, o.validation, o.batchSize);
      const logs: EpochLogs = {
        epoch, loss: trained.loss ?? NaN, acc: accuracyOf(trained), valLoss, valAcc, lr: control.learningRate(),
        seconds: (performance.now() - t0) / 1000,
      };
      history.epochs.push(logs);
      for (const c of callbacks) await c.onEpochEnd?.(logs, control);
    }
  } catch (error) {
    ended = { error };
  } finally {
    masks.restore();
  }
  for (const c of callbacks) {
    try {
      await c.onTrainEnd?.(control, ended?.error);
    } catch (error) {
      ended ??= { error };
    }
  }
  if (ended) throw ended.error;
  history.stopped = stopped;
  return history;
}

/**
 * Loss and accuracy in inference mode (dropout off) over rows made a batch at a time: the batch-size-weighted mean
 * of batch means, as model.evaluate computes it over whole tensors.
 */
export function evaluate(tf: Tf, model: tfType.LayersModel, data: Rows, batchSize: number): [number, number] {
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
