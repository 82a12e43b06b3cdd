// Every job the trainer runs, by its protocol name, with its contract: the config as sent, the config the job
// receives, and its result. The protocol's job names, the trainer's registry and the extension's typed results all
// come from this table, so a new job is one contract file, one line here, one job file and one registry line.
import type { Check } from '../validate';
import type { JobContract, JobDefaults } from './contract';
import { advise } from './advise';
import { doctor } from './doctor';
import { evaluate } from './evaluate';
import { explain } from './explain';
import { exportModel } from './exportModel';
import { learningCurve } from './learningCurve';
import { lrFind } from './lrFind';
import { predict } from './predict';
import { prepare } from './prepare';
import { relabel } from './relabel';
import { train } from './train';

const contracts = {
  doctor,
  prepare,
  train,
  evaluate,
  predict,
  'learning-curve': learningCurve,
  advise,
  'lr-find': lrFind,
  export: exportModel,
  explain,
  relabel,
};

export type JobName = keyof typeof contracts;
// Object.keys types its keys as string; these are the table's own keys.
export const JOBS: readonly JobName[] = Object.keys(contracts) as JobName[];

type ContractOf<J extends JobName> = (typeof contracts)[J];
/** The config as the CLI or the extension sends it. */
export type JobConfigInput<J extends JobName> =
  ContractOf<J> extends JobContract<infer I, unknown, unknown> ? I : never;
/** The config the job receives: checked, defaults applied. */
export type JobConfig<J extends JobName> = ReturnType<ContractOf<J>['config']>;
/** What the job returns. */
export type JobResult<J extends JobName> = ContractOf<J>['result'] extends Check<infer R> ? R : never;

// The table seen through its types, so that indexing it with a generic J keeps J's own config and result types.
const byName: { [J in JobName]: JobContract<JobConfigInput<J>, JobConfig<J>, JobResult<J>> } = contracts;

/** The config a job receives; throws a ValidationError naming the bad field. */
export function parseJobConfig<J extends JobName>(job: J, raw: unknown, defaults: JobDefaults): JobConfig<J> {
  return byName[job].config(raw, defaults);
}

/** Checks a job's result that arrived from the trainer process; throws a ValidationError naming the bad field. */
export function parseJobResult<J extends JobName>(job: J, raw: unknown): JobResult<J> {
  return byName[job].result(raw, 'result');
}

export type { JobContract, JobDefaults };
