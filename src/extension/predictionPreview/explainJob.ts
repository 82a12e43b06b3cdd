// Starts the trainer's explain job for the preview: one process per classification, beside (never instead of) a
// job the JobRunner runs, so opening an image while a model trains neither waits nor replaces the dashboard's
// content. The config comes from the person's settings, as every other job's does.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { JobConfigInput } from '../../core/jobs';
import { engineConfig, ttaConfig } from '../jobSettings';
import { trainerConfig } from '../settings';
import { TrainerJob } from '../trainerClient';

/** The overlay's long side: the single view shows it up to 640 px wide; grid tiles are 170 px (twice that on HiDPI). */
export const OVERLAY_SIZE = { single: 640, grid: 360 } as const;

/**
 * Each run's overlays in their own folder: the overlay's name is the image's, so two runs explaining one image
 * would otherwise overwrite each other's.
 */
export function overlayDir(cacheDir: string, runDir: string): string {
  return path.join(cacheDir, createHash('sha256').update(runDir).digest('hex').slice(0, 8));
}

export function explainConfig(
  runDir: string, images: string[], outDir: string, size: number,
): JobConfigInput<'explain'> {
  // Opacity 1 makes the overlay the heatmap alone: the webview lays it over the original and its slider sets the
  // blend, so moving the slider never runs the model again.
  return {
    runDir, images, outDir, size, opacity: 1, ...ttaConfig(), batch: trainerConfig().batchSize, ...engineConfig(),
  };
}

export function startExplain(trainerPath: string, config: JobConfigInput<'explain'>): TrainerJob<'explain'> {
  return new TrainerJob(trainerPath, 'explain', config);
}
