// The jobs the trainer can run, by protocol name. The child process and the CLI both dispatch through here; each job
// receives the config its contract (src/core/jobs) checked and completed, and returns the contract's result.
import type { JobConfig, JobName, JobResult } from '../../core/jobs';
import type { JobContext } from '../runtime/jobContext';
import { doctorJob } from './doctor';
import { trainJob } from './train';
import { prepareJob } from './prepare';
import { evaluateJob } from './evaluate';
import { predictJob } from './predict';
import { learningCurveJob } from './learningCurve';
import { adviseJob } from './advise';
import { lrFindJob } from './lrFind';
import { exportJob } from './exportModel';
import { explainJob } from './explain';
import { relabelJob } from './relabel';

export type Job<J extends JobName> = (config: JobConfig<J>, ctx: JobContext) => Promise<JobResult<J>>;

// Every contract needs its job: a name missing here does not compile.
const jobs: { [J in JobName]: Job<J> } = {
  doctor: doctorJob,
  train: trainJob,
  prepare: prepareJob,
  evaluate: evaluateJob,
  predict: predictJob,
  'learning-curve': learningCurveJob,
  advise: adviseJob,
  'lr-find': lrFindJob,
  export: exportJob,
  explain: explainJob,
  relabel: relabelJob,
};

export function findJob<J extends JobName>(name: J): Job<J> | undefined {
  return Object.hasOwn(jobs, name) ? jobs[name] : undefined;
}
