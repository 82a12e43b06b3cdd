// fastai's LRFinder as a callback: one mini-batch per learning rate, rising exponentially from `start` to `end`
// over `steps` batches, a debiased moving average of the loss, and a stop once it passes 4× the best (past there
// the curve says nothing). The arithmetic is src/core/lrSuggestion.ts. The weights are spent by the sweep.
import { hasDiverged, LossSmoother, lrAt, type LrSweep } from '../../../core/lrSuggestion';
import type { BatchLogs, Callback, FitControl } from '../fitLoop';

/** Per recorded step: its rate, its smoothed loss and the batch's own loss. */
export interface SweepResult { lrs: number[]; losses: number[]; raw: number[] }

export class LrFinder implements Callback {
  readonly result: SweepResult = { lrs: [], losses: [], raw: [] };
  private readonly smoother = new LossSmoother();
  private best = Infinity;

  constructor(private readonly sweep: LrSweep, private readonly onPoint?: (done: number, total: number) => void) {}

  onBatchBegin(step: number, fit: FitControl): void {
    fit.setLearningRate(lrAt(step, this.sweep));
  }

  onBatchEnd({ step, loss }: BatchLogs, fit: FitControl): void {
    const smoothed = this.smoother.push(loss);
    // The step that diverges is not recorded: its loss would dwarf the curve.
    if (step > 0 && hasDiverged(smoothed, this.best)) {
      fit.stop();
      return;
    }
    this.result.lrs.push(lrAt(step, this.sweep));
    this.result.raw.push(loss);
    this.result.losses.push(smoothed);
    this.best = Math.min(this.best, smoothed);
    this.onPoint?.(step + 1, this.sweep.steps);
    if (step + 1 >= this.sweep.steps) fit.stop();
  }
}
