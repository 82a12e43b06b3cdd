// The real Teachable Machine Keras export in /work/shared/models/teachable_keras_h5_waste (Keras 2.4: MobileNetV2
// 0.35 in a nested Sequential 'sequential_1', a 4-class head in 'sequential_3'), read with h5wasm and built by
// TF.js' Keras deserialiser, on real photos decoded the product's way. Its backbone must give the features of the
// TF.js Teachable Machine backbone in /work/shared/models/mobilenet_v2_0.35_224_teachable, loaded as the product
// loads backbones: the two exports carry the same ImageNet weights.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { loadEngine, type Tf } from '../../../../../src/trainer/engine/engine';
import { decodeImage, toBatchTensor } from '../../../../../src/trainer/images/imagePipeline';
import { loadBackbone } from '../../../../../src/trainer/model/backbone';
import { loadKerasModel, readKerasModelFile, readKerasWeights } from '../../../../../src/trainer/model/keras/kerasH5';
import { SHARED } from '../../../../fixtures/cliRun';

const KERAS_TM = path.join(SHARED, 'models/teachable_keras_h5_waste/keras_model.h5');
const TFJS_TM = path.join(SHARED, 'models/mobilenet_v2_0.35_224_teachable');
const DATA = path.join(SHARED, 'data/dogs-vs-cats/train');
const PHOTOS = [...Array(10).keys()].flatMap((i) => [`cat.${i}.jpg`, `dog.${i}.jpg`]).map((f) => path.join(DATA, f));

let tf: Tf;
let x: tfType.Tensor4D;

describe('the Teachable Machine Keras export (keras_model.h5)', () => {
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
    const pixels = await Promise.all(PHOTOS.map((f) => decodeImage(f, { size: 224 })));
    x = toBatchTensor(tf, pixels, 224, 'minus1to1');
  });

  it('reads its weights by layer in saved order, the nested model\'s named by their inner layers', async () => {
    const weights = await readKerasWeights(KERAS_TM);
    assert.deepEqual([...weights.keys()], ['sequential_1', 'sequential_3']);
    const backbone = weights.get('sequential_1')!;
    assert.equal(backbone.length, 260);
    assert.deepEqual(backbone.slice(0, 3).map((w) => [w.name, w.shape]),
      [['Conv1/kernel:0', [3, 3, 3, 16]], ['bn_Conv1/gamma:0', [16]], ['bn_Conv1/beta:0', [16]]]);
    // Keras' order for a nested model: every trainable weight, then the moving statistics.
    const firstMoving = backbone.findIndex((w) => w.name.includes('moving_'));
    assert.equal(backbone[firstMoving].name, 'bn_Conv1/moving_mean:0');
    assert.ok(backbone.slice(firstMoving).every((w) => /moving_(mean|variance)/.test(w.name)));
    assert.deepEqual(weights.get('sequential_3')!.map((w) => [w.name, w.shape, w.data.length]),
      [['dense_Dense1/kernel:0', [1280, 100], 128000], ['dense_Dense1/bias:0', [100], 100],
        ['dense_Dense2/kernel:0', [100, 4], 400]]);
  });

  it('reads its config and Keras version', async () => {
    const file = await readKerasModelFile(KERAS_TM);
    assert.equal(file.kerasVersion, '2.4.0');
    assert.equal((file.modelConfig as { class_name: string }).class_name, 'Sequential');
    assert.deepEqual([...file.weights.keys()], ['sequential_1', 'sequential_3']);
  });

  it('loads, and its 4-class predictions on real photos are finite and sum to 1', async () => {
    const labels = readFileSync(path.join(path.dirname(KERAS_TM), 'labels.txt'), 'utf8').trim().split('\n');
    const model = await loadKerasModel(tf, KERAS_TM);
    try {
      const p = model.predict(x) as tfType.Tensor2D;
      assert.deepEqual(p.shape, [PHOTOS.length, labels.length]);
      for (const row of p.arraySync()) {
        assert.ok(row.every(Number.isFinite), `finite: ${row}`);
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `sums to 1: ${row}`);
      }
      p.dispose();
    } finally {
      model.dispose();
    }
  });

  it('has the backbone of the TF.js Teachable Machine export: pooled out_relu features within 1e-4', async (t) => {
    const model = await loadKerasModel(tf, KERAS_TM);
    const reference = await loadBackbone({ source: TFJS_TM, cut: 'out_relu' });
    try {
      // sequential_1 is MobileNetV2 (Functional 'model1', ending at out_relu) then GlobalAveragePooling2D; the
      // product's backbone pools at its cut the same way.
      const sequential1 = model.layers.find((l) => l.name === 'sequential_1') as tfType.Sequential;
      const mobilenet = sequential1.layers.find((l) => l.name === 'model1') as tfType.LayersModel;
      assert.equal(mobilenet.layers.at(-1)!.name, 'out_relu');
      assert.equal(sequential1.layers.at(-1)!.getClassName(), 'GlobalAveragePooling2D');
      const ours = sequential1.predict(x) as tfType.Tensor2D;
      const theirs = reference.embed(x);
      assert.deepEqual(ours.shape, [PHOTOS.length, 1280]);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]);
      const scale = tf.tidy(() => tf.max(tf.abs(theirs)).dataSync()[0]);
      t.diagnostic(`pooled out_relu on ${PHOTOS.length} photos: max abs ${diff} (values up to ${scale.toFixed(2)})`);
      // Measured 0: the same float32 weights through the same kernels.
      assert.ok(diff <= 1e-4, `max abs ${diff}`);
      assert.ok(scale > 1, 'real features, not zeros');
      tf.dispose([ours, theirs]);
    } finally {
      model.dispose();
      reference.dispose();
    }
  });
});
