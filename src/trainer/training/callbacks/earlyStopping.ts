// Keras' EarlyStopping(restore_best_weights=True), which tfjs lacks: stop once the monitored metric has not
// improved for `patience` epochs, and leave the model with the best epoch's weights.
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from '../../engine/engine';
import type { Callback, EpochLogs, FitControl } from '../fitLoop';
import { BestEpoch, type Monitor } from './bestEpoch';

export class EarlyStopping implements Callback {
  private readonly tracker: BestEpoch;
  private weights: tfType.Tensor[] | undefined;
  private sinceBest = 0;

  constructor(private readonly tf: Tf, private readonly o: { monitor: Monitor; patience: number }) {
    this.tracker = new BestEpoch(o.monitor);
  }

  /** The epoch whose weights the model ends with. */
  get best(): EpochLogs {
    if (!this.tracker.best) throw new Error('training ran no epoch');
    return this.tracker.best;
  }

  onEpochEnd(logs: EpochLogs, fit: FitControl): void {
    if (this.tracker.update(logs)) {
      this.sinceBest = 0;
      this.tf.dispose(this.weights ?? []);
      this.weights = fit.model.getWeights().map((w) => this.tf.keep(w.clone()));
    } else {
      this.sinceBest++;
    }
    if (this.sinceBest >= this.o.patience) fit.stop();
  }

  onTrainEnd(fit: FitControl, error?: unknown): void {
    try {
      if (error === undefined) {
        if (!this.weights) throw new Error('training ran no epoch');
        fit.model.setWeights(this.weights);
      }
    } finally {
      this.tf.dispose(this.weights ?? []);
      this.weights = undefined;
    }
  }
}
