// Reads the `transferLab.*` settings the jobs use as defaults.
import * as vscode from 'vscode';
import type { EnginePreference } from '../core/engineChoice';
import type { FrozenPreference } from '../core/frozenEngineChoice';

export interface TrainerSettings {
  backbone: string;
  imageSize: number;
  batchSize: number;
  epochs: number;
  patience: number | undefined;
  validationSplit: number;
  seed: number;
  cacheLocation: string;
  /** package.json lists the choices; the trainer's contract refuses any other. */
  engine: EnginePreference;
  /** Where frozen forward passes run (ONNX Runtime or tfjs); package.json lists the choices. */
  frozenEngine: FrozenPreference;
}

export function trainerConfig(): TrainerSettings {
  const c = vscode.workspace.getConfiguration('transferLab');
  return {
    backbone: c.get('backbone', 'mobilenet_v2_0.35_224'),
    imageSize: c.get('imageSize', 224),
    batchSize: c.get('batchSize', 32),
    epochs: c.get('epochs', 50),
    patience: c.get<number | null>('patience', null) ?? undefined,
    validationSplit: c.get('validationSplit', 0.2),
    seed: c.get('seed', 42),
    cacheLocation: c.get('cacheLocation', ''),
    engine: c.get<EnginePreference>('engine', 'auto'),
    frozenEngine: c.get<FrozenPreference>('frozenEngine', 'auto'),
  };
}
