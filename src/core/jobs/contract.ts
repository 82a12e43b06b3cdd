// What every job's contract holds, so the trainer, the CLI and the extension agree on it: the config as sent, the
// config a job receives (checked, defaults applied), and the result, checked where it crosses a process boundary.
import type { Check } from '../validate';

/** Where a job's folders go when its config does not say: the trainer's working folder's .transfer-lab/…. */
export interface JobDefaults { runsDir: string; cacheDir: string }

export interface JobContract<Input, Config, Result> {
  /** The config as sent (CLI flags or editor settings): each field checked, nothing filled in. */
  input: Check<Input>;
  /**
   * The config the job receives: checked, with its defaults applied, so the job needs no `!` and no fallback. A bad
   * field throws a ValidationError that names it ("config.epochs: expected a whole number from 1 to 10000, got 0").
   */
  config(raw: unknown, defaults: JobDefaults): Config;
  /** The job's result; the extension checks it as it arrives from the trainer process. */
  result: Check<Result>;
}
