// A saved run's weight files are checked before anything uses them: run.json records each file's sha256 when the
// run is saved, and evaluate, predict, fine-tuning and the LR finder refuse a file that no longer matches, naming
// it (exit 2, nothing written), instead of reporting NaN or a raw tfjs shape error. Model folders without a
// record (a backbone, a download in the model cache) are checked for size and for values that are not numbers.
// Needs `npm run build`; about a minute on 2 cores.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { cacheIdForUrl } from '../../src/trainer/model/modelDownload';
import { predictFiles } from '../../src/trainer/forward/savedModel';
import {
  cli, cliJson, fillWithGarbage, filesUnder, preparedDataset, SHARED, sha256, tempDir, trainSmall, truncate, V1,
} from './storeFixture';

const TEST_IMAGES = path.join(SHARED, 'data/dogs-vs-cats/test');

describe('saved weights are verified on load (CLI, real data)', () => {
  const work = tempDir('store-weights');
  let prepared: string;
  let run: string;
  let copies = 0;
  /** A copy of the trained run, to damage without touching the original. */
  const copyOfRun = () => {
    const dir = path.join(work, 'copies', `run-${++copies}`);
    fs.cpSync(run, dir, { recursive: true });
    return dir;
  };
  const expectRefused = (r: ReturnType<typeof cli>, file: string) => {
    assert.equal(r.status, 2, `exit ${r.status}\n${r.stderr}\n${r.stdout}`);
    const said = r.stdout + r.stderr;
    assert.ok(said.includes(file), `the message does not name ${file}:\n${said}`);
    assert.doesNotMatch(said, /,NaN|loss\s+NaN|AUC\s+NaN|:\s*NaN/, 'NaN reported as a result');
    return said;
  };

  before(() => {
    prepared = preparedDataset(work);
    run = trainSmall(prepared, work).result.dir;
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it("run.json records the sha256 of every file under model/, head/ and checkpoint/", () => {
    const record = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')) as
      { files?: Record<string, string> };
    const expected = ['model', 'head', 'checkpoint'].flatMap((d) => filesUnder(path.join(run, d)))
      .map((f) => path.relative(run, f).split(path.sep).join('/'));
    assert.ok(expected.includes('model/weights.bin') && expected.includes('head/model.json'), expected.join(', '));
    assert.deepEqual(Object.keys(record.files ?? {}).sort(), expected.sort());
    for (const rel of expected) assert.equal(record.files![rel], sha256(path.join(run, rel)), rel);
  });

  for (const [damage, harm] of [['filled with garbage', fillWithGarbage], ['truncated', truncate]] as const) {
    it(`model/weights.bin ${damage}: evaluate and predict exit 2 naming the file, and write nothing`, () => {
      const dir = copyOfRun();
      const weights = path.join(dir, 'model/weights.bin');
      harm(weights);
      const evaluated = expectRefused(cli(['evaluate', dir, '--json']), weights);
      assert.match(evaluated, /does not match the checksum recorded when the run was saved/);
      assert.ok(!fs.existsSync(path.join(dir, 'evaluation.json')), 'evaluate wrote evaluation.json');
      const csv = path.join(work, `predictions-${copies}.csv`);
      expectRefused(cli(['predict', dir, TEST_IMAGES, '--out', csv, '--json']), weights);
      assert.ok(!fs.existsSync(csv) && !fs.existsSync(path.join(dir, 'predictions.csv')), 'predict wrote a CSV');
    });
  }

  it('a changed model/model.json is refused too', () => {
    const dir = copyOfRun();
    const json = path.join(dir, 'model/model.json');
    fs.appendFileSync(json, ' ');
    expectRefused(cli(['evaluate', dir, '--json']), json);
  });

  it('a damaged head/weights.bin stops fine-tuning and the LR finder from that run, naming the file', () => {
    const dir = copyOfRun();
    const head = path.join(dir, 'head/weights.bin');
    fillWithGarbage(head);
    const runs = path.join(work, 'fine-tune-runs');
    expectRefused(cli(['train', '--from', dir, '--unfreeze-from', 'block_13', '--epochs', '1', '--runs', runs,
      '--cache', path.join(work, 'cache'), '--json']), head);
    expectRefused(cli(['lr-find', '--from', dir, '--unfreeze-from', 'block_13', '--cache', path.join(work, 'cache'),
      '--json']), head);
  });

  it('a run saved before checksums were recorded still evaluates, with a warning that it could not be verified', () => {
    const dir = copyOfRun();
    const file = path.join(dir, 'run.json');
    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete record.files;
    fs.writeFileSync(file, JSON.stringify(record));
    const r = cliJson(['evaluate', dir, '--json']);
    assert.match(r.stderr, /could not be verified/);
    assert.ok(r.stderr.includes(dir), r.stderr);
  });

  it('a run left running by a killed trainer whose pid was reused is refused as unfinished, not "running"',
    { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
      const dir = copyOfRun();
      const file = path.join(dir, 'run.json');
      const record = JSON.parse(fs.readFileSync(file, 'utf8'));
      // This test's own process is alive, but it is not the trainer that started at tick 1 after boot.
      fs.writeFileSync(file, JSON.stringify({ ...record, status: 'running', pid: process.pid, pidStart: 1 }));
      const said = expectRefused(cli(['evaluate', dir, '--json']), file);
      assert.match(said, /did not finish: its trainer \(pid \d+\) was killed or crashed/);
    });

  it('a backbone folder with a truncated or garbage shard is refused, naming the shard', () => {
    for (const [damage, harm] of [['truncated', truncate], ['garbage', fillWithGarbage]] as const) {
      const backbone = path.join(work, `backbone-${damage}`);
      fs.cpSync(V1, backbone, { recursive: true });
      for (const f of filesUnder(backbone)) fs.chmodSync(f, 0o644);
      const shard = path.join(backbone, 'group29-shard1of1');
      harm(shard);
      const r = cli(['train', prepared, '--backbone', backbone, '--max-per-class', '10', '--epochs', '1',
        '--runs', path.join(work, 'runs-bad-backbone'), '--cache', path.join(work, 'cache-bad-backbone'), '--json']);
      const said = expectRefused(r, shard);
      assert.match(said, damage === 'truncated' ? /bytes/ : /not numbers/);
    }
  });

  it('a damaged download already in the model cache is refused on use, naming the shard', () => {
    // A model fetched from a URL is served from the cache on later runs without any network: the check must be there.
    const url = 'http://127.0.0.1:9/models/v1/model.json';
    const cacheHome = path.join(work, 'xdg');
    const cached = path.join(cacheHome, 'transfer-lab', 'models', cacheIdForUrl(url));
    fs.cpSync(V1, cached, { recursive: true });
    for (const f of filesUnder(cached)) fs.chmodSync(f, 0o644);
    const shard = path.join(cached, 'group37-shard1of1');
    truncate(shard, 0.9);
    const r = cli(['train', prepared, '--backbone', url, '--max-per-class', '10', '--epochs', '1',
      '--runs', path.join(work, 'runs-bad-cache'), '--cache', path.join(work, 'cache-bad-cache'), '--json'],
    { ...process.env, XDG_CACHE_HOME: cacheHome });
    const said = expectRefused(r, shard);
    assert.ok(said.includes(`delete that folder`), said);
  });
});

describe('predictions are numbers', () => {
  it('a model whose output is NaN fails the pass, naming the model and the image, yielding nothing', async () => {
    await tf.setBackend('cpu');
    const model = tf.sequential({ layers: [
      tf.layers.globalAveragePooling2d({ inputShape: [32, 32, 3] }),
      tf.layers.dense({
        units: 2, activation: 'softmax', kernelInitializer: 'zeros',
        biasInitializer: tf.initializers.constant({ value: NaN }),
      }),
    ] });
    const files = fs.readdirSync(TEST_IMAGES).slice(0, 3).map((f) => path.join(TEST_IMAGES, f));
    const meta = {
      classes: ['cat', 'dog'], inputSize: 32, resize: 'cover' as const, preprocessing: 'minus1to1' as const,
    };
    const saved = { model, meta, jsonPath: '/runs/r/model/model.json' };
    const ctx = { emit: () => undefined, signal: new AbortController().signal };
    const yielded: unknown[] = [];
    await assert.rejects(async () => {
      for await (const b of predictFiles(tf, saved, files, 2, ctx, 0)) yielded.push(b);
    }, (e: Error & { code?: string }) => e.code === 'bad-input' && e.message.includes('/runs/r/model/model.json') &&
      e.message.includes(files[0]) && /not a number/.test(e.message));
    assert.deepEqual(yielded, []);
  });
});
