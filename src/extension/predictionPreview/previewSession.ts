// One open prediction preview (the custom editor on an image, or a Classify grid): it lists the runs, classifies
// with the chosen one through the explain job, sends the webview each new state after it says `ready`, and
// classifies again when an image changes on disk or the runs change. What is shown lives in PreviewModel (core).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PreviewModel } from '../../core/previewModel';
import { parsePreviewMessage, type HostToPreview } from '../../core/previewProtocol';
import { runChoices } from '../../core/runChoice';
import { logChannel } from '../log';
import { listRuns, RUNS_GLOB } from '../runStore';
import type { TrainerJob } from '../trainerClient';
import { explainConfig, OVERLAY_SIZE, overlayDir, startExplain } from './explainJob';
import { webviewHtml } from '../webviewHtml';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'] as const;
export const isImageFile = (file: string) => (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(file).toLowerCase());

/** What every preview needs from the extension. */
export interface PreviewHost {
  extensionUri: vscode.Uri;
  trainerPath: string;
  /** Where overlays go (a folder per run below it). */
  cacheDir: string;
}

/** A file saved in several writes (an editor, a sync client) changes several times in a row: classify once. */
const CHANGE_DEBOUNCE_MS = 400;
/** Progress can come per image; the webview needs a few updates a second, not hundreds. */
const PROGRESS_INTERVAL_MS = 250;

export class PreviewSession implements vscode.Disposable {
  private readonly model: PreviewModel;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private job: TrainerJob<'explain'> | undefined;
  /** Counts classifications: a result from an older one is dropped, and image URIs carry it to load afresh. */
  private generation = 0;
  private changeTimer: NodeJS.Timeout | undefined;
  private lastProgress = 0;
  private disposed = false;

  /** `targets` are absolute paths: one image (single), or images and folders (grid). */
  constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly host: PreviewHost,
    private readonly mode: 'single' | 'grid',
    private readonly targets: string[],
    title: string,
  ) {
    const uri = (file: string) => panel.webview.asWebviewUri(vscode.Uri.file(file)).with({ query: `v=${this.generation}` }).toString();
    this.model = new PreviewModel(mode, title, targets, { image: uri, overlay: uri });
    panel.webview.options = { enableScripts: true, localResourceRoots: this.resourceRoots() };
    panel.webview.html = webviewHtml(panel.webview, host.extensionUri, { bundle: 'preview', title, images: true });
    panel.iconPath = vscode.Uri.joinPath(host.extensionUri, 'media', 'icon.svg');
    const runsWatcher = vscode.workspace.createFileSystemWatcher(RUNS_GLOB);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => this.onMessage(raw)),
      // A hidden webview is torn down (no retainContextWhenHidden); it says `ready` again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => this.dispose()),
      runsWatcher,
      runsWatcher.onDidChange(() => void this.loadRuns()),
      runsWatcher.onDidCreate(() => void this.loadRuns()),
      runsWatcher.onDidDelete(() => void this.loadRuns()),
      ...this.watchImages(),
    );
    void this.loadRuns();
  }

  /** The extension's media, the overlay cache, and the folders the images are in (or are). */
  private resourceRoots(): vscode.Uri[] {
    const folders = this.targets.map((t) => (isImageFile(t) ? path.dirname(t) : t));
    return [
      vscode.Uri.joinPath(this.host.extensionUri, 'media'),
      vscode.Uri.file(this.host.cacheDir),
      ...[...new Set(folders)].map((f) => vscode.Uri.file(f)),
    ];
  }

  private watchImages(): vscode.Disposable[] {
    const watchers = this.targets.map((t) =>
      isImageFile(t)
        ? vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(t)), path.basename(t)))
        : vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(t), '**/*')),
    );
    const changed = (uri: vscode.Uri) => this.onImageChanged(uri);
    return watchers.flatMap((w) => [w, w.onDidChange(changed), w.onDidCreate(changed), w.onDidDelete(changed)]);
  }

  private onImageChanged(uri: vscode.Uri): void {
    // The overlays the job writes may be inside a watched folder (Classify on the workspace): they are no reason
    // to classify again, or every result would start the next.
    const file = uri.fsPath;
    if (!isImageFile(file) || isInside(file, this.host.cacheDir) || file.split(path.sep).includes('.transfer-lab')) return;
    clearTimeout(this.changeTimer);
    this.changeTimer = setTimeout(() => void this.classify(), CHANGE_DEBOUNCE_MS);
  }

  /** Lists the runs; classifies when the chosen run changed (the first listing chooses the best), or when `force`d. */
  private async loadRuns(force = false): Promise<void> {
    let runs;
    try {
      runs = await listRuns();
    } catch (e) {
      this.model.failed(vscode.l10n.t('The saved runs could not be listed: {0}', (e as Error).message));
      this.post();
      return;
    }
    if (this.disposed) return;
    const changed = this.model.setRuns(runChoices(runs));
    this.post();
    if ((changed || force) && this.model.chosenRun) await this.classify();
  }

  private async classify(): Promise<void> {
    const runDir = this.model.chosenRun;
    if (!runDir || this.disposed) return;
    this.job?.cancel();
    const generation = ++this.generation;
    this.model.started();
    this.post();
    const config = explainConfig(runDir, this.targets, overlayDir(this.host.cacheDir, runDir), OVERLAY_SIZE[this.mode]);
    const log = logChannel();
    log.info(`preview: explaining ${this.targets.length === 1 ? this.targets[0] : `${this.targets.length} items`} with ${runDir}`);
    const job = startExplain(this.host.trainerPath, config);
    this.job = job;
    job.on('stderr', (text) => log.trace(text.trimEnd()));
    job.on('event', (event) => {
      if (event.type === 'log') log[event.level](event.message);
      if (event.type !== 'progress' || generation !== this.generation || event.total <= 0) return;
      this.model.progress(event.phase, event.done, event.total);
      const now = Date.now();
      if (now - this.lastProgress >= PROGRESS_INTERVAL_MS || event.done === event.total) {
        this.lastProgress = now;
        this.post();
      }
    });
    const outcome = await job.outcome;
    if (generation !== this.generation || this.disposed) return;
    this.job = undefined;
    switch (outcome.status) {
      case 'done':
        this.model.finished(outcome.result);
        for (const s of outcome.result.skipped) log.warn(`preview: skipped ${s.file}: ${s.reason}`);
        break;
      case 'failed':
        this.model.failed(outcome.error.message, outcome.error.hint, outcome.error.file);
        log.error(`preview: ${outcome.error.code}: ${outcome.error.message}`);
        break;
      case 'crashed':
        log.error(`preview: the trainer crashed (exit ${outcome.exitCode}, signal ${outcome.signal})\n${outcome.stderrTail}`);
        this.model.failed(
          outcome.signal
            ? vscode.l10n.t('The trainer stopped unexpectedly ({0}).', outcome.signal)
            : vscode.l10n.t('The trainer stopped unexpectedly (exit code {0}).', String(outcome.exitCode)),
          vscode.l10n.t('The log (Transfer Lab: Show Log) has the end of its output.'),
        );
        break;
      case 'cancelled':
        return;
    }
    this.post();
  }

  private onMessage(raw: unknown): void {
    const parsed = parsePreviewMessage(raw);
    if (!parsed.ok) {
      logChannel().warn(`the prediction preview sent a malformed message: ${parsed.error}`);
      return;
    }
    const message = parsed.value;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.post();
        return;
      case 'chooseRun':
        if (this.model.chooseRun(message.runDir)) void this.classify();
        return;
      case 'retry':
        void this.loadRuns(true);
        return;
      case 'openFile':
        // The webview may only open what it shows.
        if (this.model.state.images.some((i) => i.file === message.path)) {
          void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(message.path));
        }
        return;
    }
  }

  private post(): void {
    if (!this.ready || this.disposed) return;
    const message: HostToPreview = { type: 'state', state: this.model.state };
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.changeTimer);
    this.job?.cancel();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
