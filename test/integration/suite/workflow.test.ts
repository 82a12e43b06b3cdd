// The recipe through the real commands in a real VS Code: Prepare Dataset, then Train Feature Extractor, then
// Fine-tune, on a small capped slice of the shared dogs-vs-cats photos.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostToWebview } from '../../../src/core/protocol';
import type { TransferLabApi } from '../../../src/extension/extension';

const SHARED = process.env.TL_SHARED || path.resolve(__dirname, '../../../../shared');

async function api(): Promise<TransferLabApi> {
  return vscode.extensions.getExtension<TransferLabApi>('transfer-lab.transfer-lab')!.activate();
}

describe('the recipe through VS Code commands', function () {
  this.timeout(600_000);
  const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const out = path.join(ws, 'dogs-vs-cats-prepared');
  let featureRunDir = '';
  // Every message the dashboard was sent from here on, whichever panel showed it.
  const sent: HostToWebview[] = [];
  let watching: vscode.Disposable | undefined;
  before(async () => {
    watching = (await api()).observeDashboard({ sent: (m) => sent.push(m) });
  });
  after(() => watching?.dispose());

  it('Prepare Dataset writes a stratified split and its manifest', async () => {
    const result = (await vscode.commands.executeCommand('transferLab.prepareDataset', {
      source: path.join(SHARED, 'data/dogs-vs-cats'), out, maxPerClass: 40, seed: 42, yes: true,
    })) as { layout: string; counts: Record<string, Record<string, number>> } | undefined;
    assert.ok(result, 'prepare returned nothing');
    assert.equal(result.layout, 'kaggle-flat');
    assert.deepEqual(result.counts.train, { cat: 32, dog: 32 });
    assert.deepEqual(result.counts.val, { cat: 8, dog: 8 });
    assert.ok(fs.existsSync(path.join(out, 'dataset.json')));
  });

  it('Train Feature Extractor runs 3 epochs; the Saved Models tree lists the completed run with val_acc', async () => {
    const lab = await api();
    const seen: string[] = [];
    const sub = lab.runner.onEvent((e) => seen.push(e.type));
    const summary = (await vscode.commands.executeCommand('transferLab.trainFeatureExtractor', {
      dataset: out, backbone: path.join(SHARED, 'models/mobilenet_v2_0.35_224_teachable'), epochs: 3,
    })) as { dir: string; best: { valAcc: number } } | undefined;
    sub.dispose();
    assert.ok(summary, 'training returned nothing');
    featureRunDir = summary.dir;
    assert.equal(seen.filter((t) => t === 'epoch').length, 3);
    assert.ok(seen.includes('layers'));
    lab.savedModels.refresh();
    const deadline = Date.now() + 20_000;
    let listed = lab.savedModels.runs.find((r) => r.dir === summary.dir);
    while ((!listed || listed.status !== 'completed') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      await lab.savedModels.getChildren();
      listed = lab.savedModels.runs.find((r) => r.dir === summary.dir);
    }
    assert.ok(listed, 'the tree does not list the run');
    assert.equal(listed.status, 'completed');
    const item = lab.savedModels.getTreeItem({ kind: 'run', run: listed });
    assert.match(String(item.description), /completed · feature-extractor · .* · val_acc [01]\.\d{3}$/);
  });

  it('the dashboard received at least 3 epoch events and a layers event naming the run', async () => {
    const lab = await api();
    const panel = lab.dashboard();
    assert.ok(panel, 'training did not open the dashboard');
    const deadline = Date.now() + 30_000;
    const shown = () => sent.flatMap((m) => (m.type === 'event' ? [m.event] : []));
    const epochs = () => shown().filter((e) => e.type === 'epoch').length;
    while (epochs() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(epochs() >= 3, `epochs shown: ${epochs()}`);
    const layers = shown().find((e) => e.type === 'layers');
    assert.ok(layers && layers.type === 'layers' && layers.layers.length > 100, 'no layers event with the backbone');
    assert.equal(layers.runDir, featureRunDir);
  });

  it('Fine-tune from that run, the unfreeze point chosen through the dashboard message path, completes', async () => {
    const lab = await api();
    await vscode.commands.executeCommand('transferLab.showDashboard');
    const panel = lab.dashboard()!;
    const finished = new Promise<void>((resolve) => {
      const sub = lab.runner.onEvent((e) => {
        if (e.type === 'done' && e.job === 'train') {
          sub.dispose();
          resolve();
        }
      });
    });
    // Exactly what the webview posts when the person clicks "Fine-tune from here" on block_16.
    panel.simulateMessage({ type: 'startFineTune', runDir: featureRunDir, unfreezeFrom: 'block_16' });
    await finished;
    // `done` arrives before the trainer process exits; the runner takes the next job only after that.
    while (lab.runner.current) await new Promise((r) => setTimeout(r, 100));
    await lab.savedModels.getChildren();
    const ft = lab.savedModels.runs.find((r) => r.record.mode === 'fine-tune');
    assert.ok(ft, 'no fine-tune run listed');
    assert.equal(ft.status, 'completed');
    assert.equal((ft.record.config as { unfreezeFrom: string }).unfreezeFrom, 'block_16');
  });

  it('Evaluate and Predict Test Folder work on the saved run', async () => {
    const evaluation = (await vscode.commands.executeCommand('transferLab.evaluate', { runDir: featureRunDir })) as
      { accuracy: number; count: number; confusion: number[][] } | undefined;
    assert.ok(evaluation, 'evaluate returned nothing');
    assert.equal(evaluation.count, 16);
    assert.equal(evaluation.confusion.flat().reduce((a, b) => a + b, 0), 16);
    assert.ok(fs.existsSync(path.join(featureRunDir, 'evaluation.json')));
    // With no folder given, Predict defaults to the prepared dataset's test/ (the 50 Kaggle test images).
    const predicted = (await vscode.commands.executeCommand('transferLab.predictTestFolder',
      { runDir: featureRunDir })) as { rows: number; out: string } | undefined;
    assert.ok(predicted, 'predict returned nothing');
    assert.equal(predicted.rows, 50);
    const lines = fs.readFileSync(predicted.out, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'id,label');
    assert.deepEqual(lines.slice(1).map((l) => Number(l.split(',')[0])), Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('the grids reach the dashboard as webview thumbnails, and Open in Dashboard replays a saved run', async () => {
    const grids = () => sent.flatMap((m) => (m.type === 'event' && m.event.type === 'predictions' ? [m.event] : []));
    const test = grids().filter((g) => g.kind === 'test').at(-1);
    assert.ok(test, 'no test grid shown');
    assert.equal(test.items.length, 48);
    assert.equal(path.basename(test.items[0].file), '1.jpg', 'the grid follows the CSV order');
    for (const item of test.items) {
      assert.ok(item.probability >= 0.5 && item.probability <= 1, `${item.file}: ${item.probability}`);
      // Never the original's path: a webview URI of a small cached thumbnail.
      assert.match(item.thumbnail ?? '', /^https?:|^vscode-/);
      assert.ok(!item.thumbnail!.includes('dogs-vs-cats'), item.thumbnail);
    }
    const from = sent.length;
    assert.equal(
      await vscode.commands.executeCommand('transferLab.openRunInDashboard', { runDir: featureRunDir }), true);
    const replayed = sent.slice(from).flatMap((m) => (m.type === 'event' ? [m.event.type] : []));
    assert.equal(replayed.filter((t) => t === 'epoch').length, 3);
    for (const t of ['layers', 'predictions', 'evaluation']) {
      assert.ok(replayed.includes(t as never), `replay lacks ${t}: ${replayed}`);
    }
  });

  it('Diagnose (Learning Curve) streams its points and a diagnosis with actions to the dashboard', async () => {
    const lab = await api();
    const from = sent.length;
    const result = (await vscode.commands.executeCommand('transferLab.learningCurve', {
      dataset: out, backbone: path.join(SHARED, 'models/mobilenet_v2_0.35_224_teachable'),
      desiredError: 0.05, repeats: 1,
    })) as { points: { size: number }[]; diagnosis: { label: string } } | undefined;
    assert.ok(result, 'the learning curve returned nothing');
    const shown = sent.slice(from).flatMap((m) => (m.type === 'event' ? [m.event] : []));
    const points = shown.filter((e) => e.type === 'curvePoint');
    assert.ok(points.length >= 6, `${points.length} curve points shown`);
    assert.deepEqual(points.map((p) => p.type === 'curvePoint' && p.size), result.points.map((p) => p.size));
    const advice = shown.find((e) => e.type === 'guidance');
    assert.ok(advice && advice.type === 'guidance' && advice.kind === 'diagnosis');
    assert.equal(advice.label, result.diagnosis.label);
    assert.ok(advice.recommendations.length > 0, 'a diagnosis without recommendations');
    const commands = advice.recommendations.flatMap((r) => (r.command ? [r.command] : []));
    assert.deepEqual(commands.filter((c) => !c.startsWith('transferLab.')), []);
    while (lab.runner.current) await new Promise((r) => setTimeout(r, 100));
  });

  it('Delete Run removes the run folder (after the confirmation) and the tree forgets it', async () => {
    const lab = await api();
    await lab.savedModels.getChildren();
    const ft = lab.savedModels.runs.find((r) => r.record.mode === 'fine-tune')!;
    assert.equal(
      await vscode.commands.executeCommand('transferLab.deleteRun', { runDir: ft.dir, confirmed: true }), true);
    assert.ok(!fs.existsSync(ft.dir));
    await lab.savedModels.getChildren();
    assert.ok(!lab.savedModels.runs.some((r) => r.dir === ft.dir));
    assert.ok(fs.existsSync(path.join(SHARED, 'data/dogs-vs-cats/train/cat.1.jpg')), 'the originals are untouched');
  });
});
