// The data cleaner's host side. It owns the pending lists (in workspaceState, one per prepared dataset, so a closed
// dashboard or a reloaded window loses no mark), runs the `relabel` job on Apply and a feature extractor on Retrain,
// and tells the dashboard the list of the dataset on screen. One per extension: a dashboard closed while Apply runs
// and opened again still hears how it ended.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  markPending, parsePendingStore, pendingSummary, relabelChanges, remainingAfterApply, serialisePendingStore,
  undoPending, type PendingStore,
} from '../../core/cleanerPending';
import type {
  AppliedReport, CleanerIntent, CleanerSource, CleanerState, PendingChange, RetrainReport,
} from '../../core/cleanerProtocol';
import type { HostToWebview, TrainerEvent } from '../../core/protocol';
import type { JobRunner } from '../jobRunner';
import { trainingConfig } from '../jobSettings';
import { logChannel } from '../log';
import { retrainConfigOf, runDataset } from './cleanerRuns';

const STORE_KEY = 'transferLab.cleaner.pending';

export class DashboardCleaner {
  private static instance: DashboardCleaner | undefined;
  private post: ((message: HostToWebview) => void) | undefined;
  /** The prepared folder whose list the dashboard shows: the one of the run (or dataset report) on screen. */
  private active: string | undefined;
  private busy: CleanerState['busy'];
  private applied: AppliedReport | undefined;
  private retrained: RetrainReport | undefined;
  private readonly datasetOfRun = new Map<string, Promise<string>>();

  static for(context: vscode.ExtensionContext, runner: JobRunner): DashboardCleaner {
    DashboardCleaner.instance ??= new DashboardCleaner(context, runner);
    return DashboardCleaner.instance;
  }

  private constructor(private readonly context: vscode.ExtensionContext, private readonly runner: JobRunner) {}

  /** The open dashboard's way to its webview; `undefined` when it closes. */
  attach(post: ((message: HostToWebview) => void) | undefined): void {
    this.post = post;
  }

  /** Keeps the list of the dataset on screen: a run's grids name their run, a written dataset report its folder. */
  follow(event: TrainerEvent): void {
    const runDir = event.type === 'layers' || event.type === 'predictions' || event.type === 'evaluation' ? event.runDir : undefined;
    if (runDir) void this.datasetOf({ runDir }).then((d) => this.activate(d, runDir), () => undefined);
    else if (event.type === 'dataset' && !event.dryRun) this.activate(event.output);
  }

  async handle(intent: CleanerIntent): Promise<void> {
    if (this.busy) {
      void vscode.window.showInformationMessage(this.busy === 'applying'
        ? vscode.l10n.t('Transfer Lab: wait until the cleaner has finished applying.')
        : vscode.l10n.t('Transfer Lab: wait until the cleaner has finished retraining.'));
      return this.send();
    }
    switch (intent.kind) {
      case 'mark': {
        let dataset: string;
        try {
          dataset = await this.datasetOf(intent.source);
        } catch (e) {
          void vscode.window.showWarningMessage(
            vscode.l10n.t('Transfer Lab: cannot mark {0}: {1}', path.basename(intent.change.file), (e as Error).message));
          return;
        }
        this.activate(dataset, 'runDir' in intent.source ? intent.source.runDir : undefined);
        return this.update((p) => markPending(p, intent.change));
      }
      case 'undo': return this.update((p) => undoPending(p, intent.file));
      case 'discard': return this.update(() => []);
      case 'apply': return this.apply();
      case 'retrain': return this.retrain();
    }
  }

  /** Sends the dashboard the active dataset's list and the last Apply and Retrain. */
  send(): void {
    const entry = this.active ? this.store()[this.active] : undefined;
    const pending = entry?.pending ?? [];
    const state: CleanerState = {
      ...(this.active ? { dataset: this.active } : {}), pending,
      ...(this.busy ? { busy: this.busy } : {}),
      ...(this.applied ? { applied: this.applied } : {}),
      ...(this.retrained ? { retrained: this.retrained } : {}),
      canRetrain: !!entry?.runDir && !pending.length && !this.busy,
    };
    this.post?.({ type: 'cleaner', state });
  }

  private datasetOf(source: CleanerSource): Promise<string> {
    if ('dataset' in source) return Promise.resolve(path.resolve(source.dataset));
    let found = this.datasetOfRun.get(source.runDir);
    if (!found) {
      found = runDataset(source.runDir);
      // A run that cannot be read now may be readable later (it was still being written).
      found.catch(() => this.datasetOfRun.delete(source.runDir));
      this.datasetOfRun.set(source.runDir, found);
    }
    return found;
  }

  private activate(dataset: string, runDir?: string): void {
    if (dataset !== this.active) {
      this.active = dataset;
      this.applied = undefined;
      this.retrained = undefined;
    }
    if (runDir && this.store()[dataset]?.runDir !== runDir) {
      void this.save({ ...this.store(), [dataset]: { pending: this.store()[dataset]?.pending ?? [], runDir } });
    }
    this.send();
  }

  private store(): PendingStore {
    return parsePendingStore(this.context.workspaceState.get(STORE_KEY));
  }

  private async save(store: PendingStore): Promise<void> {
    await this.context.workspaceState.update(STORE_KEY, serialisePendingStore(store));
  }

  private async update(change: (pending: PendingChange[]) => PendingChange[]): Promise<void> {
    if (!this.active) return;
    const store = this.store();
    const entry = store[this.active] ?? { pending: [] };
    await this.save({ ...store, [this.active]: { ...entry, pending: change(entry.pending) } });
    this.send();
  }

  private async apply(): Promise<void> {
    const dataset = this.active;
    const pending = dataset ? this.store()[dataset]?.pending ?? [] : [];
    if (!dataset || !pending.length) return;
    this.busy = 'applying';
    this.send();
    const outcome = await this.runner.run({
      job: 'relabel', title: vscode.l10n.t('Apply cleaner changes ({0})', pendingSummary(pending)), quiet: true,
      config: { dataset, changes: relabelChanges(pending) },
    }).finally(() => (this.busy = undefined));
    if (outcome.status !== 'done') return this.send();
    const r = outcome.result;
    const store = this.store();
    await this.save({ ...store, [dataset]: { ...store[dataset], pending: remainingAfterApply(pending, r.refused, dataset) } });
    this.applied = {
      excluded: r.applied.filter((o) => o.action === 'exclude').length,
      relabelled: r.applied.filter((o) => o.action === 'relabel').length, refused: r.refused,
    };
    this.retrained = undefined;
    this.send();
    for (const x of r.refused) logChannel().warn(`cleaner: not applied: ${x.reason}`);
    if (r.refused.length) {
      // The reasons are the trainer's own words (English), listed in one placeholder.
      const reasons = `${r.refused.slice(0, 3).map((x) => x.reason).join('; ')}${r.refused.length > 3 ? '; …' : ''}`;
      void vscode.window.showWarningMessage(vscode.l10n.t(
        'Transfer Lab: {0} of {1} changes were not applied and stay pending: {2}', r.refused.length, pending.length, reasons));
    }
    if (!r.applied.length && !r.undone.length) return;
    const retrain = vscode.l10n.t('Retrain');
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t('Transfer Lab: recorded {0} exclusion(s) and {1} new label(s) in {2}; the original images are untouched. Retrain to see the effect.',
        this.applied.excluded, this.applied.relabelled, `${path.basename(dataset)}/dataset.json`),
      retrain,
    );
    if (choice === retrain) await this.retrain();
  }

  private async retrain(): Promise<void> {
    const dataset = this.active;
    const runDir = dataset ? this.store()[dataset]?.runDir : undefined;
    if (!dataset || !runDir) return;
    let settings;
    try {
      settings = await retrainConfigOf(runDir, dataset);
    } catch (e) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t('Transfer Lab: cannot retrain like {0}: {1}', path.basename(runDir), (e as Error).message));
      return;
    }
    this.busy = 'retraining';
    this.send();
    const { runsDir, engine, frozen, modelCacheDir } = trainingConfig(this.context);
    const outcome = await this.runner.run({
      job: 'train', title: vscode.l10n.t('Retrain on the cleaned dataset'),
      config: { ...settings, runsDir, engine, frozen, modelCacheDir },
    }).finally(() => (this.busy = undefined));
    void vscode.commands.executeCommand('transferLab.refreshSavedModels');
    if (outcome.status !== 'done') return this.send();
    const r = outcome.result;
    this.retrained = {
      runId: r.runId, valAcc: r.best.valAcc, fromCache: r.cache.fromCache, computed: r.cache.computed,
      excluded: r.cleaner?.excluded ?? 0, relabelled: r.cleaner?.relabelled ?? 0,
    };
    this.applied = undefined;
    this.send();
    const total = r.cache.fromCache + r.cache.computed;
    void vscode.window.showInformationMessage(vscode.l10n.t(
      'Transfer Lab: retrained as {0}, best val_acc {1}; {2} of {3} embeddings from the cache in {4} s.',
      r.runId, r.best.valAcc.toFixed(3), r.cache.fromCache, total, (r.seconds.embedding ?? 0).toFixed(1)));
  }
}
