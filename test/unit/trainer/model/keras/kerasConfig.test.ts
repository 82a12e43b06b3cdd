// Keras configs as TF.js 4.22 builds them: each fix next to the config Keras writes, and each refusal naming the
// layer and its class (or argument) instead of a TF.js stack.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadEngine, type Tf } from '../../../../../src/trainer/engine/engine';
import { toTfjsTopology } from '../../../../../src/trainer/model/keras/kerasConfig';
import { BadInputError } from '../../../../../src/trainer/runtime/jobContext';

let tf: Tf;

type Obj = Record<string, unknown>;
const keras3Tensor = (layer: string, node = 0) =>
  ({ class_name: '__keras_tensor__', config: { shape: [null, 4], dtype: 'float32', keras_history: [layer, node, 0] } });
const functional = (layers: Obj[], extra: Obj = {}) =>
  ({ class_name: 'Functional', config: { name: 'm', layers, input_layers: [['in', 0, 0]], output_layers: [['out', 0, 0]], ...extra } });
const input: Obj = { class_name: 'InputLayer', name: 'in', config: { name: 'in', batch_input_shape: [null, 4] }, inbound_nodes: [] };
const leaf = (cls: string, config: Obj, name = 'out'): Obj =>
  ({ class_name: cls, name, config: { name, ...config }, inbound_nodes: [[['in', 0, 0, {}]]] });
const layerOf = (topology: Obj, i: number) => (topology.config as { layers: Obj[] }).layers[i];

describe('toTfjsTopology', () => {
  before(async () => {
    ({ tf } = await loadEngine('cpu'));
  });

  const fixes: { what: string; config: Obj; check: (t: Obj) => void }[] = [
    {
      what: 'Keras 3 InputLayer batch_shape → batch_input_shape',
      config: functional([{ ...input, config: { name: 'in', batch_shape: [null, 4], dtype: 'float32', sparse: false } },
        leaf('Dense', { units: 2 })]),
      check: (t) => assert.deepEqual(layerOf(t, 0).config, { name: 'in', batch_input_shape: [null, 4], dtype: 'float32', sparse: false }),
    },
    {
      what: 'Keras 3 calls ({args, kwargs}) → Keras 2 nodes; a nested Sequential\'s node index + 1; bare output triple wrapped',
      config: {
        module: 'keras', class_name: 'Functional', registered_name: 'Functional', config: {
          name: 'm', input_layers: ['in', 0, 0], output_layers: ['head', 0, 0], layers: [
            { ...input, inbound_nodes: [] },
            { ...leaf('Dense', { units: 4 }, 'd'), inbound_nodes: [{ args: [keras3Tensor('in')], kwargs: { mask: null, training: false } }] },
            { class_name: 'Sequential', name: 'head', config: { name: 'head', layers: [
              { class_name: 'InputLayer', config: { name: 'hi', batch_shape: [null, 4] } },
              { class_name: 'Dense', config: { name: 'hd', units: 2 } }] },
            inbound_nodes: [{ args: [keras3Tensor('d')], kwargs: {} }] },
          ],
        },
      },
      check: (t) => {
        assert.deepEqual(layerOf(t, 1).inbound_nodes, [[['in', 0, 0, { training: false }]]]);
        assert.deepEqual(layerOf(t, 2).inbound_nodes, [[['d', 0, 0, {}]]]);
        assert.deepEqual((t.config as Obj).input_layers, [['in', 0, 0]]);
        assert.deepEqual((t.config as Obj).output_layers, [['head', 1, 0]]);
        assert.equal('module' in t, false);
      },
    },
    {
      what: 'Keras 3 wrapped objects and DTypePolicy → Keras 2 objects and a dtype string',
      config: functional([input, leaf('Dense', {
        units: 2, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'mixed_float16' }, registered_name: null },
        kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
      })]),
      check: (t) => {
        const c = layerOf(t, 1).config as Obj;
        assert.equal(c.dtype, 'float32');
        assert.deepEqual(c.kernel_initializer, { class_name: 'GlorotUniform', config: { seed: null } });
      },
    },
    {
      what: 'Keras 2.4 BatchNormalization axis [3] → 3',
      config: functional([input, leaf('BatchNormalization', { axis: [3] })]),
      check: (t) => assert.equal((layerOf(t, 1).config as Obj).axis, 3),
    },
    {
      what: 'Keras 3 LeakyReLU negative_slope → alpha',
      config: functional([input, leaf('LeakyReLU', { negative_slope: 0.2 })]),
      check: (t) => assert.deepEqual(layerOf(t, 1).config, { name: 'out', alpha: 0.2 }),
    },
    {
      what: 'defaults TF.js ignores are kept as they are',
      config: functional([input, leaf('Conv2D', { filters: 2, kernel_size: [1, 1], groups: 1 }),
        leaf('ReLU', { max_value: 6, negative_slope: 0, threshold: 0 }, 'r'),
        leaf('GlobalAveragePooling2D', { keepdims: false }, 'p'), leaf('Dense', { units: 2, activation: 'hard_sigmoid' }, 'h')]),
      check: (t) => assert.equal((layerOf(t, 1).config as Obj).groups, 1),
    },
  ];
  for (const { what, config, check } of fixes) {
    it(what, () => check(toTfjsTopology(tf, config, 'model.keras').topology));
  }

  const refusals: { what: string; config: Obj; message: string }[] = [
    {
      what: 'a layer class TF.js does not have, inside a nested model',
      config: functional([input, { class_name: 'Sequential', name: 'outer', config: { name: 'outer', layers: [
        { class_name: 'TFOpLambda', config: { name: 'tf.math.multiply', function: 'math.multiply' } }] },
      inbound_nodes: [[['in', 0, 0, {}]]] }]),
      message: 'model.keras cannot be loaded: layer "m/outer/tf.math.multiply" is a TFOpLambda, which TensorFlow.js ' +
        'does not implement',
    },
    {
      what: 'every refused layer at once',
      config: functional([input, leaf('Lambda', {}, 'scale'), leaf('Normalization', { axis: -1 }, 'norm'),
        leaf('Conv2D', { filters: 4, kernel_size: [3, 3], groups: 2 }, 'grouped'),
        leaf('ReLU', { threshold: 0.5 }, 'thresh'), leaf('GlobalAveragePooling2D', { keepdims: true }, 'keep'),
        leaf('Dense', { units: 2, activation: 'hard_silu' }, 'hs')]),
      message: 'model.keras cannot be loaded: layer "m/scale" is a Lambda, which TensorFlow.js does not implement; ' +
        'layer "m/norm" is a Normalization, which TensorFlow.js does not implement; ' +
        'layer "m/grouped" (Conv2D) has groups=2, which TensorFlow.js would ignore; ' +
        'layer "m/thresh" (ReLU) has threshold=0.5, which TensorFlow.js would ignore; ' +
        'layer "m/keep" (GlobalAveragePooling2D) has keepdims=true, which TensorFlow.js would ignore; ' +
        'layer "m/hs" (Dense) uses the activation "hard_silu", which TensorFlow.js does not implement',
    },
  ];
  for (const { what, config, message } of refusals) {
    it(`refuses ${what}, by name`, () => {
      assert.throws(() => toTfjsTopology(tf, config, 'model.keras'), (e: unknown) => {
        assert.ok(e instanceof BadInputError);
        assert.equal(e.message, message);
        assert.equal(e.file, 'model.keras');
        return true;
      });
    });
  }

  it('refuses what is not a Keras model config', () => {
    assert.throws(() => toTfjsTopology(tf, { layers: [] }, 'x.h5'),
      (e: unknown) => e instanceof BadInputError && e.message === 'x.h5 holds no Keras model config (expected {"class_name", "config"})');
  });

  it('builds a sanitised Keras 3 config in TF.js', async () => {
    const { topology } = toTfjsTopology(tf, fixes[1].config, 'model.keras');
    const model = await tf.models.modelFromJSON({ modelTopology: topology } as never);
    assert.deepEqual(model.outputs[0].shape, [null, 2]);
    model.dispose();
  });
});
