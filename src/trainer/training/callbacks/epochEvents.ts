// Each epoch as the protocol's `epoch` event (the CLI's progress line, the dashboard's chart) and as a record in
// run.json, with the best epoch so far marked.
import type { JobContext } from '../../runtime/jobContext';
import type { RunWriter } from '../../runs/runWriter';
import type { Callback, EpochLogs } from '../fitLoop';
import { BestEpoch, type Monitor } from './bestEpoch';

export class EpochEvents implements Callback {
  private readonly tracker: BestEpoch;

  constructor(private readonly o: { ctx: JobContext; run: RunWriter; stage: string; monitor: Monitor }) {
    this.tracker = new BestEpoch(o.monitor);
  }

  async onEpochEnd(logs: EpochLogs): Promise<void> {
    const isBest = this.tracker.update(logs);
    this.o.ctx.emit({ type: 'epoch', stage: this.o.stage, ...logs });
    await this.o.run.addEpoch(logs, isBest);
  }
}
