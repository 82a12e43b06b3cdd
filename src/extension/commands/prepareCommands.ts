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
      optional && t.trim() === '' ? undefined : Number.isFinite(Number(t)) ? validate(Number(t)) : 'Enter a number',
  });
  if (text === undefined) return undefined;
  return text.trim() === '' ? null : Number(text);
}

async function askSettings(): Promise<{ val: number; seed: number; maxPerClass?: number } | undefined> {
  const s = trainerConfig();
  const val = await askNumber('Validation fraction (per class)', String(s.validationSplit), (n) =>
    n > 0 && n < 1 ? undefined : 'Between 0 and 1, e.g. 0.2',
  );
  if (val == null) return undefined;
  const cap = await askNumber(
    'Images per class to use (empty: all)',
    '',
    (n) => (Number.isInteger(n) && n > 1 ? undefined : 'A whole number above 1'),
    true,
  );
  if (cap === undefined) return undefined;
  const seed = await askNumber('Seed (the same seed gives the same split)', String(s.seed), (n) =>
    Number.isInteger(n) ? undefined : 'A whole number',
  );
  if (seed == null) return undefined;
  return { val, seed, ...(cap ? { maxPerClass: cap } : {}) };
}

/** Prepare reports an undo only when asked for one, which these commands never do. */
const isUndo = (r: PrepareResult | UndoResult): r is UndoResult => 'undo' in r;

async function showReport(result: PrepareResult): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({
    language: 'markdown',
    content: `# Dataset report: ${result.output}\n\n\`\`\`\n${formatPrepareSummary(result, 200)}\n\`\`\`\n`,
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
        title: 'Preview dataset split',
        config: { ...config, dryRun: true },
        quiet: true,
      });
      if (preview.status !== 'done') return undefined;
      const plan = preview.result;
      if (isUndo(plan)) return undefined;
      if (!given?.yes) {
        const go = await vscode.window.showInformationMessage(
          `Prepare ${plan.images} images into ${plan.output}?`,
          {
            modal: true,
            detail: `${plan.layoutReason}\n\n${countsTable(plan.counts, plan.classes)}\n\nFiles are placed as ${plan.placement === 'link' ? 'hard links (copies across disks)' : plan.placement}; the originals are never moved or changed.`,
          },
          'Prepare',
        );
        if (go !== 'Prepare') return undefined;
      }
      const outcome = await runner.run({ job: 'prepare', title: 'Prepare dataset', config });
      if (outcome.status !== 'done') return undefined;
      const result = outcome.result;
      if (isUndo(result)) return undefined;
      const excluded = result.excluded.length ? `, ${result.excluded.length} excluded` : '';
      void vscode.window
        .showInformationMessage(
          `Transfer Lab: dataset ready in ${result.output}${excluded}.`,
          'Show Report',
          'Train Feature Extractor',
        )
        .then((c) => {
          if (c === 'Show Report') void showReport(result);
          if (c === 'Train Feature Extractor')
            void vscode.commands.executeCommand('transferLab.trainFeatureExtractor', vscode.Uri.file(result.output));
        });
      return result;
    }),
  );
}
