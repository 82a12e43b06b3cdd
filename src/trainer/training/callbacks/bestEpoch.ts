// The best epoch so far by one validation metric. Early stopping, the checkpoint and run.json's `best` each keep
// one (as Keras' callbacks each track their own), and the same rule makes them agree on which epoch it is.
import type { EpochLogs } from '../fitLoop';

export type Monitor = 'val_loss' | 'val_acc';

export class BestEpoch {
  best: EpochLogs | undefined;

  constructor(readonly monitor: Monitor) {}

  /** Whether `logs` beats the best so far (the first epoch always does; a tie does not); it then becomes the best. */
  update(logs: EpochLogs): boolean {
    const b = this.best;
    const better = !b || (this.monitor === 'val_loss' ? logs.valLoss < b.valLoss : logs.valAcc > b.valAcc);
    if (better) this.best = logs;
    return better;
  }
}
