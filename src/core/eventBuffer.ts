// Keeps the events of the current job so a dashboard opened mid-run, or shown again after being hidden,
// can be replayed to the same state. Progress and logs are collapsed so the buffer stays small.
import type { TrainerEvent } from './protocol';

export class EventBuffer {
  private events: TrainerEvent[] = [];
  private title = '';

  reset(title: string): void {
    this.events = [];
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
    if (event.type === 'layers') this.events = this.events.filter((e) => e.type !== 'layers');
    this.events.push(event);
  }

  snapshot(): readonly TrainerEvent[] {
    return this.events.slice();
  }
}
