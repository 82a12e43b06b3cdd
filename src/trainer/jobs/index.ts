// The jobs the trainer can run, by protocol name. The child process and the CLI both dispatch through here.
import type { JobName } from '../../core/protocol';
import type { JobContext } from '../jobContext';
import { doctorJob } from './doctor';

export type Job = (config: Record<string, unknown>, ctx: JobContext) => Promise<unknown>;

const jobs: Partial<Record<JobName, Job>> = {
  doctor: doctorJob,
};

export function findJob(name: JobName): Job | undefined {
  return jobs[name];
}
