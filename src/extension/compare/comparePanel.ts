// The Compare Runs panel: the chosen runs' learning curves overlaid and their settings and results side by side.
// It sends the comparison after the webview says `ready` (a hidden webview is torn down and says it again), and
// keeps the run folders in the webview's state so a reloaded window shows the same comparison.
import * as vscode from 'vscode';
import { parseCompareMessage, type HostToCompare } from '../../core/compareProtocol';
import { logChannel } from '../log';
import { webviewHtml } from '../webviewHtml';
import { readComparison } from './readComparison';

export const COMPARE_VIEW_TYPE = 'transferLab.compare';

export class ComparePanel implements vscode.Disposable {
  private static current: ComparePanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private message: HostToCompare | undefined;

  /** Opens the panel (or reuses the open one) on these runs. */
  static async show(context: vscode.ExtensionContext, runDirs: readonly string[]): Promise<ComparePanel> {
    let compare = ComparePanel.current;
    if (compare) compare.panel.reveal();
    else {
      const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, vscode.l10n.t('Compare Runs'), vscode.ViewColumn.Active,
        ComparePanel.options(context));
      compare = ComparePanel.current = new ComparePanel(panel, context);
    }
    await compare.load(runDirs);
    return compare;
  }

  static get instance(): ComparePanel | undefined {
    return ComparePanel.current;
  }

  static register(context: vscode.ExtensionContext): void {
    context.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, {
        async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
          panel.webview.options = ComparePanel.options(context);
          const compare = ComparePanel.current = new ComparePanel(panel, context);
          const runDirs = (state as { runDirs?: unknown } | undefined)?.runDirs;
          if (Array.isArray(runDirs) && runDirs.every((d) => typeof d === 'string')) await compare.load(runDirs);
        },
      }),
    );
  }

  private static options(context: vscode.ExtensionContext): vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'media')] };
  }

  private constructor(readonly panel: vscode.WebviewPanel, context: vscode.ExtensionContext) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, { bundle: 'compare', title: 'Compare Runs', images: false });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.webview.onDidReceiveMessage((raw) => this.onMessage(raw)),
    );
  }

  /** What the panel shows now (integration tests read it). */
  get shown(): HostToCompare | undefined {
    return this.message;
  }

  private async load(runDirs: readonly string[]): Promise<void> {
    const { comparison, problems } = await readComparison(runDirs);
    for (const p of problems) logChannel().warn(`Compare Runs: ${p}`);
    if (problems.length) {
      void vscode.window.showWarningMessage(problems.length === 1
        ? vscode.l10n.t('Transfer Lab: {0}.', problems[0])
        : vscode.l10n.t('Transfer Lab: {0} files could not be read; the log names them.', problems.length));
    }
    this.panel.title = vscode.l10n.t('Compare Runs ({0})', comparison.runs.length);
    this.message = { type: 'comparison', comparison, problems };
    this.send();
  }

  private send(): void {
    if (this.ready && this.message) void this.panel.webview.postMessage(this.message);
  }

  private onMessage(raw: unknown): void {
    const parsed = parseCompareMessage(raw);
    if (!parsed.ok) {
      logChannel().warn(`Compare Runs sent a malformed message: ${parsed.error}`);
      return;
    }
    const message = parsed.value;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.send();
        return;
      case 'openRun':
        // Only a run this panel shows: the webview is less trusted than the extension.
        if (this.message?.comparison.runs.some((r) => r.dir === message.runDir))
          void vscode.commands.executeCommand('transferLab.openRunInDashboard', { runDir: message.runDir });
        return;
    }
  }

  dispose(): void {
    if (ComparePanel.current === this) ComparePanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
