// Keeps the events of the current job so a dashboard opened mid-run, or shown again after being hidden,
// can be replayed to the same state. Progress and logs are collapsed so the buffer stays small.
import type { TrainerEvent } from './protocol';

export class EventBuffer {
  private events: TrainerEvent[] = [];
  private title = '';

  /** A new job starts: its events replace the last job's, except the dataset report, which stays until the next. */
  reset(title: string): void {
    this.events = this.events.filter((e) => e.type === 'dataset');
    this.title = title;
  }

  get currentTitle(): string {
    return this.title;
  }

  push(event: TrainerEvent): void {
    if (event.type === 'log') return;
    if (event.type === 'progress') {
      // Only the latest progress of each phase matters for a late viewer.
      const i = this.events.findIndex((e) => e.type === 'progress' && e.phase === event.phase);
      if (i >= 0) this.events.splice(i, 1);
    }
    const key = replaceKey(event);
    if (key) this.events = this.events.filter((e) => replaceKey(e) !== key);
    this.events.push(event);
  }

  snapshot(): readonly TrainerEvent[] {
    return this.events.slice();
  }
}

/** Events that describe a state rather than a step: a newer one of the same key replaces the older. */
function replaceKey(event: TrainerEvent): string | undefined {
  switch (event.type) {
    case 'layers': case 'dataset': case 'evaluation': case 'lrFind':
      return event.type;
    case 'predictions': case 'guidance':
      return `${event.type}:${event.kind}`;
    default:
      return undefined;
  }
}
