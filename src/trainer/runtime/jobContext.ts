// What every job receives: a way to emit protocol events and a cancellation signal.
// The same job code serves the child process (events go over IPC) and the CLI (events become a progress bar).
import type { TrainerEvent } from '../../core/protocol';

export interface JobContext {
  emit(event: TrainerEvent): void;
  /** Aborted when the user cancels; long jobs check it between batches. */
  signal: AbortSignal;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** Bad input from the user (a wrong folder, an unusable run or model): the CLI exits 2 and shows the hint. */
export class BadInputError extends Error {
  readonly code = 'bad-input';
  constructor(message: string, readonly file?: string, readonly hint?: string) {
    super(message);
  }
}

export function throwIfCancelled(ctx: JobContext): void {
  if (ctx.signal.aborted) throw new CancelledError();
}

export function log(ctx: JobContext, message: string, level: 'info' | 'warn' | 'error' = 'info'): void {
  ctx.emit({ type: 'log', level, message });
}
