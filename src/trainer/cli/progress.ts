// Renders protocol events on a terminal: a progress bar with ETA on stderr, logs on stderr, stdout kept for results.
import type { TrainerEvent } from '../../core/protocol';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function progressLine(phase: string, done: number, total: number, etaSeconds?: number, width = 24): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  const eta = etaSeconds === undefined ? '' : ` ETA ${formatDuration(etaSeconds)}`;
  return `${phase.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${eta}`;
}

export class TerminalReporter {
  private barShown = false;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr, private readonly quiet = false) {}

  handle(event: TrainerEvent): void {
    if (this.quiet) return;
    switch (event.type) {
      case 'progress':
        if (this.out.isTTY) {
          this.out.write(`\r${progressLine(event.phase, event.done, event.total, event.etaSeconds)}`);
          this.barShown = true;
          if (event.done >= event.total) this.endBar();
        } else if (event.done === event.total || event.done % Math.max(1, Math.round(event.total / 10)) === 0) {
          this.out.write(progressLine(event.phase, event.done, event.total, event.etaSeconds) + '\n');
        }
        return;
      case 'log':
        this.line(`${event.level === 'info' ? '' : event.level + ': '}${event.message}`);
        return;
      case 'engine':
        this.line(`engine: ${event.engine} ${event.version}${event.slowPath ? ' (no native engine: slow path)' : ''}`);
        return;
      case 'epoch':
        this.line(
          `${event.stage} epoch ${event.epoch}: loss ${event.loss.toFixed(4)} acc ${event.acc.toFixed(4)} ` +
            `val_loss ${event.valLoss.toFixed(4)} val_acc ${event.valAcc.toFixed(4)} (${event.seconds.toFixed(1)}s)`,
        );
        return;
      case 'error':
        this.line(
          `error: ${event.message}${event.file ? ` (${event.file})` : ''}${event.hint ? `\n  hint: ${event.hint}` : ''}`,
        );
        return;
      default:
        return;
    }
  }

  private endBar(): void {
    if (this.barShown) this.out.write('\n');
    this.barShown = false;
  }

  private line(text: string): void {
    this.endBar();
    this.out.write(text + '\n');
  }
}
