// A Keras 3 .keras file (a zip of config.json, metadata.json and model.weights.h5), written by Python's zipfile and
// h5py as Keras 3 writes one: InputLayer `batch_shape`, objects wrapped with module/registered_name, DTypePolicy
// dtypes, layer calls as {args: [KerasTensor], kwargs}, weights under layers/<snake_case class>/vars/<i> with a
// nested Sequential head at layers/sequential/layers/dense. The file's own numpy forward pass is the reference.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { loadEngine, type Tf } from '../../../../../src/trainer/engine/engine';
import { loadKerasModel, readKerasModelFile } from '../../../../../src/trainer/model/keras/kerasH5';
import { keras3LayerPaths } from '../../../../../src/trainer/model/keras/kerasModelFile';
import { BadInputError } from '../../../../../src/trainer/runtime/jobContext';
import { h5pyPython, kerasFiles } from '../../../../fixtures/kerasPython';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-keras-zip-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

const MODEL = path.join(work, 'tiny.keras');
const UNSUPPORTED = path.join(work, 'lambda.keras');
let expected: { x: number[]; shape: number[]; y: number[][] };
let tf: Tf;

describe('a Keras 3 .keras file', () => {
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
    if (h5pyPython().why) return;
    kerasFiles('keras3', MODEL, path.join(work, 'expected.json'));
    kerasFiles('keras3', UNSUPPORTED, path.join(work, 'unused.json'), 'unsupported');
    expected = JSON.parse(fs.readFileSync(path.join(work, 'expected.json'), 'utf8'));
  });

  it('reads its config, version and weights by layer name', async (t) => {
    const { why } = h5pyPython();
    if (why) return t.skip(why);
    const file = await readKerasModelFile(MODEL);
    assert.equal(file.kerasVersion, '3.3.3');
    // Saved by class path; named here from the config. The head is a nested Sequential: its Dense's weights are
    // under the head, named by the Dense.
    assert.deepEqual(Object.fromEntries([...file.weights].map(([layer, ws]) => [layer, ws.map((w) => [w.name, w.shape])])), {
      stem_conv: [['stem_conv/vars/0', [3, 3, 3, 4]], ['stem_conv/vars/1', [4]]],
      stem_bn: [0, 1, 2, 3].map((i) => [`stem_bn/vars/${i}`, [4]]),
      mix_conv: [['mix_conv/vars/0', [1, 1, 4, 2]]],
      head: [['head_dense/vars/0', [2, 3]], ['head_dense/vars/1', [3]]],
    });
  });

  it('loads, and predicts what Keras\' own arithmetic gives', async (t) => {
    const { why } = h5pyPython();
    if (why) return t.skip(why);
    const model = await loadKerasModel(tf, MODEL);
    try {
      assert.deepEqual(model.layers.map((l) => l.name), ['image', 'stem_conv', 'stem_bn', 'stem_relu', 'mix_conv', 'pool', 'head']);
      assert.deepEqual(model.inputs[0].shape, [null, 6, 6, 3]);
      const x = tf.tensor(expected.x, expected.shape);
      const y = model.predict(x) as tfType.Tensor2D;
      const got = y.arraySync();
      const diff = Math.max(...got.flatMap((row, i) => row.map((v, j) => Math.abs(v - expected.y[i][j]))));
      assert.ok(diff < 1e-5, `max abs ${diff} against numpy: ${JSON.stringify(got)} vs ${JSON.stringify(expected.y)}`);
      tf.dispose([x, y]);
    } finally {
      model.dispose();
    }
  });

  it('refuses a layer class TensorFlow.js does not have, naming the layer and the class', async (t) => {
    const { why } = h5pyPython();
    if (why) return t.skip(why);
    await assert.rejects(loadKerasModel(tf, UNSUPPORTED), (e: unknown) => {
      assert.ok(e instanceof BadInputError, String(e));
      assert.equal(e.message, `${UNSUPPORTED} cannot be loaded: layer "tiny/scale" is a Lambda, which TensorFlow.js ` +
        'does not implement');
      assert.ok(e.hint && /rebuild the model without these layers/.test(e.hint));
      return true;
    });
  });

  it('maps Keras 3 weight paths to layers as Keras numbers them', () => {
    const entry = (cls: string, name: string, layers?: unknown[]) => ({ class_name: cls, config: { name, ...(layers ? { layers } : {}) } });
    const config = entry('Functional', 'm', [
      entry('InputLayer', 'in'), entry('Conv2D', 'a'), entry('Conv2D', 'b'), entry('DepthwiseConv2D', 'c'),
      entry('Conv2D', 'd'), entry('ReLU', 'r'),
      entry('Sequential', 's', [entry('InputLayer', 's_in'), entry('Dense', 'e'), entry('Dense', 'f')]),
    ]);
    assert.deepEqual([...keras3LayerPaths(config)], [
      ['layers/input_layer', { top: 'in', layer: 'in' }],
      ['layers/conv2d', { top: 'a', layer: 'a' }],
      ['layers/conv2d_1', { top: 'b', layer: 'b' }],
      ['layers/depthwise_conv2d', { top: 'c', layer: 'c' }],
      ['layers/conv2d_2', { top: 'd', layer: 'd' }],
      ['layers/re_lu', { top: 'r', layer: 'r' }],
      ['layers/sequential/layers/dense', { top: 's', layer: 'e' }],
      ['layers/sequential/layers/dense_1', { top: 's', layer: 'f' }],
    ]);
  });
});
