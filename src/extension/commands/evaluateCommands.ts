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
      const runDir = await runDirOf(arg, 'Transfer Lab: evaluate which run?', completed);
      if (!runDir) return undefined;
      const outcome = await runner.run({ job: 'evaluate', title: 'Evaluate', config: { runDir, ...engineConfig(), ...ttaConfig() } });
      tree.refresh();
      if (outcome.status !== 'done') return undefined;
      const r = outcome.result;
      const auc = r.auc === undefined ? '' : `, AUC ${r.auc.toFixed(3)}`;
      void vscode.window
        .showInformationMessage(
          `Transfer Lab: accuracy ${r.accuracy.toFixed(3)}, log loss ${r.logLoss.toFixed(4)}${auc} on ${r.count} validation images.`,
          'Show in Dashboard',
          'Open Report',
        )
        .then((c) => {
          if (c === 'Show in Dashboard') DashboardPanel.showTab(context, runner, 'evaluation');
          const report = vscode.Uri.file(path.join(runDir, RUN_FILES.evaluation));
          if (c === 'Open Report') void vscode.commands.executeCommand('vscode.open', report);
        });
      return outcome.result;
    }),
    vscode.commands.registerCommand('transferLab.predictTestFolder', async (arg?: RunArg & { images?: string }) => {
      const runDir = await runDirOf(arg, 'Transfer Lab: predict with which run?', completed);
      if (!runDir) return undefined;
      let images = arg?.images ?? (await defaultTestFolder(runDir));
      if (!images) {
        const picked = await vscode.window.showOpenDialog({
          canSelectFolders: true,
          canSelectFiles: false,
          openLabel: 'Predict these images',
        });
        images = picked?.[0]?.fsPath;
      }
      if (!images) return undefined;
      const outcome = await runner.run({ job: 'predict', title: 'Predict test folder', config: { runDir, images, ...engineConfig(), ...ttaConfig() } });
      tree.refresh();
      if (outcome.status !== 'done') return undefined;
      const r = outcome.result;
      const skipped = r.skipped.length ? ` ${r.skipped.length} files skipped (see the log).` : '';
      const positive = r.positive ? ` label = P(${r.positive}).` : '';
      void vscode.window
        .showInformationMessage(
          `Transfer Lab: ${r.rows} predictions written to ${path.basename(r.out)}.${positive}${skipped}`,
          'Open CSV',
          'Show Grid',
        )
        .then((c) => {
          if (c === 'Open CSV') void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(r.out));
          if (c === 'Show Grid') DashboardPanel.showTab(context, runner, 'predictions');
        });
      return outcome.result;
    }),
  );
}
