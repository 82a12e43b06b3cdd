// The jobs the trainer can run, by protocol name. The child process and the CLI both dispatch through here.
import type { JobName } from '../../core/protocol';
import type { JobContext } from '../runtime/jobContext';
import { doctorJob } from './doctor';
import { trainJob } from './train';
import { prepareJob } from './prepare';
import { evaluateJob } from './evaluate';
import { predictJob } from './predict';
import { learningCurveJob } from './learningCurve';
import { adviseJob } from './advise';
import { lrFindJob } from './lrFind';

export type Job = (config: Record<string, unknown>, ctx: JobContext) => Promise<unknown>;

const jobs: Partial<Record<JobName, Job>> = {
  doctor: doctorJob,
  train: trainJob,
  prepare: prepareJob,
  evaluate: evaluateJob,
  predict: predictJob,
  'learning-curve': learningCurveJob,
  advise: adviseJob,
  'lr-find': lrFindJob,
};

export function findJob(name: JobName): Job | undefined {
  return jobs[name];
}
