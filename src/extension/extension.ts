// Transfer Lab's entry point: one line per feature, every disposable owned by the context.
import * as vscode from 'vscode';
import { registerEngineCommands } from './commands/engineCommands';
import { registerEvaluateCommands } from './commands/evaluateCommands';
import { registerExportCommands } from './commands/exportCommands';
import { registerGuidanceCommands } from './commands/guidanceCommands';
import { registerPrepareCommands } from './commands/prepareCommands';
import { registerTrainingCommands } from './commands/trainingCommands';
import { DashboardPanel, type DashboardObserver } from './dashboardPanel';
import { JobRunner } from './jobRunner';
import { registerPredictionPreview } from './predictionPreview/predictionPreview';
import { registerLog } from './log';
import { registerRunCommands } from './commands/runCommands';
import { registerCompareCommands } from './compare/compareCommand';
import { SavedModelsView } from './savedModelsView';
import { thumbnailDir } from './workspacePaths';

export interface TransferLabApi {
  runner: JobRunner;
  savedModels: SavedModelsView;
  dashboard(): DashboardPanel | undefined;
  /** Sees the dashboard's messages until disposed (tests; the extension itself keeps no copy of them). */
  observeDashboard(observer: DashboardObserver): vscode.Disposable;
}

export function activate(context: vscode.ExtensionContext): TransferLabApi {
  registerLog(context);
  const runner = new JobRunner(context.asAbsolutePath('dist/trainer.js'), () => ({}), () => {
    const thumbs = thumbnailDir();
    return thumbs ? { thumbnailDir: thumbs } : {};
  });
  context.subscriptions.push(runner);
  const savedModels = SavedModelsView.register(context);
  DashboardPanel.register(context, runner);
  context.subscriptions.push(
    vscode.commands.registerCommand('transferLab.showDashboard', () => DashboardPanel.show(context, runner)));
  registerEngineCommands(context, runner);
  registerPrepareCommands(context, runner);
  registerTrainingCommands(context, runner, savedModels);
  registerEvaluateCommands(context, runner, savedModels);
  registerExportCommands(context, runner, savedModels);
  registerGuidanceCommands(context, runner);
  registerRunCommands(context, runner, savedModels);
  registerPredictionPreview(context);
  registerCompareCommands(context);
  return {
    runner, savedModels, dashboard: () => DashboardPanel.instance, observeDashboard: (o) => DashboardPanel.observe(o),
  };
}

export function deactivate(): void {}
