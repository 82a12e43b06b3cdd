// Reads the `transferLab.*` settings the jobs use as defaults.
import * as vscode from 'vscode';
import type { EnginePreference } from '../core/engineChoice';
import type { FrozenPreference } from '../core/frozenEngineChoice';
import { logChannel } from './log';
import { restrictedValue } from './restrictedSetting';

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
    backbone: restricted(c, 'backbone', 'mobilenet_v2_0.35_224'),
    imageSize: c.get('imageSize', 224),
    batchSize: c.get('batchSize', 32),
    epochs: c.get('epochs', 50),
    patience: c.get<number | null>('patience', null) ?? undefined,
    validationSplit: c.get('validationSplit', 0.2),
    seed: c.get('seed', 42),
    cacheLocation: restricted(c, 'cacheLocation', ''),
    engine: c.get<EnginePreference>('engine', 'auto'),
    frozenEngine: c.get<FrozenPreference>('frozenEngine', 'auto'),
  };
}

const warned = new Set<string>();

/**
 * A setting package.json lists as restricted: in an untrusted workspace its workspace value is ignored (a URL to
 * download and run, a path to write), said once per setting with a way to trust the folder.
 */
function restricted<T>(c: vscode.WorkspaceConfiguration, key: string, fallback: T): T {
  const { value, ignored } = restrictedValue(c.inspect<T>(key), vscode.workspace.isTrusted, fallback);
  if (ignored !== undefined && !warned.has(key)) {
    warned.add(key);
    const [setting, was, used] = [`transferLab.${key}`, JSON.stringify(ignored), JSON.stringify(value)];
    logChannel().warn(`This folder is not trusted, so its ${setting} setting (${was}) is ignored and ${used} is used. ` +
      'Trust the folder to use it.');
    const message = vscode.l10n.t(
      'Transfer Lab: This folder is not trusted, so its {0} setting ({1}) is ignored and {2} is used. Trust the folder to use it.',
      setting, was, used);
    void vscode.window.showWarningMessage(message, vscode.l10n.t('Manage Workspace Trust')).then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  }
  return value;
}
