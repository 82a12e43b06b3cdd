// "Prepare Dataset": choose the folder, the split settings, preview, then write — never touching the originals.
import * as vscode from 'vscode';
import type { PrepareResult, UndoResult } from '../../core/jobs/prepare';
import { countsTable, formatPrepareSummary } from '../../core/preparePreview';
import { chooseLayout, pickWorkspaceDataset } from '../datasetPicks';
import type { JobRunner } from '../jobRunner';
import { trainerConfig } from '../settings';

/** Arguments tests pass to skip the QuickPicks. */
export interface PrepareArgs {
  source: string;
  out?: string;
  val?: number;
  seed?: number;
  maxPerClass?: number;
  trainDev?: number;
  yes?: boolean;
}

async function askNumber(
  title: string,
  value: string,
  validate: (n: number) => string | undefined,
  optional = false,
): Promise<number | null | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    value,
    validateInput: (t) =>
      optional && t.trim() === '' ? undefined : Number.isFinite(Number(t)) ? validate(Number(t)) : vscode.l10n.t('Enter a number'),
  });
  if (text === undefined) return undefined;
  return text.trim() === '' ? null : Number(text);
}

async function askSettings(): Promise<{ val: number; seed: number; maxPerClass?: number } | undefined> {
  const s = trainerConfig();
  const val = await askNumber(vscode.l10n.t('Validation fraction (per class)'), String(s.validationSplit), (n) =>
    n > 0 && n < 1 ? undefined : vscode.l10n.t('Between 0 and 1, e.g. 0.2'),
  );
  if (val == null) return undefined;
  const cap = await askNumber(
    vscode.l10n.t('Images per class to use (empty: all)'),
    '',
    (n) => (Number.isInteger(n) && n > 1 ? undefined : vscode.l10n.t('A whole number above 1')),
    true,
  );
  if (cap === undefined) return undefined;
  const seed = await askNumber(vscode.l10n.t('Seed (the same seed gives the same split)'), String(s.seed), (n) =>
    Number.isInteger(n) ? undefined : vscode.l10n.t('A whole number'),
  );
  if (seed == null) return undefined;
  return { val, seed, ...(cap ? { maxPerClass: cap } : {}) };
}

/** Prepare reports an undo only when asked for one, which these commands never do. */
const isUndo = (r: PrepareResult | UndoResult): r is UndoResult => 'undo' in r;

async function showReport(result: PrepareResult): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({
    language: 'markdown',
    content: `# ${vscode.l10n.t('Dataset report: {0}', result.output)}\n\n\`\`\`\n${formatPrepareSummary(result, 200)}\n\`\`\`\n`,
  });
  await vscode.commands.executeCommand('markdown.showPreview', doc.uri);
}

export function registerPrepareCommands(context: vscode.ExtensionContext, runner: JobRunner): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('transferLab.prepareDataset', async (arg?: vscode.Uri | PrepareArgs) => {
      const given = arg && !(arg instanceof vscode.Uri) ? arg : undefined;
      const source = given?.source ?? (arg instanceof vscode.Uri ? arg.fsPath : await pickWorkspaceDataset());
      if (!source) return undefined;
      const layout = await chooseLayout(source);
      if (!layout) return undefined;
      const settings = given
        ? {
            val: given.val ?? trainerConfig().validationSplit,
            seed: given.seed ?? trainerConfig().seed,
            maxPerClass: given.maxPerClass,
            ...(given.trainDev !== undefined ? { trainDev: given.trainDev } : {}),
          }
        : await askSettings();
      if (!settings) return undefined;
      const config = {
        source,
        ...(given?.out ? { out: given.out } : {}),
        root: layout.root,
        layout: layout.kind,
        ...settings,
      };
      const preview = await runner.run({
        job: 'prepare',
        title: vscode.l10n.t('Preview dataset split'),
        config: { ...config, dryRun: true },
        quiet: true,
      });
      if (preview.status !== 'done') return undefined;
      const plan = preview.result;
      if (isUndo(plan)) return undefined;
      if (!given?.yes) {
        const prepare = vscode.l10n.t('Prepare');
        const placement = plan.placement === 'link'
          ? vscode.l10n.t('Files are placed as hard links (copies across disks); the originals are never moved or changed.')
          : vscode.l10n.t('Files are placed as {0}; the originals are never moved or changed.', plan.placement);
        const go = await vscode.window.showInformationMessage(
          vscode.l10n.t('Prepare {0} images into {1}?', plan.images, plan.output),
          { modal: true, detail: `${plan.layoutReason}\n\n${countsTable(plan.counts, plan.classes)}\n\n${placement}` },
          prepare,
        );
        if (go !== prepare) return undefined;
      }
      const outcome = await runner.run({ job: 'prepare', title: vscode.l10n.t('Prepare dataset'), config });
      if (outcome.status !== 'done') return undefined;
      const result = outcome.result;
      if (isUndo(result)) return undefined;
      const message = result.excluded.length
        ? vscode.l10n.t('Transfer Lab: dataset ready in {0}, {1} excluded.', result.output, result.excluded.length)
        : vscode.l10n.t('Transfer Lab: dataset ready in {0}.', result.output);
      const showReportLabel = vscode.l10n.t('Show Report');
      const trainLabel = vscode.l10n.t('Train Feature Extractor');
      void vscode.window
        .showInformationMessage(message, showReportLabel, trainLabel)
        .then((c) => {
          if (c === showReportLabel) void showReport(result);
          if (c === trainLabel)
            void vscode.commands.executeCommand('transferLab.trainFeatureExtractor', vscode.Uri.file(result.output));
        });
      return result;
    }),
  );
}
