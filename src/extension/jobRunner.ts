// Runs trainer jobs for the editor: progress notification with cancel, the status bar, the output channel,
// the dashboard's event buffer, and a clear error (with "Show Log") when the trainer fails or crashes.
import * as vscode from 'vscode';
import { EventBuffer } from '../core/eventBuffer';
import type { JobConfigInput, JobName, JobResult } from '../core/jobs';
import type { TrainerEvent } from '../core/protocol';
import { logChannel, showErrorWithLog } from './log';
import { JobStatusBar } from './statusBar';
import { TrainerJob, type JobOutcome } from './trainerClient';

export interface JobRequest<J extends JobName> {
  job: J;
  title: string;
  /** Checked by the job's contract in the trainer; a setting out of range comes back as an error naming it. */
  config: JobConfigInput<J>;
  /** Quiet jobs (such as doctor) show no progress notification. */
  quiet?: boolean;
}

export class JobRunner implements vscode.Disposable {
  readonly buffer = new EventBuffer();
  private readonly eventEmitter = new vscode.EventEmitter<TrainerEvent>();
  private readonly resetEmitter = new vscode.EventEmitter<string>();
  readonly onEvent = this.eventEmitter.event;
  readonly onReset = this.resetEmitter.event;
  private readonly statusBar = new JobStatusBar();
  private active: TrainerJob | undefined;

  /** `defaults` are config keys every job gets unless it sets them, such as where thumbnails are cached. */
  constructor(
    private readonly trainerPath: string,
    private readonly env: () => NodeJS.ProcessEnv,
    private readonly defaults: () => Record<string, unknown> = () => ({}),
  ) {}

  get current(): TrainerJob | undefined {
    return this.active;
  }

  /** The job's outcome; when done, its result typed and checked by the job's contract as it arrived. */
  async run<J extends JobName>(request: JobRequest<J>): Promise<JobOutcome<JobResult<J>>> {
    if (this.active) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('Transfer Lab is already running "{0}". Cancel it first.', this.active.job));
      return { status: 'failed', error: { type: 'error', code: 'busy', message: 'another job is running' } };
    }
    const log = logChannel();
    log.info(`starting ${request.job}: ${JSON.stringify(request.config)}`);
    const config = Object.assign({}, this.defaults(), request.config);
    const job = new TrainerJob(this.trainerPath, request.job, config, this.env());
    this.active = job;
    this.begin(request.title);
    this.statusBar.start(request.title);
    void vscode.commands.executeCommand('setContext', 'transferLab.jobRunning', true);
    job.on('stderr', (text) => log.trace(text.trimEnd()));
    job.on('event', (event) => this.onTrainerEvent(request.title, event));
    try {
      const outcome = request.quiet ? await job.outcome : await this.withProgress(request.title, job);
      this.report(request, outcome);
      return outcome;
    } finally {
      this.active = undefined;
      this.statusBar.finish();
      void vscode.commands.executeCommand('setContext', 'transferLab.jobRunning', false);
    }
  }

  /**
   * Shows a saved run's events in the dashboard in place of the last job's. Refused while a job runs, so live
   * curves are never replaced by old ones.
   */
  display(title: string, events: readonly TrainerEvent[]): boolean {
    if (this.active) return false;
    this.begin(title);
    for (const event of events) this.publish(event);
    return true;
  }

  /** The dashboard's content starts over under a new title. */
  private begin(title: string): void {
    this.buffer.reset(title);
    this.resetEmitter.fire(title);
  }

  /** Kept for a dashboard opened later, and sent to one open now. */
  private publish(event: TrainerEvent): void {
    this.buffer.push(event);
    this.eventEmitter.fire(event);
  }

  cancel(): boolean {
    if (!this.active) return false;
    logChannel().info(`cancel requested for ${this.active.job}`);
    this.active.cancel();
    return true;
  }

  private onTrainerEvent(title: string, event: TrainerEvent): void {
    const log = logChannel();
    if (event.type === 'log') log[event.level](event.message);
    else if (event.type === 'error')
      log.error(`${event.code}: ${event.message}${event.file ? ` (${event.file})` : ''}`);
    else if (event.type === 'engine')
      log.info(`engine: ${event.engine} ${event.version}${event.slowPath ? ' (slow path)' : ''}`);
    else if (event.type === 'epoch')
      log.info(`${event.stage} epoch ${event.epoch}: val_acc ${event.valAcc.toFixed(4)}`);
    this.statusBar.update(title, event);
    this.publish(event);
  }

  private withProgress<J extends JobName>(title: string, job: TrainerJob<J>): Thenable<JobOutcome<JobResult<J>>> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Transfer Lab: {0}', title), cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => job.cancel());
        let last = 0;
        const sub = (event: TrainerEvent) => {
          if (event.type !== 'progress' || event.total <= 0) return;
          const pct = (100 * event.done) / event.total;
          // The phase is the trainer's word (src/trainer speaks English only).
          const message = event.etaSeconds !== undefined
            ? vscode.l10n.t('{0} {1}/{2}, about {3} s left', event.phase, event.done, event.total, Math.ceil(event.etaSeconds))
            : vscode.l10n.t('{0} {1}/{2}', event.phase, event.done, event.total);
          progress.report({
            message,
            increment: Math.max(0, pct - last),
          });
          last = pct >= 100 ? 0 : pct;
        };
        job.on('event', sub);
        return job.outcome.finally(() => job.off('event', sub));
      },
    );
  }

  private report(request: JobRequest<JobName>, outcome: JobOutcome): void {
    const log = logChannel();
    switch (outcome.status) {
      case 'done':
        log.info(`${request.job} finished`);
        return;
      case 'cancelled':
        log.info(`${request.job} cancelled`);
        void vscode.window.showInformationMessage(vscode.l10n.t('Transfer Lab: {0} was cancelled.', request.title));
        return;
      case 'failed': {
        // The trainer's message, file and hint are its own English words, put in one placeholder.
        const { message, file, hint } = outcome.error;
        const detail = `${message}${file ? ` (${file})` : ''}${hint ? ` ${hint}` : ''}`;
        void showErrorWithLog(vscode.l10n.t('Transfer Lab: {0} failed: {1}', request.title, detail));
        return;
      }
      case 'crashed':
        log.error(`trainer crashed (exit ${outcome.exitCode}, signal ${outcome.signal})\n${outcome.stderrTail}`);
        void showErrorWithLog(outcome.signal
          ? vscode.l10n.t('Transfer Lab: the trainer process stopped unexpectedly during "{0}" ({1}). Nothing was marked complete.',
            request.title, outcome.signal)
          : vscode.l10n.t('Transfer Lab: the trainer process stopped unexpectedly during "{0}" (exit code {1}). Nothing was marked complete.',
            request.title, String(outcome.exitCode)));
        return;
    }
  }

  dispose(): void {
    this.active?.cancel();
    this.statusBar.dispose();
    this.eventEmitter.dispose();
    this.resetEmitter.dispose();
  }
}
