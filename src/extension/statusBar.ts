// A status bar item with the current job, epoch and val_acc; clicking it opens the dashboard.
import * as vscode from 'vscode';
import type { TrainerEvent } from '../core/protocol';

export class JobStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('transferLab.job', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'Transfer Lab job';
    this.item.command = 'transferLab.showDashboard';
  }

  start(title: string): void {
    this.item.text = `$(loading~spin) ${title}`;
    this.item.tooltip = `Transfer Lab: ${title} (click to open the dashboard)`;
    this.item.show();
  }

  update(title: string, event: TrainerEvent): void {
    if (event.type === 'epoch') {
      this.item.text = `$(loading~spin) ${title}: epoch ${event.epoch} · val_acc ${event.valAcc.toFixed(3)}`;
    } else if (event.type === 'progress' && event.total > 0) {
      this.item.text = `$(loading~spin) ${title}: ${event.phase} ${Math.round((100 * event.done) / event.total)}%`;
    }
  }

  finish(): void {
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
