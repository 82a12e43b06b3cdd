// Keras' ModelCheckpoint(save_best_only=True): the run's checkpoint/ always holds the best epoch so far, so a run
// that dies later still leaves its best model behind.
import { fileSystemSaver } from '../../model/modelFiles';
import type { RunWriter } from '../../runs/runWriter';
import type { Callback, EpochLogs, FitControl } from '../fitLoop';
import { BestEpoch, type Monitor } from './bestEpoch';

export class Checkpoint implements Callback {
  private readonly tracker: BestEpoch;

  constructor(private readonly run: RunWriter, monitor: Monitor) {
    this.tracker = new BestEpoch(monitor);
  }

  async onEpochEnd(logs: EpochLogs, fit: FitControl): Promise<void> {
    if (this.tracker.update(logs)) await fit.model.save(fileSystemSaver(this.run.checkpointDir, this.run.writeContext));
  }
}
