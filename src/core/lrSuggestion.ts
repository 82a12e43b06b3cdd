// The LR finder's arithmetic, fastai style (Smith 2015, "Cyclical Learning Rates"): an exponential sweep, one
// learning rate per mini-batch, a debiased moving average of the loss, a stop when it diverges, and the steepest
// descent before the minimum as the suggestion.

export interface LrSweep { start: number; end: number; steps: number }
export const LR_SWEEP_DEFAULTS: LrSweep = { start: 1e-7, end: 10, steps: 100 };

export function lrAt(i: number, s: LrSweep): number {
  return s.start * Math.pow(s.end / s.start, i / Math.max(1, s.steps - 1));
}

/** Exponential moving average with bias correction, so the first values are not dragged toward zero. */
export class LossSmoother {
  private avg = 0;
  private n = 0;
  constructor(private readonly beta = 0.98) {}
  push(loss: number): number {
    this.n++;
    this.avg = this.beta * this.avg + (1 - this.beta) * loss;
    return this.avg / (1 - Math.pow(this.beta, this.n));
  }
}

/** fastai stops when the smoothed loss exceeds four times the best so far: past there the curve says nothing. */
export function hasDiverged(smoothed: number, best: number, factor = 4): boolean {
  return !Number.isFinite(smoothed) || smoothed > factor * best;
}

export interface LrSuggestion {
  suggestion: number;
  index: number;
  /** steepest: the steepest descent; before-rise: a tenth of the rate where a flat loss starts to rise. */
  rule: 'steepest' | 'before-rise';
  /** The learning rate with the lowest smoothed loss. */
  minLr: number;
  /** Where the loss falls: from the last point still on the plateau (within 5% of the drop) to the minimum. */
  falling: [number, number] | null;
}

/** A fall smaller than this fraction of the plateau is batch noise, not a descent. */
const MIN_DROP = 0.03;

/**
 * The steepest descent of smoothed loss against log(lr) within the final descent into the minimum: the largest
 * rate at which the loss still improves fastest. The slope is taken over ±2 points, because mini-batch noise
 * survives even the smoothing; the descent starts where the loss leaves its plateau, so a noisy start (the
 * debiased average of the first few batches) cannot win. A model that is already trained (a fine-tuning sweep
 * from a fitted head) has no descent to ride: its loss is flat until the rate disturbs it, so the suggestion is
 * a tenth of the rate where it starts to rise.
 */
export function suggestLr(lrs: readonly number[], smoothed: readonly number[]): LrSuggestion {
  if (lrs.length !== smoothed.length || lrs.length < 5)
    throw new Error(`an LR sweep needs at least 5 points with a loss each, got ${smoothed.length}`);
  // The first tenth of the sweep is skipped: there the average still leans on one or two batches.
  const skip = Math.min(Math.max(3, Math.round(lrs.length / 10)), lrs.length - 3);
  let minIndex = skip;
  smoothed.forEach((l, i) => { if (i >= skip && l < smoothed[minIndex]) minIndex = i; });
  // The plateau's level is the median before the minimum: robust to batch noise.
  const plateau = median(smoothed.slice(skip, minIndex + 1));
  const drop = plateau - smoothed[minIndex];
  if (minIndex < skip + 2 || drop <= MIN_DROP * plateau) return beforeRise(lrs, smoothed, skip, lrs[minIndex]);
  let from = minIndex;
  while (from > skip && smoothed[from - 1] < plateau - 0.05 * drop) from--;
  from = Math.max(skip, from - 1);
  let index = -1, steepest = 0;
  for (let i = from; i < minIndex; i++) {
    const [a, b] = [Math.max(0, i - 2), Math.min(minIndex, i + 2)];
    const grad = (smoothed[b] - smoothed[a]) / (Math.log(lrs[b]) - Math.log(lrs[a]));
    if (grad < steepest) [steepest, index] = [grad, i];
  }
  if (index < 0) index = Math.max(0, minIndex - 1);
  return { suggestion: lrs[index], index, rule: 'steepest', minLr: lrs[minIndex], falling: [lrs[from], lrs[minIndex]] };
}

function beforeRise(lrs: readonly number[], smoothed: readonly number[], skip: number, minLr: number): LrSuggestion {
  const rise = smoothed.findIndex((l, i) => i > skip + 1 && l > 1.1 * median(smoothed.slice(skip, i + 1)));
  if (rise < 0)
    throw new Error(
      'the loss neither fell nor rose during the sweep: widen it (a lower start, a higher end), or check that the labels are right',
    );
  const target = lrs[rise] / 10;
  let index = 0;
  lrs.forEach((lr, i) => { if (lr <= target * (1 + 1e-9)) index = i; });
  return { suggestion: lrs[index], index, rule: 'before-rise', minLr, falling: null };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
