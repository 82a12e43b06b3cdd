// Issue 12: fine-tuning without an unfreeze point starts from the backbone's top block, as the VS Code command's
// default does, and says so; run.json records the block that trained.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { parseTrainConfig } from '../../src/core/jobs/train';
import type { TrainResult } from '../../src/core/jobs/train';
import { classFolders, job, prepare, smallTrain, tempDir } from './trainHelpers';

const work = tempDir('train-finetune');

describe('fine-tune without --unfreeze-from', () => {
  const prepared = path.join(work, 'prepared');
  let source: TrainResult;

  before(async () => {
    await prepare(classFolders(path.join(work, 'source'), { cat: 8, dog: 8 }), prepared);
    const r = await job<TrainResult>('train', smallTrain(prepared, work, { epochs: 1 }));
    assert.equal(r.error, undefined, r.error?.message);
    source = r.result;
  });

  it('the config needs only the source run', () => {
    const c = parseTrainConfig({ mode: 'fine-tune', from: '/runs/x' }, { runsDir: '/runs', cacheDir: '/cache' });
    assert.equal(c.mode, 'fine-tune');
    assert.equal(c.mode === 'fine-tune' && c.unfreezeFrom, undefined);
    const dirs = { runsDir: '/runs', cacheDir: '/cache' };
    assert.throws(() => parseTrainConfig({ mode: 'fine-tune' }, dirs), /source run \(from\)/);
  });

  it('unfreezes the top block of MobileNet v1 (block_13), says so, and records it', async () => {
    // No dataset and no backbone either: fine-tuning takes both from the source run.
    const config = smallTrain(prepared, work, { epochs: 1, mode: 'fine-tune', from: source.dir });
    delete config.dataset;
    delete config.backbone;
    const r = await job<TrainResult>('train', config);
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.result.status, 'completed');
    assert.equal(r.result.unfreezeFrom, 'block_13');
    const said = r.logs.find((l) => l.message.startsWith('unfreezing from block_13'));
    assert.ok(said, `no log line names the block: ${JSON.stringify(r.logs)}`);
    assert.match(said.message, /the top block of .*--unfreeze-from/);
    const run = JSON.parse(fs.readFileSync(path.join(r.result.dir, 'run.json'), 'utf8'));
    assert.equal(run.config.unfreezeFrom, 'block_13');
    assert.equal(run.mode, 'fine-tune');
  });
});
