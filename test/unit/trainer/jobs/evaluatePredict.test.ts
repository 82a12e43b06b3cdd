// Evaluate and predict end to end, through the CLI as a user runs them, on the shared dogs-vs-cats data and a
// quick MobileNet v1 0.25 run (needs `npm run build`). About a minute on 2 cores.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, cliJson, SHARED } from '../../../fixtures/cliRun';

const V1 = path.join(SHARED, 'models/mobilenet_v1_0.25_224_layers');
const TEST_IMAGES = path.join(SHARED, 'data/dogs-vs-cats/test');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-evaluate-'));

const cli = cliJson;

interface Evaluation {
  count: number; accuracy: number; logLoss: number; auc?: number; confusion: number[][]; classes: string[];
  perClass: { class: string; precision: number; recall: number; f1: number; support: number }[];
  topLosses: { file: string; truth: string; predicted: string; probability: number }[]; evaluation: string;
}
interface Prediction { rows: number; out: string; positive?: string; columns: string[]; skipped: { file: string; reason: string }[] }

describe('evaluate and predict (CLI, real data, a real backbone)', () => {
  let run: { dir: string; best: { valAcc: number; valLoss: number }; counts: { val: number[] } };

  before(() => {
    const prepared = path.join(work, 'prepared');
    cli(['prepare', path.join(SHARED, 'data/dogs-vs-cats'), '--out', prepared, '--copy', '--json']);
    run = cli(['train', prepared, '--backbone', V1, '--resize', 'fill', '--max-per-class', '100', '--epochs', '10',
      '--runs', path.join(work, 'runs'), '--cache', path.join(work, 'cache'), '--json']).json;
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it("evaluate: the confusion matrix covers the val split and accuracy matches the run's best val_acc", () => {
    const r = cli(['evaluate', run.dir, '--json']);
    const e = r.json as Evaluation;
    const valCount = run.counts.val.reduce((a, b) => a + b, 0);
    assert.equal(e.count, valCount);
    assert.equal(e.confusion.flat().reduce((a, b) => a + b, 0), valCount);
    assert.ok(Math.abs(e.accuracy - run.best.valAcc) <= 0.005, `evaluate accuracy ${e.accuracy} vs run val_acc ${run.best.valAcc}`);
    assert.ok(e.auc! > 0.5 && e.auc! <= 1, `AUC ${e.auc}`);
    assert.ok(Number.isFinite(e.logLoss) && Math.abs(e.logLoss - run.best.valLoss) < 0.01, `log loss ${e.logLoss} vs val_loss ${run.best.valLoss}`);
    assert.deepEqual(e.perClass.map((c) => c.support), run.counts.val);
    // Top losses are the wrong predictions, most confident first, at most 16 of them.
    const wrong = valCount - e.confusion.reduce((sum, row, i) => sum + row[i], 0);
    assert.equal(e.topLosses.length, Math.min(16, wrong));
    assert.ok(e.topLosses.every((t) => t.truth !== t.predicted && t.probability >= 0.5), JSON.stringify(e.topLosses));
    const confidence = e.topLosses.map((t) => t.probability);
    assert.deepEqual(confidence, [...confidence].sort((a, b) => b - a));
    const saved = JSON.parse(fs.readFileSync(path.join(run.dir, 'evaluation.json'), 'utf8'));
    assert.equal(saved.accuracy, e.accuracy);
    assert.equal(saved.predictions.length, valCount);
    process.stdout.write(`# evaluate accuracy ${e.accuracy} vs run val_acc ${run.best.valAcc}; log loss ${e.logLoss} vs val_loss ${run.best.valLoss}; ${r.seconds} s\n`);
  });

  it('evaluate without --json prints the tables', () => {
    const r = spawnSync(process.execPath, [CLI, 'evaluate', run.dir, '--top-losses', '3'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /accuracy +0\.\d{4}/);
    assert.match(r.stdout, /confusion matrix/);
    assert.match(r.stdout, /weighted avg/);
  });

  it('predict on the 50 test images writes id,label with ids 1..50 in numeric order, identically twice', () => {
    const first = cli(['predict', run.dir, TEST_IMAGES, '--json']);
    const p = first.json as Prediction;
    assert.equal(p.rows, 50);
    assert.equal(p.positive, 'dog');
    assert.equal(p.out, path.join(run.dir, 'predictions.csv'));
    const csv = fs.readFileSync(p.out);
    const lines = csv.toString('utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'id,label');
    assert.equal(lines.length, 51);
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), Array.from({ length: 50 }, (_, i) => String(i + 1)));
    for (const l of lines.slice(1)) {
      const v = Number(l.split(',')[1]);
      assert.ok(v >= 0 && v <= 1, l);
    }
    const out2 = path.join(work, 'again.csv');
    cli(['predict', run.dir, TEST_IMAGES, '--out', out2, '--json']);
    assert.ok(csv.equals(fs.readFileSync(out2)), 'two predictions of the same images differ');
    // The test grid for the dashboard follows the CSV: ids 1..48, titled by the more likely class and its probability.
    const grid = JSON.parse(fs.readFileSync(path.join(run.dir, 'dashboard/predictions-test.json'), 'utf8')) as
      { kind: string; items: { file: string; thumbnail?: string; label: string; probability: number; truth?: string }[] };
    assert.equal(grid.kind, 'test');
    assert.deepEqual(grid.items.map((i) => path.basename(i.file)), Array.from({ length: 48 }, (_, i) => `${i + 1}.jpg`));
    const label = new Map(lines.slice(1).map((l) => [l.split(',')[0], Number(l.split(',')[1])]));
    for (const i of grid.items) {
      const pDog = label.get(path.basename(i.file, '.jpg'))!;
      assert.equal(i.label, pDog >= 0.5 ? 'dog' : 'cat', i.file);
      assert.ok(Math.abs(i.probability - Math.max(pDog, 1 - pDog)) < 1e-5, `${i.file}: ${i.probability} vs ${pDog}`);
      assert.equal(i.truth, undefined);
      assert.ok(i.thumbnail && fs.existsSync(i.thumbnail), `${i.file} has no thumbnail`);
    }
    process.stdout.write(`# predict: 50 images in ${first.seconds} s (whole CLI process)\n`);
  });

  it('predict skips a text file and a truncated JPEG, naming each with its reason', () => {
    const mixed = path.join(work, 'mixed');
    fs.mkdirSync(path.join(mixed, 'more'), { recursive: true });
    for (const f of ['3.jpg', '7.jpg']) fs.copyFileSync(path.join(TEST_IMAGES, f), path.join(mixed, f));
    fs.copyFileSync(path.join(TEST_IMAGES, '12.jpg'), path.join(mixed, 'more', '12.jpg'));
    fs.writeFileSync(path.join(mixed, 'notes.txt'), 'not a picture\n');
    const jpeg = fs.readFileSync(path.join(TEST_IMAGES, '5.jpg'));
    fs.writeFileSync(path.join(mixed, 'broken.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
    const out = path.join(work, 'mixed.csv');
    const r = cli(['predict', run.dir, mixed, '--out', out, '--clip', '0.01', '--positive', 'cat', '--json']);
    const p = r.json as Prediction;
    assert.equal(p.rows, 3);
    assert.equal(p.positive, 'cat');
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.deepEqual(lines.map((l) => l.split(',')[0]), ['id', '3', '7', '12']);
    for (const l of lines.slice(1)) {
      const v = Number(l.split(',')[1]);
      assert.ok(v >= 0.01 && v <= 0.99, l);
    }
    const skipped = Object.fromEntries(p.skipped.map((s) => [s.file, s.reason]));
    assert.deepEqual(Object.keys(skipped).sort(), ['broken.jpg', 'notes.txt']);
    assert.match(skipped['notes.txt'], /not an image/);
    assert.match(skipped['broken.jpg'], /truncated|premature|corrupt/i);
    assert.match(r.stderr, /broken\.jpg/);
    assert.match(r.stderr, /notes\.txt/);
  });

  it('predict refuses a class that is not in the run', () => {
    const r = spawnSync(process.execPath, [CLI, 'predict', run.dir, TEST_IMAGES, '--positive', 'horse', '--out', path.join(work, 'x.csv')], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /horse is not one of this run's classes/);
  });
});
