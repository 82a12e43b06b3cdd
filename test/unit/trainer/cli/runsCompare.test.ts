// `transfer-lab runs --compare` on two small real runs that differ in their learning rate and augmentation, as a user
// runs it (needs `npm run build`). About 20 s on 2 cores: two 2-epoch runs on 10 images per class.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, cliJson } from '../../../fixtures/cliRun';
import { preparedDataset, tempDir, trainSmall, type TrainResult } from '../../../reliability/storeFixture';

interface ComparedJson {
  runs: { id: string; dir: string; status: string; settings: Record<string, unknown>; results: Record<string, unknown> }[];
  differingSettings: string[];
  differingResults: string[];
  problems: string[];
}

const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('transfer-lab runs --compare (real runs)', () => {
  const work = tempDir('compare');
  const runs = path.join(work, 'runs');
  let a: TrainResult, b: TrainResult;

  before(() => {
    const prepared = preparedDataset(work);
    a = trainSmall(prepared, work, ['--lr', '0.001', '--augment', '0']).result;
    b = trainSmall(prepared, work, ['--lr', '0.003', '--augment', '1']).result;
    cliJson(['evaluate', a.dir, '--json']);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('--json: one entry per run, by folder or by id, with the settings that differ', () => {
    const { json } = cliJson(['runs', '--compare', a.dir, path.basename(b.dir), '--runs', runs, '--json']);
    const c = json as ComparedJson;
    assert.deepEqual(c.runs.map((r) => r.dir), [a.dir, b.dir]);
    assert.deepEqual(c.differingSettings, ['lr', 'augment']);
    assert.deepEqual(c.runs.map((r) => [r.settings.lr, r.settings.augment]), [[0.001, 0], [0.003, 1]]);
    for (const r of c.runs) {
      assert.equal(r.status, 'completed');
      assert.equal(r.settings.backbone, c.runs[0].settings.backbone);
      assert.equal(r.settings.epochs, 2);
      assert.equal(r.results.epochsTrained, 2);
      assert.ok(typeof r.results.seconds === 'number' && r.results.seconds > 0);
    }
    assert.deepEqual(c.runs.map((r) => r.results.valAcc), [a.best.valAcc, b.best.valAcc]);
    // Only the first run was evaluated: its log loss is read from evaluation.json, the other's is missing, not made up.
    const evaluation = JSON.parse(fs.readFileSync(path.join(a.dir, 'evaluation.json'), 'utf8'));
    assert.equal(c.runs[0].results.logLoss, evaluation.logLoss);
    assert.equal(c.runs[0].results.auc, evaluation.auc);
    assert.equal(c.runs[1].results.logLoss, null);
    assert.ok(c.differingResults.includes('logLoss'));
    assert.deepEqual(c.problems, []);
  });

  it('the table marks the differing rows and shows a missing value as —', () => {
    const r = cli(['runs', '--compare', a.dir, b.dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\* learning rate +0\.001 +0\.003$/m);
    assert.match(r.stdout, /^\* augmentation +none +1 variant per image$/m);
    assert.match(r.stdout, /^ {2}backbone +mobilenet_v1_0\.25_224_layers +mobilenet_v1_0\.25_224_layers$/m);
    assert.match(r.stdout, /^\* log loss \(evaluate\) +\d\.\d{4} +—$/m);
  });

  it('a damaged run is named and left out; with fewer than two left it is bad input (exit 2)', () => {
    const broken = path.join(work, 'broken');
    fs.mkdirSync(broken, { recursive: true });
    fs.writeFileSync(path.join(broken, 'run.json'), '{"id": 3');
    const three = cliJson(['runs', '--compare', a.dir, b.dir, broken, '--json']);
    assert.equal((three.json as ComparedJson).runs.length, 2);
    assert.match(three.stderr, new RegExp(`skipped ${path.join(broken, 'run.json')}: `));
    const two = cli(['runs', '--compare', a.dir, broken, '--json']);
    assert.equal(two.status, 2);
    const error = JSON.parse(two.stdout.trim().split('\n').at(-1)!).error;
    assert.equal(error.code, 'bad-input');
    assert.match(error.message, /only 1 of the 2 runs could be read.*broken\/run\.json/);
    const one = cli(['runs', '--compare', a.dir]);
    assert.equal(one.status, 2);
    assert.match(one.stderr, /--compare needs two or more runs/);
  });
});
