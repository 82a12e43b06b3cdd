// Run folders, model files and the embedding cache on a real temp disk.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { decodeHalf, encodeHalf } from '../../../../src/core/float16';
import { cacheFolderName, CHECKSUM_BYTES, EmbeddingCache } from '../../../../src/trainer/features/embeddingCache';
import { buildHead } from '../../../../src/trainer/model/headModel';
import { fileSystemLoader, fileSystemSaver } from '../../../../src/trainer/model/modelFiles';
import { listRunDirs, RunWriter } from '../../../../src/trainer/runs/runWriter';
import { ROOT } from '../../../fixtures/cliRun';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tl-store-'));
const init = { mode: 'feature-extractor', backbone: 'm', dataset: '/d', classes: ['a', 'b'], engine: 'cpu', config: { epochs: 3 } };

describe('run folders', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('refuses to mark a run completed before its model is on disk', async () => {
    const w = await RunWriter.create(tmp(), init);
    await assert.rejects(w.complete());
    assert.equal(w.snapshot.status, 'running');
  });

  it('records epochs, the best epoch and completion', async () => {
    const runs = tmp();
    const w = await RunWriter.create(runs, init);
    const e = { epoch: 1, loss: 0.5, acc: 0.8, valLoss: 0.4, valAcc: 0.85, lr: 1e-3, seconds: 1 };
    await w.addEpoch(e, true);
    await w.addEpoch({ ...e, epoch: 2, valLoss: 0.6 }, false);
    const model = buildHead(tf, { inputDim: 4, classes: 2, seed: 1 });
    await model.save(fileSystemSaver(w.modelDir));
    await w.complete();
    const { runs: listed } = await listRunDirs(runs);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].status, 'completed');
    assert.equal(listed[0].record.best?.epoch, 1);
    assert.equal(listed[0].record.pid, undefined);
  });

  it('lists a run whose trainer was killed as failed', async () => {
    const runs = tmp();
    const script = `require('tsx/cjs'); const {RunWriter}=require(${JSON.stringify(path.join(ROOT, 'src/trainer/runs/runWriter.ts'))});
      RunWriter.create(${JSON.stringify(runs)}, ${JSON.stringify(init)}).then(()=>process.kill(process.pid,'SIGKILL'));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    const { runs: listed } = await listRunDirs(runs);
    assert.equal(listed[0].record.status, 'running');
    assert.equal(listed[0].status, 'failed');
  });

  it('records the sha256 of the model folders at completion and refuses a changed file when loading', async () => {
    const runs = tmp();
    const w = await RunWriter.create(runs, init);
    const model = buildHead(tf, { inputDim: 4, classes: 2, seed: 1 });
    for (const dir of [w.modelDir, path.join(w.dir, 'head')]) await model.save(fileSystemSaver(dir));
    // Before completion there is nothing to check against: the run's own val check loads model/ then.
    await tf.loadLayersModel(fileSystemLoader(w.modelDir));
    await w.complete();
    const files = w.snapshot.files!;
    assert.deepEqual(Object.keys(files).sort(),
      ['head/model.json', 'head/weights.bin', 'model/model.json', 'model/weights.bin']);
    await tf.loadLayersModel(fileSystemLoader(path.join(w.dir, 'head')));
    const weights = path.join(w.dir, 'head', 'weights.bin');
    const bytes = fs.readFileSync(weights);
    bytes[0] ^= 1; // one bit: still finite floats of the right size, so only the checksum can tell
    fs.writeFileSync(weights, bytes);
    await assert.rejects(tf.loadLayersModel(fileSystemLoader(path.join(w.dir, 'head'))),
      (e: Error & { code?: string; file?: string }) => e.code === 'bad-input' && e.file === weights &&
        e.message.includes('does not match the checksum recorded when the run was saved'));
    await tf.loadLayersModel(fileSystemLoader(w.modelDir)); // the other folder is untouched
  });

  it('saves and reloads a model with identical predictions', async () => {
    const dir = path.join(tmp(), 'model');
    const model = buildHead(tf, { inputDim: 8, classes: 3, seed: 2 });
    model.setUserDefinedMetadata({ classes: ['a', 'b', 'c'] });
    await model.save(fileSystemSaver(dir));
    const loaded = await tf.loadLayersModel(fileSystemLoader(dir));
    const x = tf.randomNormal([5, 8], 0, 1, 'float32', 3);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    assert.deepEqual(Array.from(await a.data()), Array.from(await b.data()));
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).userDefinedMetadata, { classes: ['a', 'b', 'c'] });
    assert.deepEqual(fs.readdirSync(dir).sort(), ['model.json', 'weights.bin']);
  });
});

describe('embedding cache', () => {
  it('stores float16 vectors per image and variant, and rejects a wrong size', async () => {
    const cache = new EmbeddingCache(tmp(), 4, 'float16');
    const sha = 'ab'.repeat(32);
    assert.equal(await cache.get(sha, 0), undefined);
    await cache.put(sha, 0, Float32Array.of(0.5, 1, 2, 3.25));
    await cache.put(sha, 1, Float32Array.of(1, 1, 1, 1));
    assert.deepEqual(Array.from((await cache.get(sha, 0))!), [0.5, 1, 2, 3.25]);
    assert.deepEqual(Array.from((await cache.get(sha, 1))!), [1, 1, 1, 1]);
    assert.equal(cache.hits, 2);
    assert.equal(cache.misses, 1);
    await assert.rejects(cache.put(sha, 2, Float32Array.of(1)));
  });

  it('hands float16 bits in and out unchanged, and they read back as the same vector', async () => {
    const sha = 'cd'.repeat(32);
    const bits = encodeHalf(Float32Array.of(0.1, 7.5, 0, 1e-3));
    for (const dtype of ['float16', 'float32'] as const) {
      const cache = new EmbeddingCache(tmp(), 4, dtype);
      await cache.putHalves(sha, 0, bits);
      assert.deepEqual(Array.from((await cache.getHalves(sha, 0))!), Array.from(bits), dtype);
      assert.deepEqual(Array.from((await cache.get(sha, 0))!), Array.from(decodeHalf(bits)), dtype);
      await assert.rejects(cache.putHalves(sha, 1, bits.subarray(0, 3)));
    }
  });

  it('treats an entry of the right size with other bytes, or without its checksum, as damaged', async () => {
    const sha = 'ef'.repeat(32);
    for (const dtype of ['float16', 'float32'] as const) {
      const root = tmp();
      const cache = new EmbeddingCache(root, 4, dtype);
      await cache.put(sha, 0, Float32Array.of(1, 2, 3, 4));
      const [file] = fs.readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
      const good = fs.readFileSync(file);
      const flipped = Buffer.from(good);
      flipped[0] ^= 1;
      const unchecked = good.subarray(0, good.length - CHECKSUM_BYTES);
      for (const bad of [flipped, unchecked, Buffer.concat([good, Buffer.of(0)])]) {
        fs.writeFileSync(file, bad);
        assert.equal(await cache.lookupHalves(sha, 0), 'corrupt', dtype);
        assert.equal(await cache.get(sha, 0), undefined, dtype);
      }
      assert.equal(await cache.lookupHalves(sha, 1), 'absent');
      assert.equal(cache.corrupt, 6, dtype);
      fs.writeFileSync(file, good);
      assert.deepEqual(Array.from((await cache.get(sha, 0))!), [1, 2, 3, 4], dtype);
    }
  });

  it('replaces a folder found where an entry belongs, and names a file that blocks a cache folder', async () => {
    const sha = '12'.repeat(32);
    const root = tmp();
    const cache = new EmbeddingCache(root, 4);
    const entry = path.join(root, '12', `${sha}.v0.f16`);
    fs.mkdirSync(path.join(entry, 'inside'), { recursive: true });
    assert.equal(await cache.lookupHalves(sha, 0), 'corrupt');
    await cache.put(sha, 0, Float32Array.of(1, 2, 3, 4));
    assert.deepEqual(Array.from((await cache.get(sha, 0))!), [1, 2, 3, 4]);

    const blocked = path.join(tmp(), 'blocked');
    fs.writeFileSync(blocked, 'not a folder');
    await assert.rejects(new EmbeddingCache(path.join(blocked, 'model@cut'), 4).put(sha, 0, Float32Array.of(1, 2, 3, 4)),
      (e: Error & { code?: string; file?: string }) => e.code === 'bad-input' && e.file === blocked &&
        e.message.includes(`${blocked} is a file where the cache needs a folder`));
    assert.equal(fs.readFileSync(blocked, 'utf8'), 'not a folder');
  });

  it('keys the folder by everything that changes the vectors', () => {
    const base = { backbone: 'mobilenet_v2_0.35_224', cut: 'out_relu', size: 224, resize: 'cover', preprocessing: 'minus1to1', version: 1 };
    const names = new Set([base, { ...base, cut: 'block_16_add' }, { ...base, size: 160 }, { ...base, resize: 'fill' }, { ...base, version: 2 }].map(cacheFolderName));
    assert.equal(names.size, 5);
  });
});
