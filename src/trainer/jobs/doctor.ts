// Reports which engine loaded, why earlier engines were skipped, and the versions the other jobs depend on.
import * as os from 'node:os';
import sharp from 'sharp';
import { isEnginePreference } from '../../core/engineChoice';
import { workerCount, workersSetting } from '../forward/batchForward';
import { startEngine, type EngineInfo } from '../engine/engine';
import type { JobContext } from '../runtime/jobContext';

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

export async function doctorJob(config: Record<string, unknown>, ctx: JobContext): Promise<DoctorResult> {
  const preference = isEnginePreference(config.engine) ? config.engine : 'auto';
  const { tf, info } = await startEngine(preference, ctx);
  // A real op proves the backend computes, not merely that it registered.
  const sum = tf.tidy(() => tf.add(tf.ones([2]), tf.ones([2])).sum().dataSync()[0]);
  if (sum !== 4) throw new Error(`engine ${info.engine} computed 1+1 wrongly (${sum / 2})`);
  return {
    ...info,
    tfjs: tf.version.tfjs,
    sharp: sharp.versions.sharp ?? 'unknown',
    libvips: sharp.versions.vips,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.availableParallelism(),
    forwardWorkers: workerCount(workersSetting(config), info.engine),
    mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? null,
    pid: process.pid,
  };
}
