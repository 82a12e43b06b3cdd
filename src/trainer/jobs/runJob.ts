// Runs one job and turns its outcome into exactly one terminal event: done, or error. The config goes through the
// job's contract first, so a bad field is bad input naming it (exit 2 on the CLI) and the job gets a complete,
// typed config. An error that still carries a file-system errno here (a writer that did not wrap its own) is made a
// sentence by fsErrors, never shown raw.
import * as path from 'node:path';
import { parseJobConfig, type JobConfig, type JobDefaults, type JobName, type JobResult } from '../../core/jobs';
import type { DoneEvent, ErrorEvent } from '../../core/protocol';
import { CACHE_DIR, LAB_DIR, RUNS_DIR } from '../../core/runFiles';
import { ValidationError } from '../../core/validate';
import { asProductError } from '../runtime/fsErrors';
import { CancelledError, type JobContext } from '../runtime/jobContext';
import { findJob } from '.';

export interface JobFailure extends Error { code?: string; file?: string; hint?: string }

/** The terminal event of job J: its typed result, or the error. */
export type JobTerminal<J extends JobName> = (DoneEvent & { job: J; result: JobResult<J> }) | ErrorEvent;

/** Where runs and caches go when a config does not say: .transfer-lab in the folder the trainer runs in. */
export function defaultFolders(): JobDefaults {
  return { runsDir: path.resolve(LAB_DIR, RUNS_DIR), cacheDir: path.resolve(LAB_DIR, CACHE_DIR) };
}

export async function runJob<J extends JobName>(
  name: J, raw: Record<string, unknown>, ctx: JobContext,
): Promise<JobTerminal<J>> {
  const job = findJob(name);
  if (!job) return { type: 'error', code: 'unknown-job', message: `The trainer has no "${name}" job in this version.` };
  let config: JobConfig<J>;
  try {
    config = parseJobConfig(name, raw, defaultFolders());
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    const hint = 'Check the command-line flags or the settings.';
    return { type: 'error', code: 'bad-input', message: e.message, hint };
  }
  try {
    const result = await job(config, ctx);
    return { type: 'done', job: name, result, ...runIdOf(result) };
  } catch (e) {
    if (e instanceof CancelledError || ctx.signal.aborted)
      return { type: 'error', code: 'cancelled', message: 'Cancelled.' };
    const err = (await asProductError(e)) as JobFailure;
    return {
      type: 'error',
      code: err.code ?? 'job-failed',
      message: err.message ?? String(e),
      ...(err.file ? { file: err.file } : {}),
      ...(err.hint ? { hint: err.hint } : {}),
    };
  }
}

function runIdOf(result: unknown): { runId?: string } {
  const id = typeof result === 'object' && result !== null && 'runId' in result ? result.runId : undefined;
  return typeof id === 'string' ? { runId: id } : {};
}
