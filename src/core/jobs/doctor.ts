// The `doctor` job's contract: which engine to try first, and what loaded here with the versions jobs depend on.
import { ENGINES, type EngineInfo, type EnginePreference } from '../engineChoice';
import {
  arrayOf, bool, literal, nullable, num, object, objectOf, optional, str, type Checked,
} from '../validate';
import { FROZEN_ENGINES, type FrozenEngineInfo, type FrozenPreference } from '../frozenEngineChoice';
import type { JobContract } from './contract';
import { fields } from './fields';

const input = object({ engine: fields.engine, workers: fields.workers, frozen: fields.frozen });
export type DoctorConfigInput = Checked<typeof input>;
export interface DoctorConfig { engine: EnginePreference; workers?: number; frozen?: FrozenPreference }

/**
 * The engine of each role. The top-level EngineInfo fields are the training engine's (tfjs: heads, unfrozen tops,
 * and every pass a model that does not convert to ONNX needs); `frozen` is what runs the frozen forward passes.
 */
export interface DoctorResult extends EngineInfo {
  frozen: FrozenEngineInfo;
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
    return { engine: c.engine ?? 'auto', workers: c.workers, frozen: c.frozen };
  },
  result: objectOf<DoctorResult>({
    engine: literal(...ENGINES), backend: str, version: str, slowPath: bool,
    skipped: arrayOf(objectOf({ engine: literal(...ENGINES), reason: str })),
    wasm: optional(objectOf({ simd: bool, threads: bool, threadsCount: num })),
    frozen: objectOf<FrozenEngineInfo>({
      engine: literal(...FROZEN_ENGINES), version: str,
      skipped: arrayOf(objectOf({ engine: literal(...FROZEN_ENGINES), reason: str })),
    }),
    tfjs: str, sharp: str, libvips: str, node: str, platform: str, cpus: num, forwardWorkers: num,
    mallocArenaMax: nullable(str), pid: num,
  }),
};
