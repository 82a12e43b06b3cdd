// A status bar item with the current job, epoch and val_acc; clicking it opens the dashboard.
import * as vscode from 'vscode';
import type { TrainerEvent } from '../core/protocol';

export class JobStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('transferLab.job', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = vscode.l10n.t('Transfer Lab job');
    this.item.command = 'transferLab.showDashboard';
  }

  start(title: string): void {
    this.item.text = `$(loading~spin) ${title}`;
    this.item.tooltip = vscode.l10n.t('Transfer Lab: {0} (click to open the dashboard)', title);
    this.item.show();
  }

  update(title: string, event: TrainerEvent): void {
    if (event.type === 'epoch') {
      this.item.text = `$(loading~spin) ${vscode.l10n.t('{0}: epoch {1} · val_acc {2}', title, event.epoch, event.valAcc.toFixed(3))}`;
    } else if (event.type === 'progress' && event.total > 0) {
      this.item.text = `$(loading~spin) ${vscode.l10n.t('{0}: {1} {2}%', title, event.phase, Math.round((100 * event.done) / event.total))}`;
    }
  }

  finish(): void {
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
