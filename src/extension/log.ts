// The one output channel for everything Transfer Lab logs. What is logged stays in English, unlike what the user is
// shown (vscode.l10n.t): a log pasted into a bug report has to be readable by whoever fixes it.
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

export function logChannel(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Transfer Lab', { log: true });
  return channel;
}

export function registerLog(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    logChannel(),
    vscode.commands.registerCommand('transferLab.showLog', () => logChannel().show()),
  );
}

/** Errors always name a next step: the log is one click away. */
export async function showErrorWithLog(message: string, ...extra: string[]): Promise<string | undefined> {
  const showLog = vscode.l10n.t('Show Log');
  const choice = await vscode.window.showErrorMessage(message, ...extra, showLog);
  if (choice === showLog) logChannel().show();
  return choice;
}
