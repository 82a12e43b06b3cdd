// Runs a job for the terminal: progress on stderr, Ctrl-C cancels at the next batch, and the result for the command
// to print. A failed job throws CliJobFailure, so the CLI's entry reports every failure the same way (runCli.ts).
import type { ErrorEvent, JobName } from '../../core/protocol';
import { TerminalReporter } from './progress';
import { BAD_INPUT_FS_CODES } from '../runtime/fsErrors';
import { runJob } from '../jobs/runJob';

/** Bad flags or arguments: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  readonly code = 'usage';
}

/** A job that ended in an error event; the reporter has already shown it on stderr. */
export class CliJobFailure extends Error {
  constructor(readonly event: ErrorEvent) {
    super(event.message);
  }
}

/** The job's result; throws CliJobFailure when it fails or is cancelled. */
export async function runCliJob(job: JobName, config: Record<string, unknown>): Promise<unknown> {
  const reporter = new TerminalReporter(process.stderr);
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write('\ncancelling at the next batch…\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    const terminal = await runJob(job, config, { emit: (e) => reporter.handle(e), signal: controller.signal });
    if (terminal.type === 'done') return terminal.result;
    if (terminal.type !== 'error') throw new Error(`the ${job} job ended with a "${terminal.type}" event`);
    reporter.handle(terminal);
    throw new CliJobFailure(terminal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * Exit codes: 0 done, 1 failed, 2 bad input or usage, 3 cancelled. A folder the user chose that cannot be written
 * (read-only, no permission) is bad input; a full disk is not.
 */
export function exitCodeOf(code: string): number {
  if (code === 'cancelled') return 3;
  return code === 'usage' || code === 'bad-input' || code === 'bad-layout' || BAD_INPUT_FS_CODES.has(code) ? 2 : 1;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
