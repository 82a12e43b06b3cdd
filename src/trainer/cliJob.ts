// Runs a job for the terminal: progress on stderr, Ctrl-C cancels at the next batch, and the result on stdout.
import type { JobName, TrainerEvent } from '../core/protocol';
import { TerminalReporter } from './cliProgress';
import { runJob } from './runJob';

/** Bad flags or arguments: the CLI prints the command's usage and exits 2. */
export class UsageError extends Error {}

export async function runCliJob(job: JobName, config: Record<string, unknown>): Promise<TrainerEvent> {
  const reporter = new TerminalReporter(process.stderr);
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write('\ncancelling at the next batch…\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    const terminal = await runJob(job, config, { emit: (e) => reporter.handle(e), signal: controller.signal });
    if (terminal.type === 'error') reporter.handle(terminal);
    return terminal;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Exit codes: 0 done, 1 failed, 2 bad input (set by the job's error code), 3 cancelled. */
export function exitCodeOf(terminal: TrainerEvent): number {
  if (terminal.type === 'done') return 0;
  if (terminal.type !== 'error') return 1;
  if (terminal.code === 'cancelled') return 3;
  return terminal.code === 'bad-input' || terminal.code === 'bad-layout' ? 2 : 1;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
