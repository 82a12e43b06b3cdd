// Issue 12: a run that loaded fewer images than dataset.json lists says so. An image that is what dataset.json
// records but cannot be decoded at train time is named (a warning line, `skipped` and `warnings` in the result)
// and the counts show it; a class left with no image fails the job, and the run it started is marked failed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { TrainResult } from '../../src/core/jobs/train';
import { classFolders, job, prepare, replaceListed, smallTrain, tempDir } from './trainHelpers';

const work = tempDir('train-undecodable');
// Not an image, at the size of a small JPEG: listed with its own sha256, so only decoding can find it out. Each
// file's text differs, since dataset.json never lists one content twice.
const garbage = (file: string) => Buffer.from(`${path.basename(file)} is not a JPEG, only text\n`.repeat(200));

function sorted(dir: string): string[] {
  return fs.readdirSync(dir).sort().map((f) => path.join(dir, f));
}

describe('train names the images it could not decode', () => {
  const prepared = path.join(work, 'prepared');

  before(async () => {
    await prepare(classFolders(path.join(work, 'source'), { cat: 12, dog: 12 }), prepared);
  });

  it('an undecodable training image is named, left out and counted', async () => {
    const bad = sorted(path.join(prepared, 'train', 'dog'))[0];
    replaceListed(prepared, bad, garbage(bad));
    const r = await job<TrainResult>('train', smallTrain(prepared, work, { cacheDir: path.join(work, 'cache-1') }));
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.result.status, 'completed');
    assert.deepEqual(r.result.counts, { train: [9, 8], val: [3, 3] }, 'counts are what trained, not what was listed');
    assert.equal(r.result.skipped?.length, 1, JSON.stringify(r.result.skipped));
    assert.equal(r.result.skipped[0].file, bad);
    assert.match(r.result.skipped[0].reason, /^cannot decode/);
    const warnings = JSON.stringify(r.result.warnings);
    assert.ok(r.result.warnings.some((w) => w.startsWith('left out 1 of the 24 images') && w.includes(bad)), warnings);
    assert.ok(r.logs.some((l) => l.level === 'warn' && l.message.includes(bad)), 'no warning line names the image');
  });

  it('a class whose validation images all fail to decode fails the job and marks its run failed', async () => {
    const runs = path.join(work, 'runs-failed');
    const cats = sorted(path.join(prepared, 'val', 'cat'));
    for (const f of cats) replaceListed(prepared, f, garbage(f));
    const config = smallTrain(prepared, work, { runsDir: runs, cacheDir: path.join(work, 'cache-2') });
    const r = await job<TrainResult>('train', config);
    assert.ok(r.error, 'train completed with no decodable validation cat');
    assert.equal(r.error.code, 'bad-input');
    assert.match(r.error.message, /No val images of class "cat" are usable: all 3 .*cannot decode/);
    const [id] = fs.readdirSync(runs);
    const run = JSON.parse(fs.readFileSync(path.join(runs, id, 'run.json'), 'utf8'));
    assert.equal(run.status, 'failed');
    assert.match(run.error, /No val images of class "cat"/);
  });
});
