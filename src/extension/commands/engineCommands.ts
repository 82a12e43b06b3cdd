// "Check Engine": runs the doctor job in the trainer child process and shows what loaded.
import * as vscode from 'vscode';
import type { JobRunner } from '../jobRunner';
import { logChannel } from '../log';
import { engineConfig } from '../jobSettings';

export function registerEngineCommands(context: vscode.ExtensionContext, runner: JobRunner): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('transferLab.doctor', async () => {
      const outcome = await runner.run({
        job: 'doctor',
        title: 'Check engine',
        config: engineConfig(),
        quiet: true,
      });
      if (outcome.status !== 'done') return undefined;
      const r = outcome.result;
      for (const s of r.frozen.skipped) logChannel().info(`frozen-pass engine ${s.engine} skipped: ${s.reason}`);
      for (const s of r.skipped) logChannel().info(`training engine ${s.engine} skipped: ${s.reason}`);
      const slow = r.slowPath ? ' No native TensorFlow here, so training uses cached activations on the CPU.' : '';
      void vscode.window
        .showInformationMessage(
          `Transfer Lab engines: frozen passes on ${r.frozen.engine} ${r.frozen.version}; ` +
            `training on ${r.engine} ${r.version}.${slow}`,
          'Show Log',
        )
        .then((c) => c && logChannel().show());
      return outcome.result;
    }),
    vscode.commands.registerCommand('transferLab.cancelTraining', () => {
      if (!runner.cancel()) void vscode.window.showInformationMessage('Transfer Lab: no job is running.');
    }),
  );
}
