// Where runs and caches live for the current workspace, and where downloaded backbones go.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CACHE_DIR, LAB_DIR, RUNS_DIR, THUMBNAILS_DIR } from '../core/runFiles';
import { trainerConfig } from './settings';

export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

export function labDir(): string {
  const root = workspaceRoot();
  if (!root) throw new Error(vscode.l10n.t('Open a folder first: Transfer Lab keeps its runs in the workspace.'));
  return path.join(root, LAB_DIR);
}

export function runsDir(): string {
  return path.join(labDir(), RUNS_DIR);
}

export function embeddingCacheDir(): string {
  const custom = trainerConfig().cacheLocation;
  return custom ? path.join(custom, 'embeddings') : path.join(labDir(), CACHE_DIR);
}

export function modelCacheDir(context: vscode.ExtensionContext): string {
  const custom = trainerConfig().cacheLocation;
  return custom ? path.join(custom, 'models') : path.join(context.globalStorageUri.fsPath, 'models');
}

/** Thumbnails for the dashboard, made by the trainer; undefined with no folder open. */
export function thumbnailDir(): string | undefined {
  const custom = trainerConfig().cacheLocation;
  if (custom) return path.join(custom, THUMBNAILS_DIR);
  const root = workspaceRoot();
  return root ? path.join(root, LAB_DIR, CACHE_DIR, THUMBNAILS_DIR) : undefined;
}

/**
 * Grad-CAM overlays of the prediction preview, one folder per run, made by the trainer's explain job: in the
 * workspace cache beside the thumbnails, else (an image opened with no folder) in the extension's storage.
 */
export function explainCacheDir(context: vscode.ExtensionContext): string {
  const custom = trainerConfig().cacheLocation;
  if (custom) return path.join(custom, 'explain');
  const root = workspaceRoot();
  return root ? path.join(root, LAB_DIR, CACHE_DIR, 'explain') : path.join(context.globalStorageUri.fsPath, 'explain');
}
