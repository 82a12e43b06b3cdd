// Each supported layer type in a small seeded random model: TF.js (cpu backend, plain float32 loops) against
// onnxruntime on the converted file. Odd and even spatial sizes with stride 2 and 'same' padding catch padding on
// the wrong side; Flatten and Reshape before a Dense catch NCHW element order leaking out.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { convertLayersModel, UnsupportedLayerError } from '../../../../../src/trainer/model/onnx/layersToOnnx';
import { compareOnBatch, loadOrt, randomizeWeights, whyNoOrt } from './ortCompare';

type ST = tf.SymbolicTensor;
const L = tf.layers;
const ap = (layer: tf.layers.Layer, x: ST | ST[]) => layer.apply(x) as ST;

interface Case { name: string; input: number[]; build: (x: ST) => ST }

const conv = (filters: number, o: Partial<Parameters<typeof L.conv2d>[0]> = {}) =>
  L.conv2d({ filters, kernelSize: 3, padding: 'same', ...o });

const CASES: Case[] = [
  { name: 'Conv2D same stride 2 on 7×9, relu', input: [7, 9, 3],
    build: (x) => ap(conv(4, { strides: 2, activation: 'relu' }), x) },
  { name: 'Conv2D same stride 2 on 8×10 (padding only after)', input: [8, 10, 3],
    build: (x) => ap(conv(5, { strides: 2 }), x) },
  { name: 'Conv2D 2×2 kernel, same, stride 2 on 7×9', input: [7, 9, 2],
    build: (x) => ap(conv(3, { kernelSize: 2, strides: 2 }), x) },
  { name: 'Conv2D 4×3 kernel, same, stride 1', input: [7, 9, 2],
    build: (x) => ap(conv(3, { kernelSize: [4, 3] }), x) },
  { name: 'Conv2D dilation 2, same, relu6', input: [9, 7, 3],
    build: (x) => ap(conv(4, { dilationRate: 2, activation: 'relu6' }), x) },
  { name: 'Conv2D valid, stride [2, 1], no bias', input: [9, 8, 3],
    build: (x) => ap(conv(4, { padding: 'valid', strides: [2, 1], useBias: false }), x) },
  { name: 'DepthwiseConv2D multiplier 2, same stride 2, relu', input: [7, 9, 3],
    build: (x) => ap(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same',
      activation: 'relu' }), x) },
  { name: 'DepthwiseConv2D valid, no bias', input: [8, 8, 4],
    build: (x) => ap(L.depthwiseConv2d({ kernelSize: 3, useBias: false }), x) },
  { name: 'SeparableConv2D multiplier 2, same stride 2, tanh', input: [7, 9, 3],
    build: (x) => ap(L.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same',
      activation: 'tanh' }), x) },
  { name: 'BatchNormalization (random moving stats) after a conv', input: [7, 9, 3],
    build: (x) => ap(L.batchNormalization({ epsilon: 1e-3 }), ap(conv(6), x)) },
  { name: 'BatchNormalization without center and scale', input: [5, 5, 4],
    build: (x) => ap(L.batchNormalization({ center: false, scale: false }), x) },
  { name: 'BatchNormalization on a rank-3 tensor and on [N, C] features', input: [5, 6],
    build: (x) => ap(L.batchNormalization(), ap(L.flatten(), ap(L.batchNormalization(), x))) },
  { name: 'ReLU max_value 6, LeakyReLU, ELU, ThresholdedReLU', input: [5, 7, 3],
    build: (x) => ap(L.thresholdedReLU({ theta: 0.2 }),
      ap(L.elu(), ap(L.leakyReLU({ alpha: 0.1 }), ap(L.reLU({ maxValue: 6 }), ap(conv(4), x))))) },
  { name: 'PReLU per element and shared over space; on features', input: [5, 7, 3],
    build: (x) => ap(L.prelu(), ap(L.dense({ units: 4 }), ap(L.flatten(),
      ap(L.prelu({ sharedAxes: [1, 2] }), ap(L.prelu(), ap(conv(3), x)))))) },
  { name: 'Squeeze-and-excite: GAP → Reshape [1, 1, C] → 1×1 convs → Multiply broadcast over H, W',
    input: [7, 9, 6], build: (x) => {
      const s = ap(L.reshape({ targetShape: [1, 1, 6] }), ap(L.globalAveragePooling2d({}), x));
      const squeezed = ap(conv(2, { kernelSize: 1, activation: 'relu' }), s);
      return ap(L.multiply(), [x, ap(conv(6, { kernelSize: 1, activation: 'hardSigmoid' }), squeezed)]);
    } },
  { name: 'Add (residual), Multiply, Average, Maximum, Minimum', input: [7, 9, 4], build: (x) => {
    // tanh keeps the three-way product near 1, so float32 rounding stays far below the tolerance.
    const a = ap(conv(4, { activation: 'tanh' }), x);
    const r = ap(L.add(), [x, a]);
    const m = ap(L.multiply(), [r, a, x]);
    return ap(L.minimum(), [ap(L.average(), [m, r, a]), ap(L.maximum(), [m, x])]);
  } },
  { name: 'Concatenate on channels and on height', input: [7, 9, 3], build: (x) => {
    const c = ap(L.concatenate(), [ap(conv(2), x), x, ap(conv(3, { kernelSize: 1 }), x)]);
    return ap(L.concatenate({ axis: 1 }), [c, c]);
  } },
  { name: 'ZeroPadding2D asymmetric, Cropping2D', input: [7, 9, 3],
    build: (x) => ap(L.cropping2D({ cropping: [[0, 2], [1, 0]] }),
      ap(L.zeroPadding2d({ padding: [[0, 1], [2, 1]] }), x)) },
  { name: 'MaxPooling2D same 3×3 stride 2 and valid 2×2', input: [7, 9, 3],
    build: (x) => ap(L.maxPooling2d({ poolSize: 2 }),
      ap(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x)) },
  { name: 'AveragePooling2D same (padding not counted) and valid', input: [8, 9, 3],
    build: (x) => ap(L.averagePooling2d({ poolSize: 2 }),
      ap(L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x)) },
  { name: 'GlobalAveragePooling2D and GlobalMaxPooling2D', input: [7, 9, 5],
    build: (x) => ap(L.add(), [ap(L.globalAveragePooling2d({}), x), ap(L.globalMaxPooling2d({}), x)]) },
  { name: 'Flatten after a conv (NHWC element order), Dense softmax', input: [5, 7, 3],
    build: (x) => ap(L.dense({ units: 6, activation: 'softmax' }), ap(L.flatten(), ap(conv(4, { strides: 2 }), x))) },
  { name: 'Reshape to rank 3 then Dense on the last axis; Reshape back to rank 4 then conv', input: [4, 6, 3],
    build: (x) => {
      const seq = ap(L.dense({ units: 5, activation: 'relu' }), ap(L.reshape({ targetShape: [-1, 3] }), x));
      return ap(conv(2), ap(L.reshape({ targetShape: [6, 4, 5] }), seq));
    } },
  { name: 'Dense on a rank-4 tensor (TF\'s last axis), no bias', input: [5, 7, 3],
    build: (x) => ap(L.dense({ units: 4, useBias: false, activation: 'sigmoid' }), x) },
  { name: 'Dropout, GaussianNoise, GaussianDropout are identities; Rescaling', input: [5, 7, 3],
    build: (x) => ap(L.rescaling({ scale: 1 / 127.5, offset: -1 }),
      ap(L.gaussianDropout({ rate: 0.3 }), ap(L.gaussianNoise({ stddev: 1 }), ap(L.dropout({ rate: 0.5 }), x)))) },
  { name: 'Softmax layer on features', input: [5, 7, 3],
    build: (x) => ap(L.softmax(), ap(L.dense({ units: 4 }), ap(L.globalAveragePooling2d({}), x))) },
];

// logSoftmax is registered in tfjs-layers but missing from its ActivationIdentifier type.
type ActivationId = NonNullable<Parameters<typeof L.activation>[0]['activation']>;
const ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'logSoftmax', 'elu', 'selu', 'softplus',
  'softsign', 'hardSigmoid', 'swish', 'mish', 'gelu', 'gelu_new'] as ActivationId[];

/** Random input, scaled so activations see their curved parts. */
const batch = (shape: number[], seed: number) => tf.randomNormal([2, ...shape], 0, 2, 'float32', seed);

function buildModel(c: Case, seed: number): tf.LayersModel {
  const x = tf.input({ shape: c.input });
  const model = tf.model({ inputs: x, outputs: c.build(x) });
  randomizeWeights(tf, model, seed);
  return model;
}

describe('TF.js layers → ONNX, layer by layer', () => {
  before(async () => {
    await tf.setBackend('cpu');
    await loadOrt();
  });

  CASES.forEach((c, i) => {
    it(c.name, async (t) => {
      if (whyNoOrt()) return t.skip(whyNoOrt());
      const model = buildModel(c, 100 * i + 1);
      const d = await compareOnBatch(model, batch(c.input, i));
      t.diagnostic(`max abs ${d.toExponential(2)}`);
      assert.ok(d <= 1e-4, `max abs ${d}`);
    });
  });

  it('every activation name, on a rank-4 tensor (softmax over channels) and on features', async (t) => {
    if (whyNoOrt()) return t.skip(whyNoOrt());
    const worst: string[] = [];
    for (const [k, activation] of ACTIVATIONS.entries()) {
      for (const flat of [false, true]) {
        const x = tf.input({ shape: [5, 7, 3] });
        const y = flat
          ? ap(L.dense({ units: 4, activation }), ap(L.flatten(), x))
          : ap(L.activation({ activation }), ap(conv(3), x));
        const model = tf.model({ inputs: x, outputs: y });
        randomizeWeights(tf, model, k);
        const d = await compareOnBatch(model, batch([5, 7, 3], k));
        worst.push(`${activation}${flat ? ' (dense)' : ''} ${d.toExponential(1)}`);
        assert.ok(d <= 1e-4, `${activation}: max abs ${d}`);
      }
    }
    t.diagnostic(worst.join(', '));
  });

  it('walks nested models: an adopted Sequential(Sequential(functional, GAP)) and an opaque head', async (t) => {
    if (whyNoOrt()) return t.skip(whyNoOrt());
    // Teachable Machine's shape of export: the outer Sequentials adopt the inner graph, the head is called on it.
    const img = tf.input({ shape: [9, 7, 3] });
    const a = ap(conv(4, { strides: 2 }), img);
    const inner = tf.model({ inputs: img, outputs: ap(L.add(), [a, ap(conv(4), a)]), name: 'inner_functional' });
    const trunk = tf.sequential({ layers: [inner, L.globalAveragePooling2d({})] });
    const head = tf.sequential({ layers: [L.dense({ inputShape: [4], units: 5, activation: 'relu' }),
      L.dense({ units: 3, activation: 'softmax' })] });
    const tm = tf.sequential({ layers: [trunk, head] });
    randomizeWeights(tf, tm, 7);
    const d = await compareOnBatch(tm, batch([9, 7, 3], 7));
    assert.ok(d <= 1e-4, `max abs ${d}`);

    // A functional model applied as a layer to a non-input tensor, and a layer shared by two calls.
    const x = tf.input({ shape: [7, 9, 3] });
    const shared = conv(3, { name: 'shared_conv' });
    const twice = ap(shared, ap(shared, x));
    const y = ap(head, ap(L.globalAveragePooling2d({}), ap(inner, ap(L.zeroPadding2d({ padding: 1 }), twice))));
    const outer = tf.model({ inputs: x, outputs: y });
    randomizeWeights(tf, outer, 8);
    const d2 = await compareOnBatch(outer, batch([7, 9, 3], 8));
    assert.ok(d2 <= 1e-4, `max abs ${d2}`);
    t.diagnostic(`max abs ${d.toExponential(2)}, ${d2.toExponential(2)}`);
  });

  it('takes images of any size when the model does not fix it (TF\'s same padding applied at run time)', async (t) => {
    if (whyNoOrt()) return t.skip(whyNoOrt());
    const x = tf.input({ shape: [null, null, 3] });
    const y = ap(L.globalAveragePooling2d({}), ap(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      ap(L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same' }), ap(conv(4, { strides: 2 }), x))));
    const model = tf.model({ inputs: x, outputs: y });
    randomizeWeights(tf, model, 11);
    assert.deepEqual(convertLayersModel(model).inputShape, [null, null, null, 3]);
    for (const size of [[7, 9], [8, 10], [13, 6]]) {
      const d = await compareOnBatch(model, batch([...size, 3], size[0]));
      assert.ok(d <= 1e-4, `${size}: max abs ${d}`);
    }
  });

  it('converts only what the output depends on (a sub-model cut out of a bigger graph)', () => {
    const x = tf.input({ shape: [7, 9, 3] });
    const cut = ap(conv(4, { name: 'kept' }), x);
    ap(L.dense({ units: 3, name: 'not_kept' }), ap(L.flatten(), cut));
    const sub = tf.model({ inputs: x, outputs: ap(L.globalAveragePooling2d({ name: 'features_pool' }), cut) });
    const text = new TextDecoder().decode(convertLayersModel(sub).bytes);
    assert.ok(text.includes('kept/kernel') && !text.includes('not_kept'));
  });

  it('refuses what it cannot convert with an UnsupportedLayerError naming the layer and its type', () => {
    const seq = tf.input({ shape: [4, 3] });
    const lstm = tf.model({ inputs: seq, outputs: ap(L.lstm({ units: 2, name: 'foo' }), seq) });
    assert.throws(() => convertLayersModel(lstm), (e: unknown) =>
      e instanceof UnsupportedLayerError && e.layerName === 'foo' && e.className === 'LSTM' &&
      e.message === 'layer "foo" (LSTM) has no ONNX conversion yet');

    const x = tf.input({ shape: [6, 6, 3] });
    const up = tf.model({ inputs: x, outputs: ap(L.upSampling2d({ name: 'up' }), x) });
    assert.throws(() => convertLayersModel(up), /layer "up" \(UpSampling2D\) has no ONNX conversion yet/);
    // tfjs computes a BatchNorm over a non-last axis wrongly, so there is nothing right to export.
    const bnAxis = tf.model({ inputs: x, outputs: ap(L.batchNormalization({ axis: 1, name: 'bn' }), x) });
    assert.throws(() => convertLayersModel(bnAxis), /layer "bn" \(BatchNormalization\) .*axis 1 is not the last axis/);
    const chw = tf.input({ shape: [3, 6, 6] });
    const first = tf.model({ inputs: chw, outputs: ap(conv(2, { name: 'c', dataFormat: 'channelsFirst' }), chw) });
    assert.throws(() => convertLayersModel(first),
      /layer "c" \(Conv2D\) cannot be converted to ONNX: data_format channelsFirst/);
  });
});
