// The `doctor` job's contract: which engine to try first, and what loaded here with the versions jobs depend on.
import { ENGINES, type EngineInfo, type EnginePreference } from '../engineChoice';
import {
  arrayOf, bool, literal, nullable, num, object, objectOf, optional, str, type Checked,
} from '../validate';
import type { JobContract } from './contract';
import { fields } from './fields';

const input = object({ engine: fields.engine, workers: fields.workers });
export type DoctorConfigInput = Checked<typeof input>;
export interface DoctorConfig { engine: EnginePreference; workers?: number }

export interface DoctorResult extends EngineInfo {
  tfjs: string;
  sharp: string;
  libvips: string;
  node: string;
  platform: string;
  cpus: number;
  /** Threads forward passes run on (0: the job's own thread only). */
  forwardWorkers: number;
  /** The glibc arena cap the process started with, if any. */
  mallocArenaMax: string | null;
  pid: number;
}

export const doctor: JobContract<DoctorConfigInput, DoctorConfig, DoctorResult> = {
  input,
  config(raw) {
    const c = input(raw, 'config');
    return { engine: c.engine ?? 'auto', workers: c.workers };
  },
  result: objectOf<DoctorResult>({
    engine: literal(...ENGINES), backend: str, version: str, slowPath: bool,
    skipped: arrayOf(objectOf({ engine: literal(...ENGINES), reason: str })),
    wasm: optional(objectOf({ simd: bool, threads: bool, threadsCount: num })),
    tfjs: str, sharp: str, libvips: str, node: str, platform: str, cpus: num, forwardWorkers: num,
    mallocArenaMax: nullable(str), pid: num,
  }),
};
