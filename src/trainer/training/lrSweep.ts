// One LR-finder sweep on a compiled model: one mini-batch per learning rate, rising exponentially, stopped once
// the smoothed loss diverges. The model's weights are spent by the sweep; callers throw the model away.
import type * as tfType from '@tensorflow/tfjs';
import { hasDiverged, LossSmoother, lrAt, type LrSweep } from '../../core/lrSuggestion';
import { deriveSeed, mulberry32, shuffled } from '../../core/seededRandom';
import type { Tf } from '../engine/engine';
import { throwIfCancelled, type JobContext } from '../runtime/jobContext';
import { freshDropoutMasks } from './dropoutMasks';

export interface SweepResult { lrs: number[]; losses: number[]; raw: number[] }

/**
 * Sets the rate for the next step. SGD and momentum keep it as a scalar tensor (setLearningRate); Adam reads
 * its plain `learningRate` field on every step.
 */
export function setLearningRate(optimizer: tfType.Optimizer, lr: number): void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** `batchOf(rows)` builds x and y for the given training rows; the sweep cycles through seeded permutations. */
export async function sweepLearningRate(
  tf: Tf, model: tfType.LayersModel, optimizer: tfType.Optimizer, n: number, batch: number,
  batchOf: (rows: number[]) => { x: tfType.Tensor; y: tfType.Tensor }, s: LrSweep, seed: number, ctx: JobContext,
): Promise<SweepResult> {
  const random = mulberry32(deriveSeed(seed, 'lr-find'));
  let order: number[] = [];
  const smoother = new LossSmoother();
  const out: SweepResult = { lrs: [], losses: [], raw: [] };
  let best = Infinity;
  const masks = freshDropoutMasks(model);
  try {
    for (let i = 0; i < s.steps; i++) {
      throwIfCancelled(ctx);
      if (order.length < Math.min(batch, n)) order = order.concat(shuffled([...Array(n).keys()], random));
      const rows = order.splice(0, Math.min(batch, n));
      const lr = lrAt(i, s);
      setLearningRate(optimizer, lr);
      const { x, y } = batchOf(rows);
      masks.step();
      let loss: number;
      try {
        const r = await model.trainOnBatch(x, y);
        loss = Array.isArray(r) ? r[0] : r;
      } finally {
        tf.dispose([x, y]);
      }
      const smoothed = smoother.push(loss);
      if (i > 0 && hasDiverged(smoothed, best)) break;
      out.lrs.push(lr);
      out.raw.push(loss);
      out.losses.push(smoothed);
      best = Math.min(best, smoothed);
      ctx.emit({ type: 'progress', phase: 'lr sweep', done: i + 1, total: s.steps });
    }
  } finally {
    masks.restore();
  }
  return out;
}
