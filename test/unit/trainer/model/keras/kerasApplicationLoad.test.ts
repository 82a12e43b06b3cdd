// A Keras application end to end, offline: a MobileNetV2 0.35 notop weights file written with h5py in the layout
// of Keras' own downloads (layers and shapes from Keras' description of the network, seeded values), served from
// 127.0.0.1 under its Keras file name, fetched through the zoo entry with its md5 into the model cache, built and
// loaded by layer name. Needs a Python with h5py and numpy (Debian: python3-h5py); skips without one.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findKerasZooEntry, type KerasZooEntry } from '../../../../../src/core/kerasZoo';
import { loadEngine, type Tf } from '../../../../../src/trainer/engine/engine';
import { mobilenetV2 } from '../../../../../src/trainer/model/keras/applications/mobilenetV2';
import {
  fetchKerasWeights, loadKerasApplication, setWeightsByName,
} from '../../../../../src/trainer/model/keras/kerasApplicationLoad';
import type { KerasWeights } from '../../../../../src/trainer/model/keras/kerasWeights';
import { DOWNLOAD_RECORD, DownloadError, type DownloadProgress } from '../../../../../src/trainer/model/modelDownload';
import { BadInputError } from '../../../../../src/trainer/runtime/jobContext';
import { pythonWith, runPython } from '../../../../fixtures/keras/pythonWith';
import { REFERENCE_DIR } from './kerasReference';
import type { TrainResult } from '../../../../../src/core/jobs/train';
import type { TrainerEvent } from '../../../../../src/core/protocol';
import { runJob } from '../../../../../src/trainer/jobs/runJob';
import { buildKerasApplication } from '../../../../../src/trainer/model/keras/applications/kerasApplications';
import { leafLayers } from '../../../../../src/trainer/model/keras/kerasLoad';
import { loadKerasModel, writeKerasH5 } from '../../../../../src/trainer/model/keras/kerasH5';
import { SHARED } from '../../../../fixtures/cliRun';

const WRITER = path.resolve(__dirname, '../../../../fixtures/keras/writeKeras2Weights.py');
const ENTRY = findKerasZooEntry('mobilenet_v2_0.35_224_keras')!;
const FILE = path.posix.basename(new URL(ENTRY.weights.url).pathname);

let tf: Tf;
let tmp = '';
let served = '';
let base = '';
let expected: Record<string, { first: number; sum: number }> = {};
let md5 = '';
let python: string | undefined;
const requests: string[] = [];

const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  requests.push(rel);
  let body: Buffer;
  try {
    body = readFileSync(path.join(served, path.basename(rel)));
  } catch {
    return res.writeHead(404).end();
  }
  res.writeHead(200, { 'content-length': body.length }).end(body);
});

/** The zoo entry as it is, but for its weights URL, which points at the local server. */
const local = (entry: KerasZooEntry, md5sum = entry.weights.md5): KerasZooEntry =>
  ({ ...entry, weights: { url: `${base}/mobilenet_v2/${FILE}`, md5: md5sum } });

describe('Keras application from the zoo: download with md5, build, load by layer name', () => {
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-keras-app-'));
    served = path.join(tmp, 'served');
    await fsp.mkdir(served);
    python = pythonWith(['h5py', 'numpy']);
    if (python) {
      runPython(python, [WRITER, path.join(REFERENCE_DIR, 'mobilenet_v2_224_0.35.json'), path.join(served, FILE),
        path.join(tmp, 'expected.json')]);
      expected = JSON.parse(await fsp.readFile(path.join(tmp, 'expected.json'), 'utf8'));
      md5 = createHash('md5').update(await fsp.readFile(path.join(served, FILE))).digest('hex');
    }
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('fetches the file into the model cache under the entry\'s id, checks its md5, and every weight lands by name',
    async (t) => {
      if (!python) return t.skip('no python3 with h5py and numpy (apt-get install python3-h5py)');
      const cacheDir = path.join(tmp, 'cache');
      const entry = local(ENTRY, md5);
      const progress: DownloadProgress[] = [];
      const file = await fetchKerasWeights(entry, { cacheDir, onProgress: (p) => progress.push(p) });
      assert.equal(file, path.join(cacheDir, 'mobilenet_v2_0.35_224_keras', FILE));
      const size = (await fsp.stat(file)).size;
      assert.deepEqual(progress.at(-1), { file: FILE, bytesDone: size, bytesTotal: size });
      const record = JSON.parse(await fsp.readFile(path.join(path.dirname(file), DOWNLOAD_RECORD), 'utf8'));
      assert.equal(record.md5, md5);

      const model = await loadKerasApplication(tf, entry, file);
      try {
        assert.equal(model.countParams(), 410_208);
        let checked = 0;
        for (const layer of model.layers) {
          for (const w of layer.weights) {
            const saved = expected[`${w.originalName}:0`];
            assert.ok(saved, `${w.originalName} was written`);
            const values = w.read().dataSync() as Float32Array;
            assert.equal(values[0], Math.fround(saved.first), `${w.originalName}: first value`);
            const sum = values.reduce((a, b) => a + b, 0);
            assert.ok(Math.abs(sum - saved.sum) <= 1e-3 * Math.max(1, Math.abs(saved.sum)), `${w.originalName}: sum`);
            checked++;
          }
        }
        assert.equal(checked, 260, 'every weight of MobileNetV2 0.35: 52 convs, and 52 BatchNorms × 4');
      } finally {
        model.dispose();
      }

      // Reused from the cache: no second request.
      const before = requests.length;
      assert.equal(await fetchKerasWeights(entry, { cacheDir }), file);
      assert.equal(requests.length, before);
    });

  it('refuses a file whose md5 is not Keras\', and keeps nothing of it', async (t) => {
    if (!python) return t.skip('no python3 with h5py and numpy (apt-get install python3-h5py)');
    const cacheDir = path.join(tmp, 'cache-wrong');
    const wrong = '0'.repeat(32);
    await assert.rejects(fetchKerasWeights(local(ENTRY, wrong), { cacheDir }), (e: unknown) =>
      e instanceof DownloadError && e.kind === 'checksum' && e.message.includes(`expected md5 ${wrong}, got ${md5}`));
    assert.deepEqual(await fsp.readdir(path.join(cacheDir, 'mobilenet_v2_0.35_224_keras')), []);
  });

  it('downloads again a cached copy that changed', async (t) => {
    if (!python) return t.skip('no python3 with h5py and numpy (apt-get install python3-h5py)');
    const cacheDir = path.join(tmp, 'cache-damaged');
    const file = await fetchKerasWeights(local(ENTRY, md5), { cacheDir });
    await fsp.appendFile(file, 'x');
    const before = requests.length;
    assert.equal(await fetchKerasWeights(local(ENTRY, md5), { cacheDir }), file);
    assert.equal(requests.length, before + 1);
    assert.equal(createHash('md5').update(await fsp.readFile(file)).digest('hex'), md5);
  });

  it('names the layer and the weight when the file is for another network or width', async (t) => {
    if (!python) return t.skip('no python3 with h5py and numpy (apt-get install python3-h5py)');
    const file = path.join(served, FILE);
    await assert.rejects(loadKerasApplication(tf, findKerasZooEntry('mobilenet_v2_0.5_224_keras')!, file),
      (e: unknown) => e instanceof BadInputError &&
        e.message.includes('layer "block_1_project" weight kernel has shape [1, 1, 48, 8] in the file ' +
          '(block_1_project/kernel:0), the network needs [1, 1, 48, 16]'));
    await assert.rejects(loadKerasApplication(tf, findKerasZooEntry('vgg16_keras')!, file, { inputSize: 32 }),
      (e: unknown) => e instanceof BadInputError &&
        e.message.includes('has no weights for layer "block1_conv1" (Conv2D)'));
  });

  it('refuses, before changing any layer, weights saved in another order, in another number, or missing', () => {
    const model = mobilenetV2(tf, { alpha: 0.35, inputSize: 32 });
    const saved = (): KerasWeights => new Map(model.layers.map((l) => [l.name, l.weights.map((w) => ({
      name: `${w.originalName}:0`, shape: w.shape as number[], data: new Float32Array(w.read().dataSync()),
    }))]));
    const before = model.getLayer('Conv1').getWeights()[0].dataSync().slice();
    const refused = (weights: KerasWeights, message: string) => {
      assert.throws(() => setWeightsByName(tf, model, weights, 'w.h5'),
        (e: unknown) => e instanceof BadInputError && e.message === message);
      assert.deepEqual(model.getLayer('Conv1').getWeights()[0].dataSync(), before, 'Conv1 unchanged');
    };
    try {
      const changed = saved();
      changed.get('Conv1')![0].data.fill(1);
      const bn = changed.get('block_16_project_BN')!;
      [bn[0], bn[1]] = [bn[1], bn[0]];
      refused(changed, 'w.h5: layer "block_16_project_BN" weight gamma has block_16_project_BN/beta:0 in its place: ' +
        'the file keeps this layer\'s weights in another order');
      const fewer = saved();
      fewer.set('Conv_1_bn', fewer.get('Conv_1_bn')!.slice(0, 2));
      refused(fewer, 'w.h5: layer "Conv_1_bn" has 2 weights in the file (Conv_1_bn/gamma:0, Conv_1_bn/beta:0), the ' +
        'network has 4 (gamma, beta, moving_mean, moving_variance)');
      const missing = saved();
      missing.delete('block_5_expand');
      refused(missing, 'w.h5 has no weights for layer "block_5_expand" (Conv2D): it was not saved from this network');
      // A classifier in the file, which the notop network lacks, is left out as Keras' by-name loading does.
      const withTop = saved();
      withTop.set('Logits', [{ name: 'Logits/kernel:0', shape: [1280, 1000], data: new Float32Array(1_280_000) }]);
      setWeightsByName(tf, model, withTop, 'w.h5');
    } finally {
      model.dispose();
    }
  });
  // The done-when line "offline, the same code path runs": once the file is in the model cache (fetched here from the
  // local server), `train --backbone mobilenet_v2_0.35_224_keras` is exactly what a user runs online after the first
  // download: loadBackbone finds the zoo entry, its cached file, builds the network and trains on ONNX Runtime.
  it('trains the recipe on the zoo id from the model cache, with no network', async (t) => {
    if (!python) return t.skip('no python3 with h5py and numpy (apt-get install python3-h5py)');
    // Seeded random weights overflow 17 blocks deep (the trainer rightly refuses their NaN features), so the test
    // writes real ImageNet weights in Keras' layout: the network built here, given Teachable Machine's MobileNetV2 0.35
    // weights by layer name (its Keras 2.4 file), written as a Keras HDF5 file.
    const realServed = path.join(tmp, 'served-real');
    await fsp.mkdir(realServed);
    const teachable = await loadKerasModel(tf, path.join(SHARED, 'models/teachable_keras_h5_waste/keras_model.h5'));
    const built = buildKerasApplication(tf, 'mobilenet_v2', { alpha: 0.35, inputSize: 224 });
    const byName = new Map(leafLayers(teachable as unknown as Parameters<typeof leafLayers>[0]).map((l) => [l.name, l]));
    for (const layer of built.layers) {
      if (layer.weights.length) layer.setWeights(byName.get(layer.name)!.getWeights());
    }
    await writeKerasH5(tf, built, path.join(realServed, FILE));
    teachable.dispose();
    built.dispose();
    const modelCacheDir = path.join(tmp, 'train-models');
    served = realServed;
    try {
      await fetchKerasWeights(local(ENTRY), { cacheDir: modelCacheDir });
    } finally {
      served = path.join(tmp, 'served');
    }
    const before = requests.length;
    const events: TrainerEvent[] = [];
    const ctx = { emit: (e: TrainerEvent) => void events.push(e), signal: new AbortController().signal };
    const prepared = path.join(tmp, 'prepared');
    const prep = await runJob('prepare', {
      source: path.join(SHARED, 'data/dogs-vs-cats'), out: prepared, maxPerClass: 12, maxTest: 1,
    }, ctx);
    assert.equal(prep.type, 'done', JSON.stringify(prep));
    const done = await runJob('train', {
      dataset: prepared, backbone: ENTRY.id, modelCacheDir, cacheDir: path.join(tmp, 'embeddings'),
      runsDir: path.join(tmp, 'runs'), epochs: 2, augment: 0,
    }, ctx);
    assert.equal(done.type, 'done', JSON.stringify(done));
    const r = (done as { result: TrainResult }).result;
    assert.equal(r.frozenEngine, 'onnxruntime-cpu');
    const run = JSON.parse(await fsp.readFile(path.join(r.dir, 'run.json'), 'utf8'));
    assert.equal(run.backbone, ENTRY.id);
    assert.equal(requests.length, before, 'the trainer fetched nothing: the cached Keras file was used');
  });
});
