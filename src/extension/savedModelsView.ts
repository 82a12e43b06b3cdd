// The "Saved Models" tree: runs grouped by dataset, each with a status icon, mode, backbone and best val_acc.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunStatus } from '../core/runRecord';
import { findWorkspaceDatasets } from './datasetPicks';
import { listRuns, RUNS_GLOB, type SavedRun } from './runStore';

type Node = { kind: 'dataset'; name: string; runs: SavedRun[] } | { kind: 'run'; run: SavedRun };

const STATUS_ICONS: Record<RunStatus, vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('loading~spin'),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  cancelled: new vscode.ThemeIcon('circle-slash'),
};

export class SavedModelsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  static readonly viewId = 'transferLab.savedModels';
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watcher = vscode.workspace.createFileSystemWatcher(RUNS_GLOB);
  private lastRuns: SavedRun[] = [];
  tree: vscode.TreeView<Node> | undefined;

  static register(context: vscode.ExtensionContext): SavedModelsView {
    const view = new SavedModelsView();
    const tree = vscode.window.createTreeView(SavedModelsView.viewId, {
      treeDataProvider: view,
      showCollapseAll: true,
      // Several runs selected together are what Compare Runs compares.
      canSelectMany: true,
    });
    view.tree = tree;
    context.subscriptions.push(
      view,
      tree,
      vscode.commands.registerCommand('transferLab.refreshSavedModels', () => view.refresh()),
    );
    return view;
  }

  private constructor() {
    for (const e of [this.watcher.onDidChange, this.watcher.onDidCreate, this.watcher.onDidDelete])
      e(() => this.refresh());
  }

  /** The runs the tree showed last: tests read the tree through this. */
  get runs(): readonly SavedRun[] {
    return this.lastRuns;
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node?.kind === 'dataset') return node.runs.map((run) => ({ kind: 'run', run }));
    if (node) return [];
    this.lastRuns = await listRuns();
    if (this.lastRuns.length === 0) void this.suggestDataset();
    else if (this.tree) this.tree.message = undefined;
    const byDataset = new Map<string, SavedRun[]>();
    for (const run of this.lastRuns) {
      const key = run.record.dataset;
      byDataset.set(key, [...(byDataset.get(key) ?? []), run]);
    }
    return [...byDataset].map(([name, runs]) => ({ kind: 'dataset', name, runs }));
  }

  /** With nothing trained yet, name the best dataset candidate above the welcome content. */
  private async suggestDataset(): Promise<void> {
    const [best] = await findWorkspaceDatasets().catch(() => []);
    if (this.tree)
      this.tree.message = best
        ? vscode.l10n.t('Found {0}: {1} images ({2}).', vscode.workspace.asRelativePath(best.path), best.imageCount, best.kind)
        : undefined;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'dataset') {
      const item = new vscode.TreeItem(path.basename(node.name), vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = new vscode.ThemeIcon('folder-library');
      item.tooltip = node.name;
      item.contextValue = 'dataset';
      return item;
    }
    const { record, status } = node.run;
    const item = new vscode.TreeItem(record.id, vscode.TreeItemCollapsibleState.None);
    const acc = record.best ? ` · val_acc ${record.best.valAcc.toFixed(3)}` : '';
    item.description = `${status} · ${record.mode} · ${record.backbone}${acc}`;
    item.iconPath = STATUS_ICONS[status];
    item.contextValue = `run.${status}.${record.mode}`;
    item.resourceUri = vscode.Uri.file(node.run.dir);
    const tooltip = new vscode.MarkdownString(`**${record.id}** (${status})\n\n`);
    tooltip.appendCodeblock(JSON.stringify(record.config, null, 2), 'json');
    item.tooltip = tooltip;
    return item;
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }
}
