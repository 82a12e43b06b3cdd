// One LR-finder sweep on a compiled model, through the fit loop: batches of min(batch, n) run on across epochs
// in one fit() call, each at its own rate, until the LrFinder callback stops. The model's weights are spent by the
// sweep; callers throw the model away.
import type * as tfType from '@tensorflow/tfjs';
import type { LrSweep } from '../../core/lrSuggestion';
import type { Tf } from '../engine/engine';
import type { JobContext } from '../runtime/jobContext';
import { Cancel } from './callbacks/cancel';
import { LrFinder, type SweepResult } from './callbacks/lrFinder';
import { fitModel, type Rows } from './fitLoop';

export type { SweepResult } from './callbacks/lrFinder';

export async function sweepLearningRate(
  tf: Tf, model: tfType.LayersModel, rows: Rows, o: { batch: number; sweep: LrSweep; seed: number }, ctx: JobContext,
): Promise<SweepResult> {
  const batchSize = Math.min(o.batch, rows.n);
  // Enough epochs for every step; the finder stops at its last step or where the loss diverges.
  const epochs = Math.ceil((o.sweep.steps * batchSize) / rows.n);
  const finder = new LrFinder(o.sweep, (done, total) => ctx.emit({ type: 'progress', phase: 'lr sweep', done, total }));
  await fitModel(tf, model, {
    train: rows, epochs, epochsPerCall: epochs, batchSize, seed: o.seed, stream: 'lr-find',
    callbacks: [new Cancel(ctx.signal), finder],
  });
  return finder.result;
}
