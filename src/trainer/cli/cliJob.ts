// Runs a job for the terminal: progress on stderr, Ctrl-C cancels at the next batch, and the result for the command
// to print. A failed job throws CliJobFailure, so the CLI's entry reports every failure the same way (runCli.ts).
import type { JobName, JobResult } from '../../core/jobs';
import type { ErrorEvent } from '../../core/protocol';
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

/**
 * The job's result, typed by its contract; throws CliJobFailure when it fails or is cancelled. The config is checked
 * by the contract as in the child process, so a bad value is the same bad-input error in both.
 */
export async function runCliJob<J extends JobName>(job: J, config: Record<string, unknown>): Promise<JobResult<J>> {
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
