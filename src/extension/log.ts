// The one output channel for everything Transfer Lab logs.
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
  const choice = await vscode.window.showErrorMessage(message, ...extra, 'Show Log');
  if (choice === 'Show Log') logChannel().show();
  return choice;
}
