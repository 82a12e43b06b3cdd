// "Compare Runs": from the Saved Models tree (the runs selected there, or every run of a dataset), else a QuickPick
// of saved runs where several can be picked. Tests pass { runDirs }.
import * as vscode from 'vscode';
import { listRuns } from '../runStore';
import { ComparePanel } from './comparePanel';

/** What the command is given: a tree node (a run, or a dataset with its runs), or run folders. */
interface CompareArg { run?: { dir: string }; runs?: { dir: string }[]; runDirs?: string[] }

function runDirsOf(item: CompareArg | undefined, items: readonly CompareArg[] | undefined): string[] {
  const nodes = items?.length ? items : item ? [item] : [];
  const dirs = nodes.flatMap((n) => n.runDirs ?? (n.run ? [n.run.dir] : (n.runs ?? []).map((r) => r.dir)));
  return [...new Set(dirs)];
}

async function pickRuns(preselected: readonly string[]): Promise<string[] | undefined> {
  const runs = await listRuns();
  if (runs.length < 2) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Transfer Lab: Compare Runs needs two saved runs. Train another one first.'));
    return undefined;
  }
  const picks = await vscode.window.showQuickPick(
    runs.map((r) => ({
      label: r.record.id,
      description: `${r.record.mode} · ${r.record.backbone}${r.record.best ? ` · val_acc ${r.record.best.valAcc.toFixed(3)}` : ''}`,
      picked: preselected.includes(r.dir),
      dir: r.dir,
    })),
    {
      title: vscode.l10n.t('Transfer Lab: compare which runs?'), placeHolder: vscode.l10n.t('Pick two or more'), canPickMany: true,
    },
  );
  return picks?.map((p) => p.dir);
}

export function registerCompareCommands(context: vscode.ExtensionContext): void {
  ComparePanel.register(context);
  context.subscriptions.push(
    vscode.commands.registerCommand('transferLab.compareRuns', async (item?: CompareArg, items?: CompareArg[]) => {
      let dirs = runDirsOf(item, items);
      if (dirs.length < 2) dirs = (await pickRuns(dirs)) ?? [];
      if (dirs.length < 2) {
        if (dirs.length === 1) void vscode.window.showInformationMessage(vscode.l10n.t('Transfer Lab: choose two or more runs to compare.'));
        return false;
      }
      await ComparePanel.show(context, dirs);
      return true;
    }),
  );
}
