// "Export as ONNX…" and "Export as Keras .h5…" on a saved run: where to write (the run's export/ folder by default),
// the export job, and the model card it wrote beside the file.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExportFormat } from '../../core/jobs/exportModel';
import { EXPORT_FILES, RUN_FILES } from '../../core/runFiles';
import type { JobRunner } from '../jobRunner';
import { runDirOf, type RunArg } from '../pickers';
import type { SavedRun } from '../runStore';
import type { SavedModelsView } from '../savedModelsView';

const completed = (r: SavedRun) => r.status === 'completed';

/** What differs between the two commands. `what` is a format's name, the same in every language. */
const FORMATS: Record<ExportFormat, {
  command: string; what: string; file: string; filters: () => Record<string, string[]>;
}> = {
  onnx: {
    command: 'transferLab.exportOnnx', what: 'ONNX', file: EXPORT_FILES.onnx,
    filters: () => ({ [vscode.l10n.t('ONNX model')]: ['onnx'] }),
  },
  keras: {
    command: 'transferLab.exportKeras', what: 'Keras .h5', file: EXPORT_FILES.keras,
    filters: () => ({ [vscode.l10n.t('Keras HDF5 model')]: ['h5'] }),
  },
};

export function registerExportCommands(
  context: vscode.ExtensionContext, runner: JobRunner, tree: SavedModelsView,
): void {
  for (const format of Object.keys(FORMATS) as ExportFormat[]) {
    context.subscriptions.push(vscode.commands.registerCommand(FORMATS[format].command,
      (arg?: RunArg & { out?: string }) => exportAs(format, arg, runner, tree)));
  }
}

/** Tests pass `out` and skip the dialog. */
async function exportAs(format: ExportFormat, arg: (RunArg & { out?: string }) | undefined, runner: JobRunner,
  tree: SavedModelsView) {
  const { what, file: defaultName, filters } = FORMATS[format];
  const runDir = await runDirOf(arg, vscode.l10n.t('Transfer Lab: export which run as {0}?', what), completed);
  if (!runDir) return undefined;
  const out = arg?.out ?? (await vscode.window.showSaveDialog({
    title: vscode.l10n.t('Transfer Lab: export as {0}', what),
    defaultUri: vscode.Uri.file(path.join(runDir, RUN_FILES.export, defaultName)),
    filters: filters(),
    saveLabel: vscode.l10n.t('Export'),
  }))?.fsPath;
  if (!out) return undefined;
  const outcome = await runner.run({ job: 'export', title: vscode.l10n.t('Export as {0}', what), config: { runDir, format, out } });
  tree.refresh();
  if (outcome.status !== 'done') return undefined;
  const r = outcome.result;
  const v = r.verification;
  const file = path.basename(r.out);
  const diff = (v.maxAbsDiff ?? 0).toExponential(1);
  const openModelCard = vscode.l10n.t('Open Model Card');
  const reveal = vscode.l10n.t('Reveal');
  const show = v.status === 'passed'
    ? vscode.window.showInformationMessage(v.onnx?.status === 'passed'
      ? vscode.l10n.t('Transfer Lab: exported {0}, verified against the TF.js model on {1} validation images (largest probability difference {2}; in ONNX Runtime {3}).',
        file, v.images, diff, (v.onnx.maxAbsDiff ?? 0).toExponential(1))
      : vscode.l10n.t('Transfer Lab: exported {0}, verified against the TF.js model on {1} validation images (largest probability difference {2}).',
        file, v.images, diff),
    openModelCard, reveal)
    : vscode.window.showWarningMessage(vscode.l10n.t('Transfer Lab: exported {0}, but it was not verified: {1}.', file, String(v.reason)),
      openModelCard, reveal);
  void show.then((choice) => {
    if (choice === openModelCard) {
      void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(r.modelCard));
    }
    if (choice === reveal) {
      const uri = vscode.Uri.file(r.out);
      void vscode.commands.executeCommand(
        vscode.workspace.getWorkspaceFolder(uri) ? 'revealInExplorer' : 'revealFileInOS', uri);
    }
  });
  return r;
}
