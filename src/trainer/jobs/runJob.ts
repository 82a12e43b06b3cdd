// Runs one job and turns its outcome into exactly one terminal event: done, or error. An error that still carries a
// file-system errno here (a writer that did not wrap its own) is made a sentence by fsErrors, never shown raw.
import type { JobName, TrainerEvent } from '../../core/protocol';
import { asProductError } from '../runtime/fsErrors';
import { CancelledError, type JobContext } from '../runtime/jobContext';
import { findJob } from '.';

export interface JobFailure extends Error { code?: string; file?: string; hint?: string }

export async function runJob(name: JobName, config: Record<string, unknown>, ctx: JobContext): Promise<TrainerEvent> {
  const job = findJob(name);
  if (!job) return { type: 'error', code: 'unknown-job', message: `The trainer has no "${name}" job in this version.` };
  try {
    const result = await job(config, ctx);
    return { type: 'done', job: name, result, ...runIdOf(result) };
  } catch (e) {
    if (e instanceof CancelledError || ctx.signal.aborted) return { type: 'error', code: 'cancelled', message: 'Cancelled.' };
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
  const id = (result as { runId?: unknown } | null)?.runId;
  return typeof id === 'string' ? { runId: id } : {};
}
