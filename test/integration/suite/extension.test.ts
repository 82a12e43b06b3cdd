// Runs inside the real VS Code extension host (code-server here, desktop VS Code elsewhere).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TransferLabApi } from '../../../src/extension/extension';
import { isAlive } from '../../../src/extension/runStore';

const EXTENSION_ID = 'transfer-lab.transfer-lab';

async function api(): Promise<TransferLabApi> {
  const ext = vscode.extensions.getExtension<TransferLabApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this host`);
  return ext.activate();
}

describe('Transfer Lab in a real VS Code', () => {
  it('activates', async () => {
    const lab = await api();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)!.isActive);
    assert.ok(lab.runner);
  });

  it('registers every contributed command', async () => {
    await api();
    const contributed = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands as { command: string }[]).map(
      (c) => c.command,
    );
    assert.ok(contributed.length >= 3);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
  });

  it('opens the dashboard panel, and its webview says ready', async () => {
    const lab = await api();
    await vscode.commands.executeCommand('transferLab.showDashboard');
    const panel = lab.dashboard();
    assert.ok(panel, 'no dashboard panel');
    assert.equal(panel.panel.viewType, 'transferLab.dashboard');
    const deadline = Date.now() + 30_000;
    while (!panel.isReady && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(panel.isReady, 'the webview never sent ready');
    assert.ok(panel.received.some((m) => m.type === 'ready'));
  });

  it('starts a trainer child process that answers doctor and exits cleanly', async () => {
    const lab = await api();
    const outcome = lab.runner.run({ job: 'doctor', title: 'Check engine', config: {}, quiet: true });
    const pid = lab.runner.current?.pid;
    assert.ok(pid && pid !== process.pid, 'the trainer is not a separate process');
    const result = await outcome;
    assert.equal(result.status, 'done');
    const doctor = (result as { result: { engine: string; pid: number; sharp: string } }).result;
    assert.ok(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'].includes(doctor.engine), `engine ${doctor.engine}`);
    assert.equal(doctor.pid, pid);
    assert.match(doctor.sharp, /^\d+\.\d+/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(isAlive(pid), false, 'the trainer process is still alive after its job');
  });

  it('reports a crashed trainer instead of hanging', async () => {
    const lab = await api();
    const outcome = lab.runner.run({ job: 'doctor', title: 'Check engine', config: {}, quiet: true });
    const pid = lab.runner.current!.pid!;
    process.kill(pid, 'SIGKILL');
    const result = await outcome;
    assert.equal(result.status, 'crashed');
    assert.equal((result as { signal: string }).signal, 'SIGKILL');
  });
});
