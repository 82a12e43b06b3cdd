// writeKerasH5 → loadKerasModel gives back the same network, and h5py sees the file laid out as Keras 2.4 lays out
// the real Teachable Machine export (/work/shared/models/teachable_keras_h5_waste): the same attribute types, the
// same groups, and for that model itself the same weight_names in the same order with the same values. Keras 2
// loads a full model's weights by position, so that order is what makes the file load in Keras.
// The h5py checks skip, saying so, where no python3 has h5py (Debian: apt-get install -y python3-h5py).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { loadEngine, type Tf } from '../../../../../src/trainer/engine/engine';
import { loadKerasModel, readKerasWeights, writeKerasH5 } from '../../../../../src/trainer/model/keras/kerasH5';
import { SHARED } from '../../../../fixtures/cliRun';
import { h5pyPython, kerasFiles } from '../../../../fixtures/kerasPython';

const KERAS_TM = path.join(SHARED, 'models/teachable_keras_h5_waste/keras_model.h5');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-keras-write-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

let tf: Tf;

interface AttrType { class: string | number; vlen?: boolean; cset?: number }
interface Inspected {
  root_attrs: Record<string, AttrType>;
  keys: string[];
  model_config_keys: string[];
  model_config_class: string;
  keras_version: string;
  backend: string;
  model_weights_attrs: Record<string, AttrType>;
  layer_names: string[];
  layers: Record<string, {
    weight_names_type: AttrType; weight_names: string[];
    datasets: Record<string, { shape: number[]; dtype: string; chunks: unknown }>;
  }>;
}

const inspect = (file: string) => JSON.parse(kerasFiles('inspect', file)) as Inspected;

/** A functional model with a branch, a frozen BatchNorm and trained-looking statistics: every weight random. */
function smallFunctional(): tfType.LayersModel {
  const input = tf.input({ shape: [8, 8, 3], name: 'image' });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c1' }).apply(input) as tfType.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn1' }).apply(x) as tfType.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6, name: 'relu1' }).apply(x) as tfType.SymbolicTensor;
  const branch = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' }).apply(x) as tfType.SymbolicTensor;
  x = tf.layers.add({ name: 'skip' }).apply([x, branch]) as tfType.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfType.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(x) as tfType.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: 'small' });
  model.getLayer('bn1').trainable = false;
  let seed = 1;
  for (const l of model.layers) {
    if (!l.weights.length) continue;
    l.setWeights(l.weights.map((w) => /moving_variance/.test(w.originalName)
      ? tf.randomUniform(w.shape as number[], 0.5, 2, 'float32', seed++)
      : tf.randomNormal(w.shape as number[], 0, 0.5, 'float32', seed++)));
  }
  return model;
}

function maxAbs(a: tfType.Tensor, b: tfType.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('writeKerasH5', () => {
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
  });

  it('round-trips the Teachable Machine model: identical predictions, and h5py sees Keras\' own layout', async (t) => {
    const original = await loadKerasModel(tf, KERAS_TM);
    const file = path.join(work, 'nested', 'tm.h5');
    await writeKerasH5(tf, original, file, { metadata: { labels: '["cardboard","plastic","glass","metal"]' } });
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['tm.h5'], 'no temp file left behind');
    const reread = await loadKerasModel(tf, file);
    const x = tf.randomUniform([3, 224, 224, 3], -1, 1, 'float32', 7);
    const [a, b] = [original.predict(x) as tfType.Tensor, reread.predict(x) as tfType.Tensor];
    assert.equal(maxAbs(a, b), 0);
    tf.dispose([x, a, b]);
    original.dispose();
    reread.dispose();

    const { why } = h5pyPython();
    if (why) return t.skip(`h5py layout checks: ${why}`);
    const [ours, keras] = [inspect(file), inspect(KERAS_TM)];
    for (const key of ['model_config', 'keras_version', 'backend']) {
      assert.deepEqual(ours.root_attrs[key], keras.root_attrs[key], `root attribute ${key} typed as Keras writes it`);
    }
    assert.deepEqual(ours.root_attrs.labels, { class: 'string', vlen: true, cset: 1 });
    assert.deepEqual(ours.keys, keras.keys);
    assert.deepEqual(ours.model_config_keys, ['class_name', 'config']);
    assert.equal(ours.model_config_class, keras.model_config_class);
    assert.deepEqual([ours.keras_version, ours.backend], ['2.4.0', 'tensorflow']);
    assert.deepEqual(Object.keys(ours.model_weights_attrs).sort(), Object.keys(keras.model_weights_attrs).sort());
    for (const key of ['backend', 'keras_version']) {
      assert.deepEqual(ours.model_weights_attrs[key], keras.model_weights_attrs[key], `model_weights/${key}`);
    }
    assert.deepEqual(ours.model_weights_attrs.layer_names, { class: 'string', vlen: false, cset: 0 });
    // Keras 2 hides a Sequential's InputLayer from its layers: the same two groups as Keras wrote.
    assert.deepEqual(ours.layer_names, keras.layer_names);
    for (const name of keras.layer_names) {
      assert.deepEqual(ours.layers[name].weight_names_type, { class: 'string', vlen: false, cset: 0 });
      for (const ds of Object.values(ours.layers[name].datasets)) assert.equal(ds.dtype, 'float32');
    }
    // The nested MobileNetV2's 260 weights, trainable ones first as Keras orders them, each with Keras' values.
    const same = JSON.parse(kerasFiles('same-weights', KERAS_TM, file)) as Record<string, { count: number; same_order: boolean; same_values: boolean }>;
    assert.deepEqual(same, {
      sequential_1: { count: 260, same_order: true, same_values: true },
      sequential_3: { count: 3, same_order: true, same_values: true },
    });
  });

  it('round-trips a small functional model (branch, frozen BatchNorm): identical predictions, Keras\' layout', async (t) => {
    const model = smallFunctional();
    const file = path.join(work, 'small.h5');
    await writeKerasH5(tf, model, file);
    const reread = await loadKerasModel(tf, file);
    assert.deepEqual(reread.layers.map((l) => l.name), model.layers.map((l) => l.name));
    assert.equal(reread.getLayer('bn1').trainable, false);
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 3);
    const [a, b] = [model.predict(x) as tfType.Tensor, reread.predict(x) as tfType.Tensor];
    assert.equal(maxAbs(a, b), 0);
    tf.dispose([x, a, b]);
    model.dispose();
    reread.dispose();

    const { why } = h5pyPython();
    if (why) return t.skip(`h5py layout checks: ${why}`);
    const got = inspect(file);
    assert.equal(got.model_config_class, 'Model');
    // A functional model lists every layer, its InputLayer and weightless ones too (empty weight_names).
    assert.deepEqual(got.layer_names, ['image', 'c1', 'bn1', 'relu1', 'dw', 'skip', 'pool', 'probs']);
    assert.deepEqual(got.layers.image.weight_names, []);
    assert.deepEqual(got.layers.c1.weight_names, ['c1/kernel:0', 'c1/bias:0']);
    assert.deepEqual(got.layers.bn1.weight_names,
      ['bn1/gamma:0', 'bn1/beta:0', 'bn1/moving_mean:0', 'bn1/moving_variance:0']);
    assert.deepEqual(got.layers.dw.datasets['dw/depthwise_kernel:0'], { shape: [3, 3, 4, 1], dtype: 'float32', chunks: null });
    assert.deepEqual(got.layers.probs.weight_names, ['probs/kernel:0', 'probs/bias:0']);
  });

  it('splits a weight_names list past the 64 KiB object header as Keras does, and reads it back whole', async (t) => {
    const inner = tf.sequential({ name: 'inner' });
    for (let i = 0; i < 900; i++) {
      inner.add(tf.layers.dense({ units: 1, inputShape: i === 0 ? [1] : undefined, name: `a_rather_long_dense_layer_name_${i}` }));
    }
    const outer = tf.sequential({ name: 'outer', layers: [inner] });
    const file = path.join(work, 'long.h5');
    try {
      await writeKerasH5(tf, outer, file);
      const weights = await readKerasWeights(file);
      assert.equal(weights.get('inner')!.length, 1800);
      assert.equal(weights.get('inner')![1799].name, 'a_rather_long_dense_layer_name_899/bias:0');
    } finally {
      outer.dispose();
    }
    const { python, why } = h5pyPython();
    if (why) return t.skip(`h5py check: ${why}`);
    const r = spawnSync(python!, ['-c', `import h5py; g = h5py.File(${JSON.stringify(file)}, 'r')['model_weights/inner']; ` +
      `print(sorted(g.attrs.keys()), max(g.attrs[k].nbytes for k in g.attrs))`], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), "['weight_names0', 'weight_names1'] 39600");
  });

  it('refuses metadata that would replace an attribute Keras reads', async () => {
    const model = smallFunctional();
    try {
      await assert.rejects(writeKerasH5(tf, model, path.join(work, 'bad.h5'), { metadata: { keras_version: 'x' } }),
        /keras_version/);
      assert.equal(fs.existsSync(path.join(work, 'bad.h5')), false);
    } finally {
      model.dispose();
    }
  });
});
