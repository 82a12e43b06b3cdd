// "Evaluate" and "Predict Test Folder", from the palette or a saved run's context menu.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DashboardPanel } from '../dashboardPanel';
import type { JobRunner } from '../jobRunner';
import { RUN_FILES } from '../../core/runFiles';
import { parseRunRecord } from '../../core/runRecord';
import { runDirOf, type RunArg } from '../pickers';
import type { SavedRun } from '../runStore';
import type { SavedModelsView } from '../savedModelsView';
import { engineConfig, ttaConfig } from '../jobSettings';

const completed = (r: SavedRun) => r.status === 'completed';

/** The prepared dataset's test/ folder, the default for Predict. */
async function defaultTestFolder(runDir: string): Promise<string | undefined> {
  try {
    const run = parseRunRecord(JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.record), 'utf8')));
    const test = path.join(run.dataset, 'test');
    await fs.access(test);
    return test;
  } catch {
    return undefined;
  }
}

export function registerEvaluateCommands(
  context: vscode.ExtensionContext,
  runner: JobRunner,
  tree: SavedModelsView,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('transferLab.evaluate', async (arg?: RunArg) => {
      const runDir = await runDirOf(arg, vscode.l10n.t('Transfer Lab: evaluate which run?'), completed);
      if (!runDir) return undefined;
      const outcome = await runner.run({ job: 'evaluate', title: vscode.l10n.t('Evaluate'), config: { runDir, ...engineConfig(), ...ttaConfig() } });
      tree.refresh();
      if (outcome.status !== 'done') return undefined;
      const r = outcome.result;
      const [accuracy, logLoss] = [r.accuracy.toFixed(3), r.logLoss.toFixed(4)];
      const message = r.auc === undefined
        ? vscode.l10n.t('Transfer Lab: accuracy {0}, log loss {1} on {2} validation images.', accuracy, logLoss, r.count)
        : vscode.l10n.t('Transfer Lab: accuracy {0}, log loss {1}, AUC {2} on {3} validation images.',
          accuracy, logLoss, r.auc.toFixed(3), r.count);
      const showInDashboard = vscode.l10n.t('Show in Dashboard');
      const openReport = vscode.l10n.t('Open Report');
      void vscode.window
        .showInformationMessage(message, showInDashboard, openReport)
        .then((c) => {
          if (c === showInDashboard) DashboardPanel.showTab(context, runner, 'evaluation');
          const report = vscode.Uri.file(path.join(runDir, RUN_FILES.evaluation));
          if (c === openReport) void vscode.commands.executeCommand('vscode.open', report);
        });
      return outcome.result;
    }),
    vscode.commands.registerCommand('transferLab.predictTestFolder', async (arg?: RunArg & { images?: string }) => {
      const runDir = await runDirOf(arg, vscode.l10n.t('Transfer Lab: predict with which run?'), completed);
      if (!runDir) return undefined;
      let images = arg?.images ?? (await defaultTestFolder(runDir));
      if (!images) {
        const picked = await vscode.window.showOpenDialog({
          canSelectFolders: true,
          canSelectFiles: false,
          openLabel: vscode.l10n.t('Predict these images'),
        });
        images = picked?.[0]?.fsPath;
      }
      if (!images) return undefined;
      const outcome = await runner.run({ job: 'predict', title: vscode.l10n.t('Predict test folder'), config: { runDir, images, ...engineConfig(), ...ttaConfig() } });
      tree.refresh();
      if (outcome.status !== 'done') return undefined;
      const r = outcome.result;
      // Whole sentences, each translated on its own, joined as the English reads.
      const sentences = [vscode.l10n.t('Transfer Lab: {0} predictions written to {1}.', r.rows, path.basename(r.out))];
      if (r.positive) sentences.push(vscode.l10n.t('label = P({0}).', r.positive));
      if (r.skipped.length) sentences.push(vscode.l10n.t('{0} files skipped (see the log).', r.skipped.length));
      const openCsv = vscode.l10n.t('Open CSV');
      const showGrid = vscode.l10n.t('Show Grid');
      void vscode.window
        .showInformationMessage(sentences.join(' '), openCsv, showGrid)
        .then((c) => {
          if (c === openCsv) void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(r.out));
          if (c === showGrid) DashboardPanel.showTab(context, runner, 'predictions');
        });
      return outcome.result;
    }),
  );
}
