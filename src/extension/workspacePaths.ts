// Where runs and caches live for the current workspace, and where downloaded backbones go.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { trainerConfig } from './settings';

export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

export function labDir(): string {
  const root = workspaceRoot();
  if (!root) throw new Error('Open a folder first: Transfer Lab keeps its runs in the workspace.');
  return path.join(root, '.transfer-lab');
}

export function runsDir(): string {
  return path.join(labDir(), 'runs');
}

export function embeddingCacheDir(): string {
  const custom = trainerConfig().cacheLocation;
  return custom ? path.join(custom, 'embeddings') : path.join(labDir(), 'cache');
}

export function modelCacheDir(context: vscode.ExtensionContext): string {
  const custom = trainerConfig().cacheLocation;
  return custom ? path.join(custom, 'models') : path.join(context.globalStorageUri.fsPath, 'models');
}

/** Thumbnails for the dashboard, made by the trainer; undefined with no folder open. */
export function thumbnailDir(): string | undefined {
  const custom = trainerConfig().cacheLocation;
  if (custom) return path.join(custom, 'thumbnails');
  const root = workspaceRoot();
  return root ? path.join(root, '.transfer-lab', 'cache', 'thumbnails') : undefined;
}
