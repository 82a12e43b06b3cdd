// What the job configs the commands send start from: the user's settings, and where this workspace keeps its caches
// and runs. One place, so every job that reads images sees the same batch, size, seed and engine.
import * as vscode from 'vscode';
import { TTA_MODES, type TtaMode } from '../core/testTimeAugmentation';
import { trainerConfig } from './settings';
import { embeddingCacheDir, modelCacheDir, runsDir } from './workspacePaths';

/** The engine of each role: tfjs for what trains, and where the frozen forward passes run. */
export function engineConfig() {
  const s = trainerConfig();
  return { engine: s.engine, frozen: s.frozenEngine };
}

/** Test-time augmentation (`transferLab.tta`) for the jobs that classify: evaluate, predict, explain. */
export function ttaConfig(): { tta: TtaMode } {
  const value = vscode.workspace.getConfiguration('transferLab').get<string>('tta', 'none');
  return { tta: (TTA_MODES as readonly string[]).includes(value) ? (value as TtaMode) : 'none' };
}

/** The settings every job that reads images through a backbone takes. */
export function baseConfig(context: vscode.ExtensionContext) {
  const s = trainerConfig();
  return {
    batch: s.batchSize, size: s.imageSize, seed: s.seed, ...engineConfig(), cacheDir: embeddingCacheDir(),
    modelCacheDir: modelCacheDir(context),
  };
}

/** And training's own: how long to train, and where runs go. */
export function trainingConfig(context: vscode.ExtensionContext) {
  const s = trainerConfig();
  return { ...baseConfig(context), epochs: s.epochs, patience: s.patience, runsDir: runsDir() };
}
