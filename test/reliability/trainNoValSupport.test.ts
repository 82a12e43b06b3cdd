// Issue 12: a class with no validation images (a 1-image class, which prepare keeps for training) made val_acc
// look perfect for it. Train warns (a warning line and `warnings` in the result); evaluate marks the class as having
// no support and leaves it out of the macro average; AUC is given only when both classes are present.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { classificationReport } from '../../src/core/metrics';
import type { EvaluateResult } from '../../src/core/jobs/evaluate';
import type { TrainResult } from '../../src/core/jobs/train';
import { classFolders, job, prepare, smallTrain, tempDir } from './trainHelpers';

const work = tempDir('train-noval');

describe('a class with no validation images', () => {
  const prepared = path.join(work, 'prepared');
  let trained: TrainResult;

  before(async () => {
    const fox = { from: 'dog', start: 500, n: 1 };
    const source = classFolders(path.join(work, 'source'), { cat: 12, dog: 12, fox });
    await prepare(source, prepared);
  });

  it('train warns, naming the class', async () => {
    const r = await job<TrainResult>('train', smallTrain(prepared, work));
    assert.equal(r.error, undefined, r.error?.message);
    trained = r.result;
    assert.deepEqual(trained.classes, ['cat', 'dog', 'fox']);
    assert.deepEqual(trained.counts, { train: [9, 9, 1], val: [3, 3, 0] });
    const warning = (trained.warnings ?? []).find((w) => w.includes('"fox"'));
    assert.match(warning ?? '', /class "fox" has no validation images \(1 in train\)/);
    assert.ok(r.logs.some((l) => l.level === 'warn' && l.message === warning), 'no warning line');
  });

  it('evaluate marks it as having no support and averages over the classes that have validation images', async () => {
    const r = await job<EvaluateResult>('evaluate', { runDir: trained.dir, workers: 1 });
    assert.equal(r.error, undefined, r.error?.message);
    const e = r.result;
    assert.equal(e.count, 6);
    const fox = e.perClass.find((c) => c.class === 'fox')!;
    assert.equal(fox.support, 0);
    assert.equal(fox.noSupport, true);
    const rest = e.perClass.filter((c) => c.class !== 'fox');
    for (const key of ['precision', 'recall', 'f1'] as const) {
      const mean = (rest[0][key] + rest[1][key]) / 2;
      assert.ok(Math.abs(e.macro[key] - mean) < 1e-12, `macro ${key} ${e.macro[key]}, mean over cat and dog ${mean}`);
    }
    assert.ok(e.notes.some((n) => n.startsWith('fox has no examples')), JSON.stringify(e.notes));
    assert.ok(e.warnings.some((w) => w.includes('"fox"')), JSON.stringify(e.warnings));
  });

  it('the report\'s AUC needs both classes; macro ignores a class with no examples', () => {
    const one = classificationReport([0, 0, 0], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], ['cat', 'dog']);
    assert.equal(one.auc, undefined);
    assert.equal(one.perClass[1].noSupport, true);
    // cat: P 1, R 2/3, F1 0.8; dog has no examples, so the macro average is cat's alone.
    assert.ok(Math.abs(one.macro.recall - 2 / 3) < 1e-12, JSON.stringify(one.macro));
    assert.ok(Math.abs(one.macro.f1 - 0.8) < 1e-12, JSON.stringify(one.macro));
  });
});
