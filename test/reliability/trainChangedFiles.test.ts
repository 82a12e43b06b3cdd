// Issue 12: images deleted from, or edited in, a prepared folder are never trained on from the embedding cache.
// Each one is a finding naming the file (a warning line and `skipped` in the result), the counts show it, and a
// class with nothing left in a split stops the job with a message naming the split and the class.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { TrainResult } from '../../src/core/jobs/train';
import { classFolders, job, prepare, smallTrain, tempDir } from './trainHelpers';

const work = tempDir('train-changed');

function firstIn(dir: string): string {
  return path.join(dir, fs.readdirSync(dir).sort()[0]);
}

describe('train checks every listed file against dataset.json', () => {
  const prepared = path.join(work, 'prepared');

  before(async () => {
    await prepare(classFolders(path.join(work, 'source'), { cat: 12, dog: 12 }), prepared);
    // The first run fills the cache with every image, so a later run could serve deleted ones from it.
    const first = await job<TrainResult>('train', smallTrain(prepared, work));
    assert.equal(first.error, undefined, first.error?.message);
    assert.deepEqual(first.result.counts, { train: [9, 9], val: [3, 3] });
  });

  it('a deleted and an edited image are named, left out, and counted', async () => {
    const deleted = firstIn(path.join(prepared, 'train', 'cat'));
    fs.rmSync(deleted);
    // Same size, one byte different: only the sha256 can tell.
    const edited = firstIn(path.join(prepared, 'val', 'dog'));
    const bytes = fs.readFileSync(edited);
    bytes[bytes.length >> 1] ^= 0xff;
    fs.writeFileSync(edited, bytes);

    const r = await job<TrainResult>('train', smallTrain(prepared, work));
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.result.status, 'completed');
    // Neither came from the cache: 17 training and 5 validation images were read, nothing else.
    assert.deepEqual(r.result.counts, { train: [8, 9], val: [3, 2] });
    assert.equal(r.result.cache.computed + r.result.cache.fromCache, 22);
    const skipped = new Map((r.result.skipped ?? []).map((s) => [s.file, s.reason]));
    assert.equal(skipped.size, 2, JSON.stringify(r.result.skipped));
    assert.match(skipped.get(deleted) ?? '', /^missing/);
    assert.match(skipped.get(edited) ?? '', /^changed.*sha256/);
    for (const f of [deleted, edited]) {
      assert.ok(r.logs.some((l) => l.level === 'warn' && l.message.includes(f)), `no warning names ${f}`);
    }
    const warnings = JSON.stringify(r.result.warnings);
    assert.ok(r.result.warnings.some((w) => w.includes('left out 2 of the 24 images')), warnings);
  });

  it('a class whose validation images are all gone fails, naming the split and the class', async () => {
    const runs = path.join(work, 'runs-empty');
    for (const f of fs.readdirSync(path.join(prepared, 'val', 'cat'))) fs.rmSync(path.join(prepared, 'val', 'cat', f));
    const r = await job<TrainResult>('train', smallTrain(prepared, work, { runsDir: runs }));
    assert.ok(r.error, 'train succeeded with no validation cats');
    assert.equal(r.error.code, 'bad-input');
    assert.match(r.error.message, /No val images of class "cat"/);
    assert.match(r.error.message, /missing/);
    assert.ok(!fs.existsSync(runs) || fs.readdirSync(runs).length === 0, 'a run folder was left behind');
  });
});
