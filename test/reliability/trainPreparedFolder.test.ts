// Issue 12, "a prepared dataset is the folder the user names": train resolves every file in dataset.json against
// the folder it was given, never the absolute path written at prepare time, so a moved or copied prepared folder
// trains on its own images.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { TrainResult } from '../../src/core/jobs/train';
import { classFolders, job, prepare, smallTrain, tempDir, V1 } from './trainHelpers';

const work = tempDir('train-folder');

interface ValPrediction { file: string; truth: string }

function valFiles(runDir: string): string[] {
  const predictions = JSON.parse(fs.readFileSync(path.join(runDir, 'val-predictions.json'), 'utf8')) as ValPrediction[];
  return predictions.map((p) => p.file);
}

describe('train reads the prepared folder it is given', () => {
  const original = path.join(work, 'prepared');

  before(async () => {
    await prepare(classFolders(path.join(work, 'source'), { cat: 12, dog: 12 }), original);
  });

  it('a copy trains on its own images after the original is deleted', async () => {
    const copy = path.join(work, 'elsewhere', 'copy');
    fs.cpSync(original, copy, { recursive: true });
    const moved = path.join(work, 'moved');
    fs.renameSync(original, moved);
    try {
      // A fresh cache: every image has to be read from disk, so reading the wrong folder cannot hide.
      const r = await job<TrainResult>('train', smallTrain(copy, work, { cacheDir: path.join(work, 'cache-copy') }));
      assert.equal(r.error, undefined, r.error?.message);
      assert.equal(r.result.status, 'completed');
      assert.deepEqual(r.result.counts, { train: [9, 9], val: [3, 3] });
      assert.ok(Number.isFinite(r.result.best.valAcc), `best val_acc ${r.result.best.valAcc}`);
      const files = valFiles(r.result.dir);
      assert.equal(files.length, 6);
      for (const f of files) assert.ok(f.startsWith(copy + path.sep), `val image read from ${f}, not from the copy`);
      const run = JSON.parse(fs.readFileSync(path.join(r.result.dir, 'run.json'), 'utf8'));
      assert.equal(run.dataset, copy);
      // The guidance jobs read the manifest the same way: a quick learning curve on the copy sees all its images.
      const curve = await job<{ total: number; cache: { computed: number; fromCache: number } }>('learning-curve', {
        dataset: copy, backbone: V1, cacheDir: path.join(work, 'cache-curve'), repeats: 1, steps: 5, sizes: '4,18',
      });
      assert.equal(curve.error, undefined, curve.error?.message);
      assert.equal(curve.result.total, 18);
      assert.equal(curve.result.cache.computed, 24, 'train and val embedded from the copy');
    } finally {
      fs.renameSync(moved, original);
    }
  });

  it('a moved folder trains on its own images while the old path holds different ones', async () => {
    const moved = path.join(work, 'renamed');
    fs.cpSync(original, moved, { recursive: true });
    // What sits at the old path now is not what the manifest lists: every image there is the same cat.
    const valCats = path.join(original, 'val', 'cat');
    const cat = fs.readFileSync(path.join(valCats, fs.readdirSync(valCats)[0]));
    for (const split of ['train', 'val']) {
      for (const c of ['cat', 'dog']) {
        const dir = path.join(original, split, c);
        for (const f of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, f), cat);
      }
    }
    const r = await job<TrainResult>('train', smallTrain(moved, work, { cacheDir: path.join(work, 'cache-moved') }));
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.result.status, 'completed');
    assert.deepEqual(r.result.counts, { train: [9, 9], val: [3, 3] });
    const files = valFiles(r.result.dir);
    assert.equal(files.length, 6);
    for (const f of files) assert.ok(f.startsWith(moved + path.sep), `val image read from ${f}, not from ${moved}`);
  });
});
