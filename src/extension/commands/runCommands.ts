// What a saved run offers besides training: open it in the dashboard, reveal its folder, delete it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DashboardPanel } from '../dashboardPanel';
import type { JobRunner } from '../jobRunner';
import { logChannel } from '../log';
import { runDirOf, type RunArg } from '../pickers';
import { runReplay } from '../runReplay';
import type { SavedModelsView } from '../savedModelsView';

export function registerRunCommands(context: vscode.ExtensionContext, runner: JobRunner, tree: SavedModelsView): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('transferLab.openRunInDashboard', async (arg?: RunArg) => {
      const runDir = await runDirOf(arg, vscode.l10n.t('Transfer Lab: open which run in the dashboard?'));
      if (!runDir) return false;
      const replay = await runReplay(runDir);
      for (const p of replay.problems) logChannel().warn(`skipped a saved dashboard file: ${p}`);
      if (!runner.display(replay.title, replay.events)) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t('Transfer Lab: the dashboard follows the running job; open the saved run when it finishes.'),
        );
        DashboardPanel.show(context, runner);
        return false;
      }
      DashboardPanel.showTab(context, runner, 'training');
      return true;
    }),
    vscode.commands.registerCommand('transferLab.revealRun', async (arg?: RunArg) => {
      const runDir = await runDirOf(arg, vscode.l10n.t('Transfer Lab: reveal which run?'));
      if (runDir) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(runDir));
    }),
    vscode.commands.registerCommand('transferLab.deleteRun', async (arg?: RunArg & { confirmed?: boolean }) => {
      const runDir = await runDirOf(arg, vscode.l10n.t('Transfer Lab: delete which run?'));
      if (!runDir) return false;
      if (runner.current && tree.runs.some((r) => r.dir === runDir && r.status === 'running')) {
        void vscode.window.showWarningMessage(vscode.l10n.t('Transfer Lab: this run is still training. Cancel it first.'));
        return false;
      }
      const id = path.basename(runDir);
      // Tests pass `confirmed`; people always see the modal.
      const del = vscode.l10n.t('Delete');
      const ok =
        arg?.confirmed === true ||
        (await vscode.window.showWarningMessage(
          vscode.l10n.t('Delete the run "{0}"? Its model, checkpoints, predictions and report are removed. Your images are not touched.', id),
          { modal: true },
          del,
        )) === del;
      if (!ok) return false;
      const uri = vscode.Uri.file(runDir);
      try {
        await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: true });
      } catch {
        // No trash on this system (headless Linux, remote): delete outright, as the modal said.
        await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false });
      }
      tree.refresh();
      return true;
    }),
  );
}
