// QuickPicks shared by the training commands: a prepared dataset, a backbone, a saved run, an unfreeze point.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LayerRow } from '../core/protocol';
import { KERAS_ZOO } from '../core/kerasZoo';
import { ZOO } from '../core/zooCatalog';
import { blocksOf, topBlock } from '../core/zooLadder';
import { readLayerTable } from './runReplay';
import { listRuns, type SavedRun } from './runStore';

/** A folder that holds dataset.json, written by Prepare Dataset. */
export async function pickPreparedDataset(hint?: vscode.Uri): Promise<string | undefined> {
  if (hint) {
    try {
      await fs.access(path.join(hint.fsPath, 'dataset.json'));
      return hint.fsPath;
    } catch {
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('{0} is not a prepared dataset (no dataset.json). Prepare it first?', path.basename(hint.fsPath)),
        vscode.l10n.t('Prepare Dataset'),
      );
      if (choice) await vscode.commands.executeCommand('transferLab.prepareDataset', hint);
      return undefined;
    }
  }
  const manifests = await vscode.workspace.findFiles('**/dataset.json', '**/node_modules/**', 50);
  if (manifests.length === 0) {
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t('No prepared dataset in this workspace yet.'),
      vscode.l10n.t('Prepare Dataset'),
    );
    if (choice) await vscode.commands.executeCommand('transferLab.prepareDataset');
    return undefined;
  }
  if (manifests.length === 1) return path.dirname(manifests[0].fsPath);
  const pick = await vscode.window.showQuickPick(
    manifests.map((m) => ({
      label: path.basename(path.dirname(m.fsPath)),
      description: vscode.workspace.asRelativePath(path.dirname(m.fsPath)),
      dir: path.dirname(m.fsPath),
    })),
    {
      title: vscode.l10n.t('Transfer Lab: choose a prepared dataset'),
      placeHolder: vscode.l10n.t('Folders holding {0}', 'dataset.json'),
    },
  );
  return pick?.dir;
}

export async function pickBackbone(defaultId: string): Promise<{ source: string; cut?: string } | undefined> {
  type Item = vscode.QuickPickItem & { source?: string };
  const items: Item[] = ZOO.map((e) => ({
    label: e.id,
    description: e.id === defaultId ? vscode.l10n.t('default') : e.family === 'mobilenet_v2' ? 'MobileNetV2' : 'MobileNet v1',
    detail: e.bundledSha256
      ? vscode.l10n.t('{0} px, features at {1}, {2}; included, works offline', e.inputSize, e.defaultCut, e.licence)
      : vscode.l10n.t('{0} px, features at {1}, {2}; downloaded once, then cached', e.inputSize, e.defaultCut, e.licence),
    source: e.id,
  }));
  const names: Record<string, string> = {
    vgg16: vscode.l10n.t("VGG16 (the recipe's)"), resnet50: 'ResNet50', mobilenet_v2: 'MobileNetV2',
  };
  items.push(...KERAS_ZOO.map((e) => ({
    label: e.id,
    description: vscode.l10n.t("{0}, Keras' weights", names[e.application]),
    detail: vscode.l10n.t("{0} px, features at {1}, {2}; Keras' *_notop.h5 downloaded once, then cached",
      e.inputSize, e.defaultCut, e.licence),
    source: e.id,
  })));
  items.sort((a, b) => Number(b.label === defaultId) - Number(a.label === defaultId));
  items.push({
    label: `$(folder) ${vscode.l10n.t('Local model…')}`,
    detail: vscode.l10n.t('A Keras .h5 or .keras file, or a folder holding a TF.js model.json'),
  });
  const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Transfer Lab: choose a backbone') });
  if (!pick) return undefined;
  if (pick.source) return { source: pick.source };
  const folder = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: true,
    filters: { [vscode.l10n.t('Models')]: ['h5', 'hdf5', 'keras', 'json'] },
    openLabel: vscode.l10n.t('Use this model'),
  });
  if (!folder?.[0]) return undefined;
  const cut = await vscode.window.showInputBox({
    title: vscode.l10n.t('Cut layer (optional)'),
    prompt: vscode.l10n.t('Layer whose output becomes the features; empty for the default'),
  });
  return { source: folder[0].fsPath, cut: cut || undefined };
}

/** What a run command is given: the Saved Models tree passes its node; tests and other commands pass { runDir }. */
export interface RunArg { runDir?: string; run?: { dir: string } }

/** The run a command was given, else the one the user picks among those `filter` lets through. */
export async function runDirOf(
  arg: RunArg | undefined, title: string, filter: (r: SavedRun) => boolean = () => true,
): Promise<string | undefined> {
  return arg?.runDir ?? arg?.run?.dir ?? (await pickRun(filter, title))?.dir;
}

export async function pickRun(filter: (r: SavedRun) => boolean, title: string): Promise<SavedRun | undefined> {
  const runs = (await listRuns()).filter(filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Transfer Lab: no matching saved run. Train a feature extractor first.'));
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    runs.map((r) => ({
      label: r.record.id,
      description: `${r.record.mode} · ${r.record.backbone}${r.record.best ? ` · val_acc ${r.record.best.valAcc.toFixed(3)}` : ''}`,
      run: r,
    })),
    { title },
  );
  return pick?.run;
}

/** The run's layer table; a damaged layers.json is shown as an error naming it (and gives no blocks to pick). */
export async function readLayers(runDir: string): Promise<LayerRow[]> {
  const { layers, problem } = await readLayerTable(runDir);
  if (problem) void vscode.window.showErrorMessage(vscode.l10n.t('Transfer Lab: {0}', problem));
  return layers ?? [];
}

/** Blocks of the backbone, top first; the default is the trainer's own (`topBlock`), the recipe's top block. */
export async function pickUnfreezePoint(runDir: string): Promise<string | undefined> {
  const layers = await readLayers(runDir);
  const candidates = blocksOf(layers).reverse();
  if (candidates.length === 0) return undefined;
  const top = topBlock(layers);
  candidates.sort((a, b) => Number(b === top) - Number(a === top));
  const pick = await vscode.window.showQuickPick(
    candidates.map((b) => ({ label: b, description: b === top ? vscode.l10n.t('default: the top block') : undefined })),
    {
      title: vscode.l10n.t('Transfer Lab: unfreeze from which block?'),
      placeHolder: vscode.l10n.t('Everything above this point trains; everything below stays frozen'),
    },
  );
  return pick?.label;
}
