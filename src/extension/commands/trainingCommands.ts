// "Train Feature Extractor" and "Fine-tune": gather choices, run the trainer's `train` job, report back.
import * as vscode from 'vscode';
import type { JobResult } from '../../core/jobs';
import type { JobRunner } from '../jobRunner';
import { trainingConfig } from '../jobSettings';
import { pickBackbone, pickPreparedDataset, pickRun, pickUnfreezePoint } from '../pickers';
import type { SavedModelsView } from '../savedModelsView';
import { trainerConfig } from '../settings';
import type { JobOutcome } from '../trainerClient';
import { offerFoundLearningRate } from './guidanceCommands';

/** Arguments tests and the dashboard pass to skip the QuickPicks. */
export interface TrainArgs {
  dataset?: string; backbone?: string; cut?: string; epochs?: number; maxPerClass?: number;
  /** Set by Guidance recommendations and the LR finder. */
  head?: 'recipe' | 'linear'; augment?: number; dropout?: number; lr?: number;
}
export interface FineTuneArgs { runDir?: string; unfreezeFrom?: string; epochs?: number; lr?: number }

/** `finished` words the whole sentence from the best val_acc, so each mode's is translated as one. */
async function afterTraining(
  outcome: JobOutcome<JobResult<'train'>>, tree: SavedModelsView, finished: (valAcc: string) => string,
): Promise<JobResult<'train'> | undefined> {
  tree.refresh();
  if (outcome.status !== 'done') return undefined;
  const summary = outcome.result;
  const openDashboard = vscode.l10n.t('Open Dashboard');
  const fineTune = vscode.l10n.t('Fine-tune');
  void vscode.window
    .showInformationMessage(finished(summary.best.valAcc.toFixed(3)), openDashboard, fineTune)
    .then((c) => {
      if (c === openDashboard) void vscode.commands.executeCommand('transferLab.showDashboard');
      if (c === fineTune) void vscode.commands.executeCommand('transferLab.fineTune', { runDir: summary.dir });
    });
  return summary;
}

export function registerTrainingCommands(
  context: vscode.ExtensionContext,
  runner: JobRunner,
  tree: SavedModelsView,
): void {
  context.subscriptions.push(
    // Explorer → right-click a Keras .h5/.keras file or a model.json → train a feature extractor on it.
    vscode.commands.registerCommand('transferLab.useAsBackbone', (uri?: vscode.Uri) =>
      uri && vscode.commands.executeCommand('transferLab.trainFeatureExtractor', { backbone: uri.fsPath })),
    vscode.commands.registerCommand('transferLab.trainFeatureExtractor', async (arg?: vscode.Uri | TrainArgs) => {
      const args: TrainArgs = arg instanceof vscode.Uri ? {} : (arg ?? {});
      const dataset = args.dataset ?? (await pickPreparedDataset(arg instanceof vscode.Uri ? arg : undefined));
      if (!dataset) return undefined;
      const backbone = args.backbone
        ? { source: args.backbone, cut: args.cut }
        : await pickBackbone(trainerConfig().backbone);
      if (!backbone) return undefined;
      // Absent settings stay absent (JSON drops undefined), so the trainer's defaults apply.
      const config = {
        ...trainingConfig(context),
        mode: 'feature-extractor' as const,
        dataset,
        backbone: backbone.source,
        cut: backbone.cut,
        ...(args.epochs ? { epochs: args.epochs } : {}),
        ...(args.maxPerClass ? { maxPerClass: args.maxPerClass } : {}),
        head: args.head,
        augment: args.augment,
        dropout: args.dropout,
        lr: args.lr,
      };
      void vscode.commands.executeCommand('transferLab.showDashboard');
      return afterTraining(
        await runner.run({ job: 'train', title: vscode.l10n.t('Train feature extractor'), config }),
        tree,
        (valAcc) => vscode.l10n.t('Transfer Lab: Feature extractor finished, best val_acc {0}.', valAcc),
      );
    }),
    vscode.commands.registerCommand('transferLab.fineTune', async (arg?: FineTuneArgs | { run?: { dir: string } }) => {
      const given = arg && ('runDir' in arg || 'unfreezeFrom' in arg) ? (arg as FineTuneArgs) : {};
      const fromTree = arg && 'run' in arg ? arg.run?.dir : undefined;
      const runDir =
        given.runDir ??
        fromTree ??
        (
          await pickRun(
            (r) => r.status === 'completed' && r.record.mode === 'feature-extractor',
            vscode.l10n.t('Transfer Lab: fine-tune which run?'),
          )
        )?.dir;
      if (!runDir) return undefined;
      const unfreezeFrom = given.unfreezeFrom ?? (await pickUnfreezePoint(runDir));
      if (!unfreezeFrom) return undefined;
      const lr = given.lr ?? (await offerFoundLearningRate(runDir));
      if (lr === null) return undefined;
      const config = {
        ...trainingConfig(context),
        mode: 'fine-tune' as const,
        from: runDir,
        unfreezeFrom,
        ...(given.epochs ? { epochs: given.epochs } : {}),
        ...(lr ? { lr } : {}),
      };
      void vscode.commands.executeCommand('transferLab.showDashboard');
      return afterTraining(
        await runner.run({ job: 'train', title: vscode.l10n.t('Fine-tune from {0}', unfreezeFrom), config }),
        tree,
        (valAcc) => vscode.l10n.t('Transfer Lab: Fine-tuning finished, best val_acc {0}.', valAcc),
      );
    }),
  );
}
