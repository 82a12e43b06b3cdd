// A weights-only file as Keras 2's save_weights and keras-applications' *_notop.h5 downloads lay it out (layers at
// the root, attributes layer_names and weight_names, no model_config), written with h5py into a temp folder with
// random weights: readKerasWeights gives each layer's weights by name in saved order, and assignKerasWeights puts
// them into a TF.js network built in code by layer name, refusing a mismatch by layer and weight.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { loadEngine, type Tf } from '../../../../../src/trainer/engine/engine';
import {
  assignKerasWeights, readKerasModelFile, readKerasWeights, type KerasWeights,
} from '../../../../../src/trainer/model/keras/kerasH5';
import { BadInputError } from '../../../../../src/trainer/runtime/jobContext';
import { h5pyPython, kerasFiles } from '../../../../fixtures/kerasPython';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-keras-weights-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

const NOTOP = path.join(work, 'tiny_notop.h5');
type Expected = { layer: string; weights: { name: string; shape: number[]; data: number[] }[] }[];
let expected: Expected;
/** What readKerasWeights gave for NOTOP. */
let saved: KerasWeights;
let tf: Tf;

/** The network the file was saved from, built in code with Keras' layer names; `filters` changes conv1. */
function tiny(filters = 4): tfType.LayersModel {
  const input = tf.input({ shape: [8, 8, 3], name: 'input_1' });
  let x = tf.layers.conv2d({ filters, kernelSize: 3, name: 'conv1' }).apply(input) as tfType.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'conv1_bn' }).apply(x) as tfType.SymbolicTensor;
  x = tf.layers.reLU({ name: 'conv1_relu' }).apply(x) as tfType.SymbolicTensor;
  x = tf.layers.depthwiseConv2d({ kernelSize: 3, useBias: false, name: 'dw' }).apply(x) as tfType.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 6, kernelSize: 1, useBias: false, name: 'pw' }).apply(x) as tfType.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x, name: 'tiny' });
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.from(a).every((v, i) => Math.abs(v - b[i]) <= 1e-7 * Math.max(1, Math.abs(b[i])));

describe('a weights-only Keras file (keras-applications *_notop.h5 layout)', () => {
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
    if (h5pyPython().why) return;
    kerasFiles('notop', NOTOP, path.join(work, 'expected.json'));
    expected = JSON.parse(fs.readFileSync(path.join(work, 'expected.json'), 'utf8')) as Expected;
    saved = await readKerasWeights(NOTOP);
  });

  it('reads every layer\'s weights by name, in the order Keras saved them', async (t) => {
    const { why } = h5pyPython();
    if (why) return t.skip(why);
    const weights = saved;
    // layer_names order, not HDF5's alphabetical listing; weightless layers are there with none.
    assert.deepEqual([...weights.keys()], expected.map((l) => l.layer));
    for (const { layer, weights: want } of expected) {
      const got = weights.get(layer)!;
      assert.deepEqual(got.map((w) => [w.name, w.shape]), want.map((w) => [w.name, w.shape]), layer);
      got.forEach((w, i) => {
        assert.ok(w.data instanceof Float32Array);
        assert.ok(close(w.data, want[i].data), `${w.name} values`);
      });
    }
    // conv1_bn's weight_names were split as Keras splits a long list (weight_names0, weight_names1).
    assert.deepEqual(weights.get('conv1_bn')!.map((w) => w.name),
      ['conv1_bn/gamma:0', 'conv1_bn/beta:0', 'conv1_bn/moving_mean:0', 'conv1_bn/moving_variance:0']);
  });

  it('fills a network built in code by layer name', async (t) => {
    const { why } = h5pyPython();
    if (why) return t.skip(why);
    const model = tiny();
    try {
      assignKerasWeights(tf, model, saved, NOTOP);
      for (const { layer, weights: want } of expected) {
        const got = model.getLayer(layer).getWeights();
        assert.equal(got.length, want.length, layer);
        got.forEach((w, i) => assert.ok(close(w.dataSync(), want[i].data), `${layer} weight ${i}`));
      }
    } finally {
      model.dispose();
    }
  });

  it('refuses another variant, naming the layer and the weight, and changes nothing', async (t) => {
    const { why } = h5pyPython();
    if (why) return t.skip(why);
    const model = tiny(5);
    try {
      const before = model.getLayer('pw').getWeights()[0].dataSync().slice();
      assert.throws(() => assignKerasWeights(tf, model, saved, NOTOP), (e: unknown) =>
        e instanceof BadInputError && /layer "conv1" weight "kernel" has shape \[3, 3, 3, 4\] in the file, and the model expects \[3, 3, 3, 5\]/.test(e.message));
      assert.deepEqual(model.getLayer('pw').getWeights()[0].dataSync(), before, 'no layer was written');
    } finally {
      model.dispose();
    }
  });

  it('names a weight of the model the file does not hold, and a layer the model does not have', async (t) => {
    const { why } = h5pyPython();
    if (why) return t.skip(why);
    const model = tiny();
    try {
      const weights = new Map(saved);
      weights.set('dw', []);
      assert.throws(() => assignKerasWeights(tf, model, weights, NOTOP),
        (e: unknown) => e instanceof BadInputError && /no value for 1 weight of the model: "dw" depthwise_kernel/.test(e.message));
      const extra = new Map(saved);
      extra.set('predictions', [{ name: 'predictions/kernel:0', shape: [6, 2], data: new Float32Array(12) }]);
      assert.throws(() => assignKerasWeights(tf, model, extra, NOTOP),
        (e: unknown) => e instanceof BadInputError && /weights for layer "predictions", and the model has no layer of that name/.test(e.message));
    } finally {
      model.dispose();
    }
  });

  it('is refused as a model file: it has no architecture', async (t) => {
    const { why } = h5pyPython();
    if (why) return t.skip(why);
    await assert.rejects(readKerasModelFile(NOTOP), (e: unknown) =>
      e instanceof BadInputError && /holds weights but no model \(it has no model_config attribute\)/.test(e.message));
  });

  it('names a file that is not HDF5', async () => {
    const notH5 = path.join(work, 'notes.h5');
    fs.writeFileSync(notH5, 'not hdf5 at all');
    await assert.rejects(readKerasWeights(notH5), (e: unknown) =>
      e instanceof BadInputError && e.message === `${notH5} is not a Keras HDF5 file: it has no HDF5 signature`);
    await assert.rejects(readKerasWeights(path.join(work, 'missing.h5')), (e: unknown) =>
      (e as Error).message.includes(path.join(work, 'missing.h5')));
  });
});
