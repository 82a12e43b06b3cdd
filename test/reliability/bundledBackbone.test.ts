// The default backbone ships in the package: it loads with no network and no model cache, it is the same network
// as the Teachable Machine export it was cut from, a damaged copy is named instead of loaded, and `demo` on any
// folder runs offline without --backbone.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { findZooEntry } from '../../src/core/zooCatalog';
import { loadBackbone } from '../../src/trainer/model/backbone';
import { bundledModelJson, verifyBundled } from '../../src/trainer/model/bundledModels';
import { decodeImage, toBatchTensor } from '../../src/trainer/images/imagePipeline';
import { CLI, SHARED } from '../fixtures/cliRun';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bundled-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

describe('the bundled default backbone', () => {
  it('loads from the package without touching the model cache, and matches the Teachable Machine backbone', async () => {
    const cacheDir = path.join(work, 'model-cache');
    const bundled = await loadBackbone({ source: 'mobilenet_v2_0.35_224', cacheDir });
    const teachable = await loadBackbone({ source: path.join(SHARED, 'models/mobilenet_v2_0.35_224_teachable'), cut: 'out_relu' });
    assert.equal(fs.existsSync(cacheDir), false, 'nothing was downloaded');
    assert.equal(bundled.cut, 'out_relu');
    assert.equal(bundled.featureDim, 1280);
    const files = ['cat.1.jpg', 'dog.2.jpg', 'cat.3.jpg', 'dog.4.jpg'].map((f) => path.join(SHARED, 'data/dogs-vs-cats/train', f));
    const pixels = await Promise.all(files.map((f) => decodeImage(f, { size: 224, resize: 'fill' })));
    const x = toBatchTensor(tf, pixels, 224, 'minus1to1');
    const a = bundled.embed(x), b = teachable.embed(x);
    const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    assert.ok(diff <= 1e-6, `features differ by ${diff}`);
    tf.dispose([x, a, b]);
    bundled.dispose();
    teachable.dispose();
  });

  it('names a damaged copy instead of loading it', async () => {
    const entry = findZooEntry('mobilenet_v2_0.35_224')!;
    const original = bundledModelJson(entry)!;
    const copy = path.join(work, 'damaged');
    fs.cpSync(path.dirname(original), copy, { recursive: true });
    const weights = path.join(copy, 'weights.bin');
    const bytes = fs.readFileSync(weights);
    bytes[1000] ^= 0xff;
    fs.writeFileSync(weights, bytes);
    await assert.rejects(verifyBundled(entry, path.join(copy, 'model.json')), (e: Error) => e.message.includes(copy) && /damaged/.test(e.message));
    await verifyBundled(entry, original);
  });

  it('`demo <folder>` runs offline with no --backbone and no model cache', () => {
    const home = path.join(work, 'home');
    fs.mkdirSync(home);
    // No network: a proxy that refuses, and an empty cache home, so a download attempt would fail loudly.
    const env = { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' };
    const r = spawnSync(process.execPath, [CLI, 'demo', path.join(SHARED, 'data/dogs-vs-cats'), '--max-per-class', '12', '--epochs', '3',
      '--work', path.join(work, 'demo'), '--json'], { encoding: 'utf8', env, timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(summary.predictions.rows, 50);
    assert.ok(Number.isFinite(summary.best.valAcc));
    // The model cache holds only the bundled backbone's converted ONNX graph (onnx/), never a download.
    const models = path.join(home, '.cache', 'transfer-lab', 'models');
    const kept = fs.existsSync(models) ? fs.readdirSync(models) : [];
    assert.deepEqual(kept.filter((f) => f !== 'onnx'), [], 'no model was downloaded');
    assert.deepEqual(fs.readdirSync(path.join(home, '.cache', 'transfer-lab')), ['models']);
  });
});
