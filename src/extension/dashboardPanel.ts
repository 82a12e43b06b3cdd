// The dashboard webview panel. It replays the current job's buffered events after the webview says `ready`,
// so a dashboard opened mid-training, or shown again after being hidden, catches up.
import * as vscode from 'vscode';
import { mapThumbnails } from '../core/eventImages';
import {
  parseWebviewMessage, type DashboardTab, type HostToWebview, type TrainerEvent, type WebviewToHost,
} from '../core/protocol';
import { webviewHtml } from './webviewHtml';
import type { JobRunner } from './jobRunner';
import { runReplay } from './runReplay';
import { logChannel } from './log';
import { thumbnailDir } from './workspacePaths';
import { DashboardCleaner } from './cleaner/dashboardCleaner';

export const DASHBOARD_VIEW_TYPE = 'transferLab.dashboard';

/**
 * Sees the messages of whichever dashboard panel is open, as they pass: the integration tests check the webview's
 * message path and what the dashboard was shown through one. Nothing is kept for an observer that is not there.
 */
export interface DashboardObserver {
  received?(message: WebviewToHost): void;
  sent?(message: HostToWebview): void;
}

export class DashboardPanel implements vscode.Disposable {
  private static current: DashboardPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private static readonly observers = new Set<DashboardObserver>();
  private ready = false;
  private pendingTab: DashboardTab | undefined;
  private readonly cleaner: DashboardCleaner;

  static show(context: vscode.ExtensionContext, runner: JobRunner): DashboardPanel {
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal();
      return DashboardPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Transfer Lab', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: DashboardPanel.resourceRoots(context),
    });
    DashboardPanel.current = new DashboardPanel(panel, context, runner);
    return DashboardPanel.current;
  }

  static get instance(): DashboardPanel | undefined {
    return DashboardPanel.current;
  }

  /** Observes every panel, this one and any opened later, until the returned disposable is disposed. */
  static observe(observer: DashboardObserver): vscode.Disposable {
    DashboardPanel.observers.add(observer);
    return new vscode.Disposable(() => DashboardPanel.observers.delete(observer));
  }

  static register(context: vscode.ExtensionContext, runner: JobRunner): void {
    context.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
        async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
          panel.webview.options = { enableScripts: true, localResourceRoots: DashboardPanel.resourceRoots(context) };
          DashboardPanel.current = new DashboardPanel(panel, context, runner);
          // A reloaded window starts with an empty buffer: bring back the run the dashboard last showed.
          const runDir = (state as { runDir?: unknown } | undefined)?.runDir;
          if (typeof runDir === 'string' && !runner.buffer.snapshot().length) await restoreRun(runner, runDir);
        },
      }),
    );
  }

  /** The extension's media, the workspace (datasets and runs) and the thumbnail cache, wherever it was put. */
  private static resourceRoots(context: vscode.ExtensionContext): vscode.Uri[] {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri);
    const roots = [vscode.Uri.joinPath(context.extensionUri, 'media'), ...folders];
    const thumbs = thumbnailDir();
    if (thumbs) roots.push(vscode.Uri.file(thumbs));
    return roots;
  }

  /** Opens (or reveals) the dashboard with a tab in front. */
  static showTab(context: vscode.ExtensionContext, runner: JobRunner, tab: DashboardTab): DashboardPanel {
    const dashboard = DashboardPanel.show(context, runner);
    dashboard.pendingTab = tab;
    if (dashboard.ready) dashboard.flushTab();
    return dashboard;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel, context: vscode.ExtensionContext, private readonly runner: JobRunner,
  ) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, { bundle: 'dashboard', title: 'Transfer Lab', images: true });
    this.cleaner = DashboardCleaner.for(context, runner);
    this.cleaner.attach((message) => this.post(message));
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      // A hidden webview is torn down (no retainContextWhenHidden); it says `ready` again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.webview.onDidReceiveMessage((raw) => this.onMessage(raw)),
      runner.onReset((title) => this.post({ type: 'reset', title })),
      runner.onEvent((event) => {
        this.post({ type: 'event', event: this.forWebview(event) });
        this.cleaner.follow(event);
      }),
    );
  }

  get isReady(): boolean {
    return this.ready;
  }

  private post(message: HostToWebview): void {
    if (!this.ready) return;
    for (const o of DashboardPanel.observers) o.sent?.(message);
    void this.panel.webview.postMessage(message);
  }

  /** Thumbnail paths become webview URIs; the webview never gets a path it cannot load. */
  private forWebview(event: TrainerEvent): TrainerEvent {
    return mapThumbnails(event, (file) => this.panel.webview.asWebviewUri(vscode.Uri.file(file)).toString());
  }

  private replay(): void {
    this.post({ type: 'reset', title: this.runner.buffer.currentTitle });
    for (const event of this.runner.buffer.snapshot()) this.post({ type: 'event', event: this.forWebview(event) });
    this.flushTab();
    // The pending marks of the run on screen, kept by the host: a dashboard opened again shows them.
    this.cleaner.send();
    for (const event of this.runner.buffer.snapshot()) this.cleaner.follow(event);
  }

  private flushTab(): void {
    if (!this.pendingTab) return;
    this.post({ type: 'showTab', tab: this.pendingTab });
    this.pendingTab = undefined;
  }

  /** Handles a message exactly as if the webview had posted it (integration tests drive the UI intents here). */
  simulateMessage(raw: unknown): void {
    this.onMessage(raw);
  }

  private onMessage(raw: unknown): void {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      logChannel().warn(`dashboard sent a malformed message: ${parsed.error}`);
      return;
    }
    const message = parsed.value;
    for (const o of DashboardPanel.observers) o.received?.(message);
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.replay();
        return;
      case 'cancel':
        void vscode.commands.executeCommand('transferLab.cancelTraining');
        return;
      case 'openFile':
        void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(message.path));
        return;
      case 'startFineTune':
        void vscode.commands.executeCommand('transferLab.fineTune',
          { runDir: message.runDir, unfreezeFrom: message.unfreezeFrom });
        return;
      case 'runCommand':
        // The webview is less trusted than the extension: it may only start Transfer Lab's own commands.
        if (!message.command.startsWith('transferLab.')) {
          logChannel().warn(`dashboard asked to run ${message.command}; only Transfer Lab commands are allowed`);
          return;
        }
        void vscode.commands.executeCommand(message.command, message.args);
        return;
      case 'cleaner':
        void this.cleaner.handle(message.intent);
        return;
    }
  }

  dispose(): void {
    if (DashboardPanel.current === this) {
      DashboardPanel.current = undefined;
      this.cleaner.attach(undefined);
    }
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Replays a saved run into the dashboard; a run deleted since is simply not restored. */
async function restoreRun(runner: JobRunner, runDir: string): Promise<void> {
  try {
    const replay = await runReplay(runDir);
    runner.display(replay.title, replay.events);
  } catch (e) {
    logChannel().info(`the dashboard did not restore ${runDir}: ${(e as Error).message}`);
  }
}
