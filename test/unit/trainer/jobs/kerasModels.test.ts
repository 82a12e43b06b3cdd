// A real Teachable Machine Keras export (Keras 2.4 .h5: MobileNetV2 0.35 + a 4-class head, labels.txt beside it)
// picked the way a user picks it: as a backbone (`--backbone path/to/keras_model.h5`, cut found automatically at
// the layer before its head) and as a complete model for predict (`predict keras_model.h5 <images>`).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import type { PredictResult } from '../../../../src/core/jobs/predict';
import type { TrainerEvent } from '../../../../src/core/protocol';
import { loadEngine, type Tf } from '../../../../src/trainer/engine/engine';
import { decodeImage, toBatchTensor } from '../../../../src/trainer/images/imagePipeline';
import { runJob } from '../../../../src/trainer/jobs/runJob';
import { loadBackbone } from '../../../../src/trainer/model/backbone';
import { loadKerasModel } from '../../../../src/trainer/model/keras/kerasH5';
import { SHARED } from '../../../fixtures/cliRun';

const TM_H5 = path.join(SHARED, 'models/teachable_keras_h5_waste/keras_model.h5');
const TM_TFJS = path.join(SHARED, 'models/mobilenet_v2_0.35_224_teachable');
const PHOTOS = path.join(SHARED, 'data/dogs-vs-cats/train');
const NAMES = [...Array(8).keys()].flatMap((i) => [`cat.${i}.jpg`, `dog.${i}.jpg`]);

describe('a Keras .h5 file as a backbone and as a complete model', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-keras-models-'));
  const events: TrainerEvent[] = [];
  const ctx = { emit: (e: TrainerEvent) => void events.push(e), signal: new AbortController().signal };
  let tf: Tf;
  let pixels: Uint8Array[];

  before(async () => {
    ({ tf } = await loadEngine('wasm'));
    pixels = await Promise.all(NAMES.map((n) => decodeImage(path.join(PHOTOS, n), { size: 224, resize: 'cover' })));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  };

  it('as a backbone: cut at out_relu before its head, features equal to the TF.js copy of the same weights', async () => {
    const fromH5 = await loadBackbone({ source: TM_H5 });
    const fromTfjs = await loadBackbone({ source: TM_TFJS });
    try {
      assert.deepEqual([fromH5.family, fromH5.cut, fromH5.featureDim, fromH5.preprocessing],
        ['mobilenet_v2', 'out_relu', 1280, 'minus1to1']);
      // Its head (Teachable Machine's dense layers) is not part of the backbone: out_relu is the top.
      assert.equal(fromH5.layers.at(-1)!.name, 'out_relu');
      const x = toBatchTensor(tf, pixels, 224, 'minus1to1');
      const a = fromH5.embed(x), b = fromTfjs.embed(x);
      const diff = maxAbs(a.dataSync(), b.dataSync());
      assert.ok(diff <= 1e-4, `features differ by ${diff}`);
      tf.dispose([x, a, b]);
    } finally {
      fromH5.dispose();
      fromTfjs.dispose();
    }
  });

  it('as a complete model: predict writes its 4 classes from labels.txt, as TF.js computes them', async () => {
    const images = path.join(work, 'images');
    fs.mkdirSync(images);
    for (const n of NAMES) fs.copyFileSync(path.join(PHOTOS, n), path.join(images, n));
    const out = path.join(work, 'waste.csv');
    const done = await runJob('predict', { runDir: TM_H5, images, out }, ctx);
    assert.equal(done.type, 'done', JSON.stringify(done));
    const r = (done as { result: PredictResult }).result;
    assert.deepEqual(r.columns, ['cardboard', 'plastic', 'glass', 'metal']);
    assert.equal(r.rows, NAMES.length);
    // Teachable Machine files do not record their preprocessing: the job says what it assumed.
    assert.ok(events.some((e) => e.type === 'log' && e.level === 'warn' && /does not record its preprocessing/.test(e.message)));

    const rows = fs.readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const model = await loadKerasModel(tf, TM_H5);
    try {
      const x = toBatchTensor(tf, pixels, 224, 'minus1to1');
      const ref = model.predict(x) as tfType.Tensor;
      const want = ref.arraySync() as number[][];
      tf.dispose([x, ref]);
      for (const [k, n] of NAMES.entries()) {
        const row = rows.find((c) => c[0] === path.parse(n).name)!;
        const got = row.slice(1).map(Number);
        assert.ok(Math.abs(got.reduce((s, v) => s + v, 0) - 1) < 1e-4, `${n}: ${got}`);
        assert.ok(maxAbs(got, want[k]) <= 1e-4, `${n}: ${got} vs TF.js ${want[k]}`);
      }
    } finally {
      model.dispose();
    }
  });

  it('a model file whose outputs cannot be named is refused, naming the file and what to add', async () => {
    const alone = path.join(work, 'alone');
    fs.mkdirSync(alone);
    fs.copyFileSync(TM_H5, path.join(alone, 'keras_model.h5'));
    const images = path.join(work, 'one');
    fs.mkdirSync(images);
    fs.copyFileSync(path.join(PHOTOS, NAMES[0]), path.join(images, NAMES[0]));
    const done = await runJob('predict', { runDir: path.join(alone, 'keras_model.h5'), images }, ctx);
    assert.equal(done.type, 'error');
    const message = JSON.stringify(done);
    assert.match(message, /keras_model\.h5 does not say what its outputs are/);
    assert.match(message, /labels\.txt/);
    assert.ok(!fs.existsSync(path.join(alone, 'predictions.csv')), 'nothing written');
  });
  it('evaluate takes a model file with --dataset, matching classes by name whatever their order', async () => {
    // Teachable Machine's order is cardboard, plastic, glass, metal; a prepared dataset sorts its classes by name.
    const source = path.join(work, 'waste');
    const classes = ['cardboard', 'plastic', 'glass', 'metal'];
    classes.forEach((c, k) => {
      fs.mkdirSync(path.join(source, c), { recursive: true });
      for (const n of NAMES.slice(k * 4, k * 4 + 4)) fs.copyFileSync(path.join(PHOTOS, n), path.join(source, c, n));
    });
    const prepared = path.join(work, 'waste-prepared');
    const prep = await runJob('prepare', { source, out: prepared, val: 0.5 }, ctx);
    assert.equal(prep.type, 'done', JSON.stringify(prep));
    const refused = await runJob('evaluate', { runDir: TM_H5 }, ctx);
    assert.match(JSON.stringify(refused), /is a model file: say which prepared dataset/);
    const done = await runJob('evaluate', { runDir: TM_H5, dataset: prepared }, ctx);
    assert.equal(done.type, 'done', JSON.stringify(done));
    const r = (done as { result: { count: number; accuracy: number; classes: string[]; confusion: number[][] } }).result;
    assert.deepEqual(r.classes, classes);
    assert.equal(r.count, 8);
    // The same images through predict, scored against their folders by hand: the same accuracy.
    const images = path.join(prepared, 'val');
    const rows: { truth: string; best: string }[] = [];
    for (const c of fs.readdirSync(images)) {
      const out = path.join(work, `val-${c}.csv`);
      const p = await runJob('predict', { runDir: TM_H5, images: path.join(images, c), out }, ctx);
      assert.equal(p.type, 'done', JSON.stringify(p));
      for (const line of fs.readFileSync(out, 'utf8').trim().split('\n').slice(1)) {
        const v = line.split(',').slice(1).map(Number);
        rows.push({ truth: c, best: classes[v.indexOf(Math.max(...v))] });
      }
    }
    assert.equal(rows.length, 8);
    assert.equal(r.accuracy, rows.filter((x) => x.truth === x.best).length / rows.length);
    assert.ok(!fs.existsSync(path.join(path.dirname(TM_H5), 'evaluation.json')), 'nothing written beside the model');
  });
});
