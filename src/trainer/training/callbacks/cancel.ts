// Cancellation at the next batch: a cancelled job stops within one mini-batch, not at the end of an epoch (or of
// a packed learning-curve fit).
import { CancelledError } from '../../runtime/jobContext';
import type { Callback } from '../fitLoop';

export class Cancel implements Callback {
  constructor(private readonly signal: AbortSignal) {}

  onTrainBegin(): void {
    if (this.signal.aborted) throw new CancelledError();
  }

  onBatchEnd(): void {
    if (this.signal.aborted) throw new CancelledError();
  }
}
