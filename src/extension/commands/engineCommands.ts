// "Check Engine": runs the doctor job in the trainer child process and shows what loaded.
import * as vscode from 'vscode';
import type { JobRunner } from '../jobRunner';
import { logChannel } from '../log';
import { trainerConfig } from '../settings';

export function registerEngineCommands(context: vscode.ExtensionContext, runner: JobRunner): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('transferLab.doctor', async () => {
      const outcome = await runner.run({
        job: 'doctor',
        title: 'Check engine',
        config: { engine: trainerConfig().engine },
        quiet: true,
      });
      if (outcome.status !== 'done') return undefined;
      const r = outcome.result;
      for (const s of r.skipped) logChannel().info(`engine ${s.engine} skipped: ${s.reason}`);
      const slow = r.slowPath ? ' No native TensorFlow here, so training uses cached activations on the CPU.' : '';
      void vscode.window
        .showInformationMessage(`Transfer Lab engine: ${r.engine} ${r.version}.${slow}`, 'Show Log')
        .then((c) => c && logChannel().show());
      return outcome.result;
    }),
    vscode.commands.registerCommand('transferLab.cancelTraining', () => {
      if (!runner.cancel()) void vscode.window.showInformationMessage('Transfer Lab: no job is running.');
    }),
  );
}
