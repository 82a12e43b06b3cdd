// "Open With… Transfer Lab Prediction" on an image (a read-only custom editor) and "Classify with Transfer Lab" on
// images and folders in the Explorer: one image opens that editor, several or a folder open the same view as a grid.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { explainCacheDir } from '../workspacePaths';
import { isImageFile, PreviewSession, type PreviewHost } from './previewSession';

export const PREVIEW_VIEW_TYPE = 'transferLab.predictionPreview';
export const CLASSIFY_VIEW_TYPE = 'transferLab.classifyGrid';

class PredictionPreviewProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly host: () => PreviewHost) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    // The session disposes itself with the panel.
    new PreviewSession(panel, this.host(), 'single', [document.uri.fsPath], path.basename(document.uri.fsPath));
  }
}

export function registerPredictionPreview(context: vscode.ExtensionContext): void {
  // Read when a preview opens, so a changed cache location applies to the next one.
  const host = (): PreviewHost => ({
    extensionUri: context.extensionUri,
    trainerPath: context.asAbsolutePath('dist/trainer.js'),
    cacheDir: explainCacheDir(context),
  });
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(PREVIEW_VIEW_TYPE, new PredictionPreviewProvider(host), {
      supportsMultipleEditorsPerDocument: true,
    }),
    vscode.commands.registerCommand('transferLab.classifyImages', (uri?: vscode.Uri, selected?: vscode.Uri[]) =>
      classify(host(), uri, selected)),
  );
}

/** The Explorer passes the right-clicked item and the whole selection; the palette passes nothing. */
async function classify(host: PreviewHost, uri?: vscode.Uri, selected?: vscode.Uri[]): Promise<void> {
  const given = selected?.length ? selected : uri ? [uri] : activeImage();
  const picked = given ?? (await vscode.window.showOpenDialog({
    canSelectFiles: true, canSelectFolders: true, canSelectMany: true, openLabel: vscode.l10n.t('Classify'),
    filters: { [vscode.l10n.t('Images')]: ['jpg', 'jpeg', 'png', 'webp'] },
  }));
  if (!picked?.length) return;
  const targets: { path: string; folder: boolean }[] = [];
  for (const u of picked) {
    const folder = await isFolder(u.fsPath);
    if (folder || isImageFile(u.fsPath)) targets.push({ path: u.fsPath, folder });
  }
  if (targets.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Transfer Lab: choose .jpg, .jpeg, .png or .webp images, or a folder of them.'));
    return;
  }
  if (targets.length === 1 && !targets[0].folder) {
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(targets[0].path), PREVIEW_VIEW_TYPE);
    return;
  }
  const title = targets.length === 1 ? path.basename(targets[0].path) : vscode.l10n.t('{0} items', targets.length);
  const panel = vscode.window.createWebviewPanel(CLASSIFY_VIEW_TYPE, vscode.l10n.t('Classify: {0}', title), vscode.ViewColumn.Active, {
    enableScripts: true,
  });
  new PreviewSession(panel, host, 'grid', targets.map((t) => t.path), title);
}

/** The image in the active editor (text, image preview or this preview), for the command run from the palette. */
function activeImage(): vscode.Uri[] | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
  return uri?.scheme === 'file' && isImageFile(uri.fsPath) ? [uri] : undefined;
}

async function isFolder(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isDirectory();
  } catch {
    return false;
  }
}
