// Reports which engine loaded, why earlier engines were skipped, and the versions the other jobs depend on.
import * as os from 'node:os';
import sharp from 'sharp';
import type { DoctorConfig, DoctorResult } from '../../core/jobs/doctor';
import { frozenSetting, workerCount, workersSetting } from '../forward/batchForward';
import { probeFrozenEngine } from '../forward/ortForward';
import { startEngine } from '../engine/engine';
import type { JobContext } from '../runtime/jobContext';

export async function doctorJob(config: DoctorConfig, ctx: JobContext): Promise<DoctorResult> {
  const { tf, info } = await startEngine(config.engine, ctx);
  // A real op proves the backend computes, not merely that it registered.
  const sum = tf.tidy(() => tf.add(tf.ones([2]), tf.ones([2])).sum().dataSync()[0]);
  if (sum !== 4) throw new Error(`engine ${info.engine} computed 1+1 wrongly (${sum / 2})`);
  return {
    ...info,
    frozen: await probeFrozenEngine(frozenSetting(config).preference, tf.version.tfjs),
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
