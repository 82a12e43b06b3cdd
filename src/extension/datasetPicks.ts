// Finding and choosing the dataset folder for Prepare Dataset: workspace candidates ranked by image count,
// and a QuickPick when a folder's layout is ambiguous.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { detectLayoutIn, scanForDatasets, type DatasetCandidate } from '../core/datasetCandidates';
import { createDirReader } from '../core/dirTree';
import type { LayoutKind } from '../core/layoutDetection';
import { LAB_DIR } from '../core/runFiles';

// The same reader as the trainer's nodeDirReader: lstat tells a name that is not valid UTF-8 from a broken link.
export const dirReader = () => createDirReader({
  readdir: (d, o) => fsp.readdir(d, o), stat: (p) => fsp.stat(p), lstat: (p) => fsp.lstat(p),
}, path.join);

/** Dataset-looking folders in every workspace folder, largest first; bounded in time. */
export async function findWorkspaceDatasets(): Promise<DatasetCandidate[]> {
  const found: DatasetCandidate[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const { candidates } = await scanForDatasets(dirReader(), folder.uri.fsPath, { timeBudgetMs: 2000 });
    found.push(...candidates.filter((c) => !c.path.includes(`${path.sep}${LAB_DIR}`) && !c.path.endsWith('-prepared')));
  }
  return found.sort((a, b) => b.imageCount - a.imageCount);
}

export async function pickWorkspaceDataset(): Promise<string | undefined> {
  const candidates = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Transfer Lab: looking for image folders') },
    () => findWorkspaceDatasets());
  if (candidates.length === 0) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Prepare this folder'),
      title: vscode.l10n.t('No image dataset found in the workspace: choose a folder of images'),
    });
    return picked?.[0]?.fsPath;
  }
  const pick = await vscode.window.showQuickPick(
    candidates.map((c) => ({
      label: vscode.workspace.asRelativePath(c.path), description: vscode.l10n.t('{0} images · {1}', c.imageCount, c.kind),
      detail: c.reason, path: c.path,
    })),
    { title: vscode.l10n.t('Transfer Lab: which dataset should be prepared?'), matchOnDetail: true },
  );
  return pick?.path;
}

export type LayoutChoice = { root?: string; kind?: LayoutKind };

/** undefined: cancelled or unusable (the user was told why); otherwise the layout to use. */
export async function chooseLayout(folder: string): Promise<LayoutChoice | undefined> {
  const { detection } = await detectLayoutIn(dirReader(), folder);
  if (detection.status === 'found') return { root: detection.layout.root, kind: detection.layout.kind };
  if (detection.status === 'none') {
    void vscode.window.showErrorMessage(vscode.l10n.t('Transfer Lab: {0}', detection.message), { modal: true, detail: detection.hint });
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    detection.candidates.map((c) => ({
      label: c.root ? vscode.l10n.t('{0} in {1}/', c.kind, c.root) : c.kind,
      description: vscode.l10n.t('{0} images', c.imageCount), detail: c.reason, c,
    })),
    { title: vscode.l10n.t('Transfer Lab: this folder could be read in more than one way'), placeHolder: detection.message },
  );
  return pick ? { root: pick.c.root, kind: pick.c.kind } : undefined;
}
