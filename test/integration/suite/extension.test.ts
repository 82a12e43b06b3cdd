// Runs inside the real VS Code extension host (code-server here, desktop VS Code elsewhere).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostToWebview, WebviewToHost } from '../../../src/core/protocol';
import type { RunRecord } from '../../../src/core/runRecord';
import type { TransferLabApi } from '../../../src/extension/extension';
import { probeProcess } from '../../../src/extension/processProbe';

const EXTENSION_ID = 'transfer-lab.transfer-lab';

interface Contributes {
  commands: { command: string }[];
  menus: Record<string, { command: string }[]>;
  views: Record<string, { id: string }[]>;
}

function extension(): vscode.Extension<TransferLabApi> {
  const ext = vscode.extensions.getExtension<TransferLabApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this host`);
  return ext;
}

async function api(): Promise<TransferLabApi> {
  return extension().activate();
}

async function until(what: string, done: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Transfer Lab in a real VS Code', () => {
  it('activates idle: no job running, nothing for the dashboard yet', async () => {
    const lab = await api();
    assert.equal(extension().isActive, true);
    assert.equal(lab.runner.current, undefined);
    assert.deepEqual(lab.runner.buffer.snapshot(), []);
    assert.equal(lab.runner.buffer.currentTitle, '');
    assert.equal(lab.dashboard(), undefined, 'a dashboard opened by itself');
  });

  it('registers exactly the contributed commands; every menu entry and command link names one of them', async () => {
    await api();
    const contributes = extension().packageJSON.contributes as Contributes;
    const contributed = contributes.commands.map((c) => c.command).sort();
    // VS Code adds commands of its own for each contributed view (`<view id>.focus`, …): those are not ours.
    const viewIds = Object.values(contributes.views).flat().map((v) => `${v.id}.`);
    const ours = (await vscode.commands.getCommands(true))
      .filter((c) => c.startsWith('transferLab.') && !viewIds.some((v) => c.startsWith(v)));
    assert.deepEqual([...new Set(ours)].sort(), contributed);
    const inMenus = Object.values(contributes.menus).flat().map((m) => m.command);
    // viewsWelcome and the walkthrough link to commands as `command:transferLab.x`.
    const linked = [...JSON.stringify(contributes).matchAll(/command:(transferLab\.[A-Za-z]+)/g)].map((m) => m[1]);
    assert.ok(linked.length >= 5, `command links found: ${linked}`);
    assert.deepEqual([...inMenus, ...linked].filter((c) => !contributed.includes(c)), []);
  });

  it('shows the Saved Models view, empty in a fresh workspace; Refresh lists a killed run as failed', async () => {
    const lab = await api();
    const tree = lab.savedModels.tree;
    assert.ok(tree, 'the Saved Models tree view was not created');
    await vscode.commands.executeCommand('transferLab.savedModels.focus');
    await until('the Saved Models view is visible', () => tree.visible);
    assert.deepEqual(await lab.savedModels.getChildren(), []);
    // Read through a function: an assertion on the property itself would narrow its type for the rest of the test.
    const listed = () => lab.savedModels.runs.map((r) => [r.dir, r.status]);
    assert.deepEqual(listed(), []);

    // A run whose trainer is gone (a pid that has exited), written where the tree looks. The tree's file watcher is
    // not what this checks: code-server here reports only the workspace folder's own entries, nothing nested.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    assert.equal(probeProcess(gone).alive, false);
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const dir = path.join(ws, '.transfer-lab', 'runs', 'killed-run');
    const run: RunRecord = {
      id: 'killed-run', status: 'running', pid: gone, mode: 'feature-extractor', backbone: 'm', dataset: '/d',
      classes: ['a', 'b'], engine: 'wasm', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z',
      config: {}, history: [], timings: {},
    };
    let changes = 0;
    const sub = lab.savedModels.onDidChangeTreeData(() => changes++);
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run));
      const before = changes;
      await vscode.commands.executeCommand('transferLab.refreshSavedModels');
      assert.ok(changes > before, 'Refresh did not refresh the tree');
      const groups = await lab.savedModels.getChildren();
      assert.deepEqual(groups.map((g) => (g.kind === 'dataset' ? g.name : g.kind)), ['/d']);
      assert.deepEqual(listed(), [[dir, 'failed']]);
      const [item] = await lab.savedModels.getChildren(groups[0]);
      assert.equal(lab.savedModels.getTreeItem(item).description, 'failed · feature-extractor · m');
    } finally {
      sub.dispose();
      fs.rmSync(path.join(ws, '.transfer-lab'), { recursive: true, force: true });
    }
    assert.deepEqual(await lab.savedModels.getChildren(), []);
  });

  it('opens the dashboard panel; its webview says ready and is sent the current content', async () => {
    const lab = await api();
    const received: WebviewToHost[] = [];
    const sent: HostToWebview[] = [];
    const watching = lab.observeDashboard({ received: (m) => received.push(m), sent: (m) => sent.push(m) });
    try {
      await vscode.commands.executeCommand('transferLab.showDashboard');
      const panel = lab.dashboard();
      assert.ok(panel, 'no dashboard panel');
      assert.equal(panel.panel.viewType, 'transferLab.dashboard');
      await until('the webview says ready', () => panel.isReady, 30_000);
      assert.ok(received.some((m) => m.type === 'ready'), `received: ${JSON.stringify(received)}`);
      // The replay after `ready` starts the dashboard over; with no job run yet there is nothing after it (the
      // webview says `ready` again each time it is shown, so there may be more than one), except the cleaner's
      // state, which has nothing pending in a fresh workspace.
      assert.ok(sent.length >= 1, 'nothing was replayed after ready');
      const emptyCleaner = (m: HostToWebview) => m.type === 'cleaner' && m.state.pending.length === 0;
      assert.deepEqual(sent.filter((m) => (m.type !== 'reset' || m.title !== '') && !emptyCleaner(m)), [],
        'more than an empty reset and an empty cleaner state');
    } finally {
      watching.dispose();
    }
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
    await until('the trainer process has exited', () => !probeProcess(pid).alive, 5_000);
    assert.equal(lab.runner.current, undefined);
  });

  it('reports a crashed trainer instead of hanging', async () => {
    const lab = await api();
    const outcome = lab.runner.run({ job: 'doctor', title: 'Check engine', config: {}, quiet: true });
    const pid = lab.runner.current!.pid!;
    process.kill(pid, 'SIGKILL');
    const result = await outcome;
    assert.equal(result.status, 'crashed');
    assert.equal((result as { signal: string }).signal, 'SIGKILL');
    assert.equal(lab.runner.current, undefined, 'the runner is still busy after the crash');
  });
});
