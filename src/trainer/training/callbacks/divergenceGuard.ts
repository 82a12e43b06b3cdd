// NaN is an error, never a result. A metric that is NaN or infinite means the weights diverged (the usual cause
// is a learning rate too high): training stops with that cause before run.json records the number, a checkpoint
// is saved, or a diverged head's error rate (every prediction one class) becomes a learning-curve point.
import { BadInputError } from '../../runtime/jobContext';
import type { BatchLogs, Callback, EpochLogs, FitControl } from '../fitLoop';

const METRIC_NAMES: [keyof EpochLogs, string][] = [
  ['loss', 'loss'], ['valLoss', 'val_loss'], ['acc', 'acc'], ['valAcc', 'val_acc'],
];

/** Checks every epoch's metrics: placed before the callbacks that record or save an epoch. */
export class EpochDivergenceGuard implements Callback {
  onEpochEnd(m: EpochLogs): void {
    const bad = METRIC_NAMES.find(([key]) => !Number.isFinite(m[key]));
    if (!bad) return;
    const [key, name] = bad;
    const lr = Math.abs(m.lr) >= 1e4 || Math.abs(m.lr) < 1e-3 ? m.lr.toExponential() : String(m.lr);
    throw new BadInputError(`${name} became ${m[key]} at epoch ${m.epoch} (lr ${lr}): lower the learning rate`,
      undefined, 'Try a rate 10–100× lower, or run lr-find to choose one.');
  }
}

/** Checks every batch's loss, for fits with no epoch boundary to check at (the learning curve's head fits). */
export class BatchDivergenceGuard implements Callback {
  constructor(private readonly images: number) {}

  onBatchEnd({ loss }: BatchLogs, fit: FitControl): void {
    if (Number.isFinite(loss)) return;
    throw new BadInputError(`loss became ${loss} while fitting a head on ${this.images} images ` +
      `(lr ${fit.learningRate()}): lower the learning rate`, undefined, 'Try a rate 10–100× lower.');
  }
}
