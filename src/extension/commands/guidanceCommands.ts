// "Diagnose (Learning Curve)", "Advise Strategy" and "Find Learning Rate": gather choices, run the trainer's
// guidance jobs (their curve, advice and sweep stream to the dashboard), and offer the next step.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_DESIRED_ERROR, parseErrorRate } from '../../core/jobs/learningCurve';
import type { GuidanceEvent } from '../../core/protocol';
import { RUN_FILES } from '../../core/runFiles';
import type { JobRunner } from '../jobRunner';
import { baseConfig } from '../jobSettings';
import { pickBackbone, pickPreparedDataset, pickRun } from '../pickers';
import { trainerConfig } from '../settings';
import { labDir } from '../workspacePaths';

/** Arguments the dashboard's buttons and tests pass to skip the pickers. */
export interface LearningCurveArgs {
  dataset?: string;
  backbone?: string;
  cut?: string;
  head?: string;
  desiredError?: number;
  sizes?: string;
  repeats?: number;
  maxPerClass?: number;
}
export interface AdviseArgs { dataset?: string; backbone?: string; cut?: string }
export interface LrFindArgs {
  dataset?: string;
  backbone?: string;
  cut?: string;
  head?: string;
  runDir?: string;
  unfreezeFrom?: string;
}

type Advice = Omit<GuidanceEvent, 'type'>;

/** The desired error from the setting; on first use, asked for (with a default offered) and stored in the workspace. */
export async function desiredError(): Promise<number | undefined> {
  const settings = vscode.workspace.getConfiguration('transferLab');
  const stored = settings.get<number | null>('desiredError', null);
  if (typeof stored === 'number') return stored;
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('Transfer Lab: desired error'),
    value: String(DEFAULT_DESIRED_ERROR),
    prompt: vscode.l10n.t(
      'The error rate you would accept, e.g. 0.05 (5% wrong). The learning curve draws it as a line and diagnoses against it; change it later in the setting {0}.',
      'transferLab.desiredError'),
    validateInput: (t) =>
      (parseErrorRate(t) === undefined ? vscode.l10n.t('A rate from 0 up to 1, such as 0.05 or 5%') : undefined),
  });
  const rate = text === undefined ? undefined : parseErrorRate(text);
  if (rate === undefined) return undefined;
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await settings.update('desiredError', rate, target);
  return rate;
}

/** The LR finder's suggestion for a run, offered as the value to confirm; undefined when it has none, null on cancel. */
export async function offerFoundLearningRate(runDir: string): Promise<number | null | undefined> {
  let found: { suggestion?: unknown; unfreezeFrom?: unknown; createdAt?: unknown };
  try {
    found = JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.lrFind), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof found.suggestion !== 'number') return undefined;
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('Transfer Lab: fine-tuning learning rate'),
    value: found.suggestion.toPrecision(2),
    prompt: typeof found.unfreezeFrom === 'string'
      ? vscode.l10n.t("The LR finder suggested this (unfreezing from {0}); the recipe's default is {1}.", found.unfreezeFrom, '1e-4')
      : vscode.l10n.t("The LR finder suggested this; the recipe's default is {0}.", '1e-4'),
    validateInput: (t) =>
      (Number(t) > 0 && Number(t) < 10 ? undefined : vscode.l10n.t('A positive learning rate, such as {0}', '1e-4')),
  });
  return text === undefined ? null : Number(text);
}

/** `summary` is the whole first sentence, translated by the caller; the advice's own words come from src/core. */
async function reportAdvice(summary: string, advice: Advice): Promise<void> {
  const first = advice.recommendations[0];
  const openDashboard = vscode.l10n.t('Open Dashboard');
  const choice = await vscode.window.showInformationMessage(
    first ? `${summary} ${vscode.l10n.t('Next: {0}.', first.title)}` : summary,
    openDashboard,
    ...(first?.command ? [first.title] : []),
  );
  if (choice === openDashboard) await vscode.commands.executeCommand('transferLab.showDashboard');
  else if (choice && first?.command) await vscode.commands.executeCommand(first.command, first.args);
}

async function datasetAndBackbone(arg: vscode.Uri | { dataset?: string; backbone?: string; cut?: string } | undefined) {
  const args = arg instanceof vscode.Uri ? {} : arg ?? {};
  const dataset = args.dataset ?? (await pickPreparedDataset(arg instanceof vscode.Uri ? arg : undefined));
  if (!dataset) return undefined;
  const backbone = args.backbone
    ? { source: args.backbone, cut: args.cut }
    : await pickBackbone(trainerConfig().backbone);
  return backbone && { dataset, backbone: backbone.source, ...(backbone.cut ? { cut: backbone.cut } : {}) };
}

export function registerGuidanceCommands(context: vscode.ExtensionContext, runner: JobRunner): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('transferLab.learningCurve', async (arg?: vscode.Uri | LearningCurveArgs) => {
      const args: LearningCurveArgs = arg instanceof vscode.Uri ? {} : arg ?? {};
      const picked = await datasetAndBackbone(arg);
      const target = picked && (args.desiredError ?? (await desiredError()));
      if (!picked || target === undefined) return undefined;
      const { head, sizes, repeats, maxPerClass } = args;
      const config = {
        ...baseConfig(context),
        ...picked,
        desiredError: target,
        out: path.join(labDir(), 'guidance', 'learning-curve.json'),
        ...Object.fromEntries(Object.entries({ head, sizes, repeats, maxPerClass }).filter(([, v]) => v !== undefined)),
      };
      void vscode.commands.executeCommand('transferLab.showDashboard');
      const outcome = await runner.run({ job: 'learning-curve', title: vscode.l10n.t('Learning curve'), config });
      if (outcome.status !== 'done') return undefined;
      const result = outcome.result;
      void reportAdvice(vscode.l10n.t('Transfer Lab: learning curve: {0}.', result.diagnosis.label), result.diagnosis);
      return result;
    }),
    vscode.commands.registerCommand('transferLab.advise', async (arg?: vscode.Uri | AdviseArgs) => {
      const picked = await datasetAndBackbone(arg);
      if (!picked) return undefined;
      void vscode.commands.executeCommand('transferLab.showDashboard');
      const outcome = await runner.run({
        job: 'advise',
        title: vscode.l10n.t('Advise strategy'),
        config: { ...baseConfig(context), ...picked },
      });
      if (outcome.status !== 'done') return undefined;
      const result = outcome.result;
      void reportAdvice(vscode.l10n.t('Transfer Lab: strategy: {0}.', result.advice.label), result.advice);
      return result;
    }),
    vscode.commands.registerCommand('transferLab.lrFind', async (arg?: LrFindArgs | { run?: { dir: string } }) => {
      const fromTree = arg && 'run' in arg ? arg.run?.dir : undefined;
      const given: LrFindArgs = fromTree ? { runDir: fromTree } : (arg as LrFindArgs | undefined) ?? {};
      const target = given.runDir || given.dataset ? given : await chooseSweep(given);
      if (!target) return undefined;
      const picked = target.runDir ? { from: target.runDir } : await datasetAndBackbone(target);
      if (!picked) return undefined;
      const extra = Object.fromEntries(
        Object.entries({ unfreezeFrom: target.unfreezeFrom, head: target.head }).filter(([, v]) => v !== undefined),
      );
      void vscode.commands.executeCommand('transferLab.showDashboard');
      const outcome = await runner.run({
        job: 'lr-find',
        title: vscode.l10n.t('Find learning rate'),
        config: { ...baseConfig(context), ...picked, ...extra },
      });
      if (outcome.status !== 'done') return undefined;
      const r = outcome.result;
      const fineTuneWithIt = vscode.l10n.t('Fine-tune with it');
      const trainWithIt = vscode.l10n.t('Train with it');
      const openDashboard = vscode.l10n.t('Open Dashboard');
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t('Transfer Lab: suggested learning rate {0}.', r.suggestion.toPrecision(2)),
        target.runDir ? fineTuneWithIt : trainWithIt,
        openDashboard,
      );
      if (choice === openDashboard) void vscode.commands.executeCommand('transferLab.showDashboard');
      if (choice === fineTuneWithIt)
        void vscode.commands.executeCommand('transferLab.fineTune', {
          runDir: target.runDir,
          unfreezeFrom: r.unfreezeFrom,
          lr: r.suggestion,
        });
      if (choice === trainWithIt)
        void vscode.commands.executeCommand('transferLab.trainFeatureExtractor', { ...picked, lr: r.suggestion });
      return r;
    }),
  );
}

/** A new head on a dataset, or the unfrozen top of a saved feature-extractor run (for fine-tuning). */
async function chooseSweep(given: LrFindArgs): Promise<LrFindArgs | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      {
        label: vscode.l10n.t('A new head'),
        detail: vscode.l10n.t('Sweep Adam on a fresh classifier head over a prepared dataset (feature extraction)'),
        fineTune: false,
      },
      {
        label: vscode.l10n.t('Fine-tuning a saved run'),
        detail: vscode.l10n.t("Sweep SGD on a run's unfrozen top block; Fine-tune then offers the suggestion"),
        fineTune: true,
      },
    ],
    { title: vscode.l10n.t('Transfer Lab: find a learning rate for…') },
  );
  if (!pick) return undefined;
  if (!pick.fineTune) return given;
  const run = await pickRun(
    (r) => r.status === 'completed' && r.record.mode === 'feature-extractor',
    vscode.l10n.t('Transfer Lab: sweep the top of which run?'),
  );
  return run && { ...given, runDir: run.dir };
}
