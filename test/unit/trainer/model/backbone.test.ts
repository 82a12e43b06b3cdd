// Backbones from the real models in /work/shared/models (read-only): nested Teachable Machine export, Keras
// MobileNet v1 with its ImageNet top, Caffe-style SqueezeNet, and a TF-Hub graph model.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { loadBackbone, LayersBackbone, type Backbone } from '../../../../src/trainer/model/backbone';
import { isBatchNormFrozen } from '../../../../src/trainer/model/batchNormFreeze';
import { loadEngine, type Tf } from '../../../../src/trainer/engine/engine';
import { decodeImage, toBatchTensor } from '../../../../src/trainer/images/imagePipeline';
import { fileSystemLoader } from '../../../../src/trainer/model/modelFiles';
import { SHARED } from '../../../fixtures/cliRun';

const MODELS = path.join(SHARED, 'models');
const DATA = path.join(SHARED, 'data/dogs-vs-cats/train');
const TM = path.join(MODELS, 'mobilenet_v2_0.35_224_teachable');
const V1 = path.join(MODELS, 'mobilenet_v1_0.25_224_layers');
const GRAPH = path.join(MODELS, 'mobilenet_v1_0.25_224_graph');
const SQUEEZE = path.join(MODELS, 'squeezenet1.1_truncated_layers');

let tf: Tf;
const PHOTOS = [0, 1, 2, 3, 4, 5].flatMap((i) => [`cat.${i}.jpg`, `dog.${i}.jpg`]).map((f) => path.join(DATA, f));
let photos: Uint8Array[] = [];

const maxAbsDiff = (a: tfType.Tensor, b: tfType.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
const topK = (row: number[], k: number, shift = 0) => row.map((v, i) => [v, i - shift]).sort((a, b) => b[0] - a[0]).slice(0, k).map((p) => p[1]);
const isCat = (c: number) => c >= 281 && c <= 285;
const isDog = (c: number) => c >= 151 && c <= 268;

/** BN moving statistics of every BatchNorm layer, as raw bytes. */
function bnStats(b: Backbone): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of b.layers.filter((x) => x.getClassName() === 'BatchNormalization')) {
    const w = l.getWeights();
    out.set(l.name, w.slice(-2).map((t) => Buffer.from((t.dataSync() as Float32Array).buffer).toString('base64')).join('|'));
  }
  return out;
}

/** Trains split.trainableTop + a small head for `steps` batches of random activations. */
async function trainTop(b: Backbone, unfreezeFrom: string, batchNorm: 'frozen' | 'train', steps: number): Promise<tfType.LayersModel> {
  const split = b.splitAt(unfreezeFrom, { batchNorm });
  const head = tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) });
  const model = tf.model({ inputs: split.trainableTop.inputs, outputs: head.apply(split.trainableTop.outputs[0]) as tfType.SymbolicTensor });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([8, ...split.boundaryShape], 0, 2, 'float32', 3);
  const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], 'int32'), 2);
  const tensors: number[] = [];
  for (let i = 0; i < steps; i++) {
    await model.trainOnBatch(x, y);
    tensors.push(tf.memory().numTensors);
  }
  if (steps > 1) assert.equal(new Set(tensors.slice(1)).size, 1, `tensor count stable across steps: ${tensors}`);
  tf.dispose([x, y]);
  return model;
}

describe('backbones', () => {
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
    photos = await Promise.all(PHOTOS.map((f) => decodeImage(f, { size: 224 })));
  });

  it('flattens the Teachable Machine export and cuts at MobileNetV2\'s out_relu, pooled to 1280', async () => {
    const b = await loadBackbone({ source: TM });
    assert.ok(b instanceof LayersBackbone);
    assert.deepEqual([b.kind, b.family, b.cut, b.featureDim, b.inputSize, b.preprocessing, b.canFineTune],
      ['layers', 'mobilenet_v2', 'out_relu', 1280, 224, 'minus1to1', true]);
    const rows = b.layerTable();
    assert.equal(rows.length, 155, 'model2\'s layers, not the wrapper Sequentials or the TM head');
    assert.deepEqual(rows[2], { index: 2, name: 'Conv1', type: 'Conv2D', outputShape: '(None, 112, 112, 16)', params: 432, trainable: true, block: 'stem' });
    assert.equal(rows.find((r) => r.name === 'block_16_project_BN')?.block, 'block_16');
    assert.equal(rows.at(-1)?.name, 'out_relu');
    assert.equal(rows.at(-1)?.block, 'head');
    assert.deepEqual(b.layers.map((l) => l.name), rows.map((r) => r.name));

    // Our features equal what the export's own inner Sequential (MobileNetV2 + its GAP) computes.
    const full = await tf.loadLayersModel(fileSystemLoader(TM));
    const x = toBatchTensor(tf, photos.slice(0, 4), 224, b.preprocessing);
    const ours = b.embed(x);
    const theirs = (full.layers[0] as tfType.LayersModel).predict(x) as tfType.Tensor;
    assert.deepEqual(ours.shape, [4, 1280]);
    assert.ok(maxAbsDiff(ours, theirs) < 1e-4, `diff ${maxAbsDiff(ours, theirs)}`);
    tf.dispose([x, ours, theirs]);
    full.dispose();
    b.dispose();
  });

  it('cuts Keras MobileNet v1 at conv_pw_13_relu (256-d), and its pixels reach the ImageNet top correctly', async () => {
    const b = await loadBackbone({ source: V1 });
    assert.deepEqual([b.family, b.cut, b.featureDim, b.preprocessing], ['mobilenet_v1', 'conv_pw_13_relu', 256, 'minus1to1']);
    assert.equal(b.layerTable().length, 82, 'the ImageNet top above the cut is not part of the backbone');
    const x = toBatchTensor(tf, photos, 224, b.preprocessing);
    assert.deepEqual(b.embed(x).shape, [12, 256]);
    // Same decode + preprocessing through the file's own classifier: a wrong resize, channel order or scale
    // would not keep 5 of 6 cats (and dogs) among ImageNet's cat (dog) classes.
    const full = await tf.loadLayersModel(fileSystemLoader(V1));
    const probs = (await (full.predict(x) as tfType.Tensor).array()) as number[][];
    const cats = probs.filter((_, i) => i % 2 === 0).filter((p) => topK(p, 5).some(isCat)).length;
    const dogs = probs.filter((_, i) => i % 2 === 1).filter((p) => topK(p, 5).some(isDog)).length;
    assert.ok(cats >= 5 && dogs >= 5, `cats ${cats}/6, dogs ${dogs}/6`);
    x.dispose();
    full.dispose();
    b.dispose();
  });

  it('uses a graph model for features only: pre-logits global pool, [0, 1] input, no fine-tuning', async () => {
    const b = await loadBackbone({ source: GRAPH });
    assert.deepEqual([b.kind, b.canFineTune, b.cut, b.featureDim, b.preprocessing, b.layers.length],
      ['graph', false, 'module_apply_default/MobilenetV1/Logits/global_pool', 256, 'zero1', 0]);
    assert.throws(() => b.splitAt('Conv2d_13_pointwise'), /graph model.*can extract features but not be fine-tuned/);
    assert.ok(b.layerTable().some((r) => r.type === 'DepthwiseConv2dNative' && r.params > 0));
    assert.equal(b.layerTable().at(-1)?.name, b.cut);
    const x = toBatchTensor(tf, photos, 224, b.preprocessing);
    assert.deepEqual(b.embed(x).shape, [12, 256]);
    const logits = await loadBackbone({ source: GRAPH, cut: 'module_apply_default/MobilenetV1/Logits/SpatialSqueeze' });
    const rows = (await logits.embed(x).array()) as number[][];
    const right = rows.filter((r, i) => topK(r, 5, 1).some(i % 2 === 0 ? isCat : isDog)).length;
    assert.ok(right >= 10, `${right}/12 photos in the right ImageNet family (index 0 is "background")`);
    x.dispose();
    b.dispose();
    logits.dispose();
  });

  it('reads SqueezeNet as caffe-preprocessed with fire blocks', async () => {
    const b = await loadBackbone({ source: path.join(SQUEEZE, 'model.json') });
    assert.deepEqual([b.family, b.preprocessing, b.featureDim, b.cut], ['squeezenet', 'caffe', 256, 'max_pooling2d_1']);
    assert.ok(b.layerTable().some((r) => r.block === 'fire9'));
    b.dispose();
  });

  it('loads a zoo id from the model cache without touching the network', async () => {
    const cacheDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-zoo-'));
    try {
      await fsp.cp(V1, path.join(cacheDir, 'mobilenet_v1_0.25_224'), { recursive: true });
      const b = await loadBackbone({ source: 'mobilenet_v1_0.25_224', cacheDir });
      assert.deepEqual([b.id, b.cut, b.featureDim], ['mobilenet_v1_0.25_224', 'conv_pw_13_relu', 256]);
      b.dispose();
    } finally {
      await fsp.rm(cacheDir, { recursive: true, force: true });
    }
  });

  it('explains unknown sources and layers', async () => {
    await assert.rejects(loadBackbone({ source: 'mobilenet_v9_1.0_224' }), /unknown backbone .*not a zoo id \(mobilenet_v1_0\.25_224/);
    await assert.rejects(loadBackbone({ source: V1, cut: 'conv_pw_13_rel' }), /has no layer "conv_pw_13_rel"; did you mean conv_pw_13_relu/);
  });

  it('splits MobileNetV2 before block_16 into a frozen bottom and a top that reproduce the features', async () => {
    const b = await loadBackbone({ source: TM });
    const split = b.splitAt('block_16');
    assert.equal(split.unfreezeFrom, 'block_16_expand');
    assert.equal(split.boundaryLayer, 'block_15_add');
    assert.deepEqual(split.boundaryShape, [7, 7, 56]);
    assert.deepEqual(split.topLayers, ['block_16_expand', 'block_16_expand_BN', 'block_16_expand_relu', 'block_16_depthwise',
      'block_16_depthwise_BN', 'block_16_depthwise_relu', 'block_16_project', 'block_16_project_BN', 'Conv_1', 'Conv_1_bn', 'out_relu']);
    assert.deepEqual(split.frozenBatchNorm, ['block_16_expand_BN', 'block_16_depthwise_BN', 'block_16_project_BN', 'Conv_1_bn']);
    const rows = b.layerTable();
    assert.ok(rows.filter((r) => r.block === 'block_15').every((r) => !r.trainable), 'bottom frozen');
    assert.ok(rows.filter((r) => ['block_16_expand', 'Conv_1'].includes(r.name)).every((r) => r.trainable), 'top convs train');
    assert.ok(split.frozenBatchNorm.every((n) => !rows.find((r) => r.name === n)!.trainable));

    const x = toBatchTensor(tf, photos.slice(0, 4), 224, b.preprocessing);
    const cached = split.frozenBottom.predict(x) as tfType.Tensor;
    assert.deepEqual(cached.shape, [4, 7, 7, 56]);
    const viaSplit = split.trainableTop.predict(cached) as tfType.Tensor;
    const direct = b.embed(x);
    assert.ok(maxAbsDiff(viaSplit, direct) < 1e-4, `diff ${maxAbsDiff(viaSplit, direct)}`);

    // A layer name works as well as a block name; splitting twice re-applies layers without breaking the first.
    const again = b.splitAt('block_16_expand');
    assert.ok(maxAbsDiff(again.trainableTop.predict(cached) as tfType.Tensor, direct) < 1e-4);
    const everything = b.splitAt('stem');
    assert.equal(everything.topLayers.length, 154);
    assert.ok(maxAbsDiff(everything.trainableTop.predict(everything.frozenBottom.predict(x) as tfType.Tensor) as tfType.Tensor, direct) < 1e-4);
    tf.dispose([x, cached, viaSplit, direct]);
    b.dispose();
  });

  it('refuses a split point that a residual connection crosses, naming the block starts around it', async () => {
    const b = await loadBackbone({ source: TM });
    assert.throws(() => b.splitAt('block_15_depthwise'),
      /cannot unfreeze from block_15_depthwise: the layers after it also read .*block_14_add.*Unfreeze from the start of a block instead: block_15_expand or block_16_expand/);
    assert.throws(() => b.splitAt('block_99'), /neither a layer nor a block .*blocks: stem, block_1, /);
    assert.ok((b as LayersBackbone).splitPoints().includes('block_13_expand'));
    assert.ok(!(b as LayersBackbone).splitPoints().includes('block_14_depthwise'));
    b.dispose();
  });

  it('keeps every BatchNorm moving statistic byte-identical while the top trains, unlike tfjs\' default', async () => {
    const b = await loadBackbone({ source: TM });
    const before = bnStats(b);
    const kernelBefore = b.layers.find((l) => l.name === 'Conv_1')!.getWeights()[0].dataSync().slice();
    const x = toBatchTensor(tf, photos.slice(0, 2), 224, b.preprocessing);
    const featuresBefore = b.embed(x);
    const model = await trainTop(b, 'block_15', 'frozen', 3);
    const after = bnStats(b);
    assert.equal(after.size, 52);
    for (const [name, stats] of before) assert.equal(after.get(name), stats, `${name} moving stats changed`);
    assert.ok(b.layers.filter((l) => l.getClassName() === 'BatchNormalization' && /block_1[56]|Conv_1/.test(l.name)).every(isBatchNormFrozen));
    const kernelAfter = b.layers.find((l) => l.name === 'Conv_1')!.getWeights()[0].dataSync();
    assert.ok(kernelAfter.some((v, i) => v !== kernelBefore[i]), 'the top did train');
    // The top shares its layers with the backbone, so the feature model sees the fine-tuned weights.
    assert.ok(maxAbsDiff(b.embed(x), featuresBefore) > 1e-6);
    model.dispose();
    b.dispose();

    // The same training with tfjs' own BatchNorm behaviour moves the statistics on the first step.
    const control = await loadBackbone({ source: TM });
    const controlBefore = bnStats(control);
    (await trainTop(control, 'block_15', 'train', 1)).dispose();
    const moved = [...bnStats(control)].filter(([n, s]) => controlBefore.get(n) !== s).map(([n]) => n);
    assert.ok(moved.includes('Conv_1_bn') && moved.includes('block_15_expand_BN'), `moved: ${moved.join(', ')}`);
    control.dispose();
    tf.dispose([x, featuresBefore]);
  });

  it('documents the tfjs behaviour the freeze works around: trainable=false alone does not stop BN updates', async () => {
    const bn = tf.layers.batchNormalization({ inputShape: [4], trainable: false });
    const model = tf.sequential({ layers: [bn, tf.layers.dense({ units: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = bn.getWeights()[2].dataSync().slice();
    await model.trainOnBatch(tf.randomNormal([16, 4], 3, 1, 'float32', 1), tf.zeros([16, 1]));
    assert.ok(bn.getWeights()[2].dataSync().some((v, i) => v !== before[i]), 'tfjs updated moving_mean of a non-trainable BN');
    model.dispose();
  });
});
