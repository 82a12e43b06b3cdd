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
        title: vscode.l10n.t('Check engine'),
        config: engineConfig(),
        quiet: true,
      });
      if (outcome.status !== 'done') return undefined;
      const r = outcome.result;
      for (const s of r.frozen.skipped) logChannel().info(`frozen-pass engine ${s.engine} skipped: ${s.reason}`);
      for (const s of r.skipped) logChannel().info(`training engine ${s.engine} skipped: ${s.reason}`);
      const { engine, version, frozen } = r;
      const message = r.slowPath
        ? vscode.l10n.t('Transfer Lab engines: frozen passes on {0} {1}; training on {2} {3}. No native TensorFlow here, so training uses cached activations on the CPU.',
          frozen.engine, frozen.version, engine, version)
        : vscode.l10n.t('Transfer Lab engines: frozen passes on {0} {1}; training on {2} {3}.',
          frozen.engine, frozen.version, engine, version);
      void vscode.window
        .showInformationMessage(message, vscode.l10n.t('Show Log'))
        .then((c) => c && logChannel().show());
      return outcome.result;
    }),
    vscode.commands.registerCommand('transferLab.cancelTraining', () => {
      if (!runner.cancel()) void vscode.window.showInformationMessage(vscode.l10n.t('Transfer Lab: no job is running.'));
    }),
  );
}
