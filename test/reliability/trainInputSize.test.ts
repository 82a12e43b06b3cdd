// A backbone whose model file fixes its input size (224 for the shared MobileNet v1) cannot take --size 96: that
// is a bad-input sentence before any work, not a tfjs shape error while saving, and no run folder is left.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { classFolders, job, prepare, smallTrain, tempDir } from './trainHelpers';

const work = tempDir('train-size');

describe('an image size the backbone cannot take', () => {
  const prepared = path.join(work, 'prepared');
  before(async () => prepare(classFolders(path.join(work, 'source'), { cat: 4, dog: 4 }), prepared));

  it('is refused naming the fixed size, before a run folder exists', async () => {
    const r = await job('train', smallTrain(prepared, work, { size: 96 }));
    assert.equal(r.error?.code, 'bad-input', r.error?.message);
    assert.match(r.error!.message, /takes 224×224 images.*--size 96/);
    assert.equal(fs.existsSync(path.join(work, 'runs')) && fs.readdirSync(path.join(work, 'runs')).length > 0, false);
  });
});
