// The real backbones in /work/shared/models, loaded the product's way (loadBackbone), converted, and run in
// onnxruntime on real photos decoded and preprocessed the product's way, against TF.js on the same batch.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { loadEngine, type Tf } from '../../../../../src/trainer/engine/engine';
import { decodeImage, toBatchTensor } from '../../../../../src/trainer/images/imagePipeline';
import { loadBackbone } from '../../../../../src/trainer/model/backbone';
import { fileSystemLoader } from '../../../../../src/trainer/model/modelFiles';
import { convertLayersModel } from '../../../../../src/trainer/model/onnx/layersToOnnx';
import { decodeModel } from '../../../../../src/trainer/model/onnx/onnxProto';
import { SHARED } from '../../../../fixtures/cliRun';
import { loadOrt, maxAbs, runOnnx, whyNoOrt } from './ortCompare';

const MODELS = path.join(SHARED, 'models');
const TM = path.join(MODELS, 'mobilenet_v2_0.35_224_teachable');
const V1 = path.join(MODELS, 'mobilenet_v1_0.25_224_layers');
const SQUEEZE = path.join(MODELS, 'squeezenet1.1_truncated_layers');
const DATA = path.join(SHARED, 'data/dogs-vs-cats/train');
const PHOTOS = [...Array(8).keys()].flatMap((i) => [`cat.${i}.jpg`, `dog.${i}.jpg`]).map((f) => path.join(DATA, f));

let tf: Tf;
let photos: Uint8Array[] = [];

const largest = (v: ArrayLike<number>) => Array.from(v).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/** TF.js and ONNX on the same batch: the largest difference and the largest value, for a relative reading. */
async function compare(model: tfType.LayersModel, x: tfType.Tensor, metadata?: Record<string, string>) {
  const t0 = performance.now();
  const conv = convertLayersModel(model, { metadata });
  const ms = performance.now() - t0;
  const ref = model.predict(x) as tfType.Tensor;
  const got = await runOnnx(conv, x);
  assert.deepEqual(got.dims, ref.shape);
  const refData = ref.dataSync();
  const out = { diff: maxAbs(refData, got.data), scale: largest(refData), ms, conv, shape: ref.shape };
  ref.dispose();
  return out;
}

const fmt = (r: { diff: number; scale: number; ms: number; conv: { bytes: Uint8Array } }) =>
  `max abs ${r.diff.toExponential(2)} (values up to ${r.scale.toFixed(1)}), converted in ${r.ms.toFixed(0)} ms, ` +
  `${(r.conv.bytes.length / 1e6).toFixed(2)} MB`;

describe('real backbones → ONNX', () => {
  before(async () => {
    // wasm, as the backbone tests: its XNNPACK kernels are what the product runs without tfjs-node, and the
    // cpu backend takes 13 s for SqueezeNet on 16 photos.
    ({ tf } = await loadEngine('wasm'));
    await loadOrt();
    photos = await Promise.all(PHOTOS.map((f) => decodeImage(f, { size: 224 })));
  });

  it('MobileNetV2 0.35 (Teachable Machine export): pooled features, and a fine-tuning split\'s frozen bottom',
    async (t) => {
      if (whyNoOrt()) return t.skip(whyNoOrt());
      const b = await loadBackbone({ source: TM });
      const x = toBatchTensor(tf, photos, 224, b.preprocessing);
      const features = await compare(b.model!, x, { backbone: b.id, preprocessing: b.preprocessing });
      t.diagnostic(`features [16, 1280]: ${fmt(features)}`);
      assert.deepEqual(features.conv.outputShape, [null, 1280]);
      assert.ok(features.diff <= 1e-4, `features: max abs ${features.diff}`);
      const meta = decodeModel(features.conv.bytes).metadataProps;
      assert.deepEqual(meta, [{ key: 'backbone', value: b.id }, { key: 'preprocessing', value: 'minus1to1' }]);

      const split = b.splitAt('block_16');
      const bottom = await compare(split.frozenBottom, x);
      t.diagnostic(`frozen bottom [16, 7, 7, 56] NHWC: ${fmt(bottom)}`);
      assert.deepEqual(bottom.shape, [16, 7, 7, 56]);
      assert.deepEqual(bottom.conv.outputShape, [null, 7, 7, 56]);
      // Un-activated residual sums reach ~40 here, so float32 rounding over 140 layers is ~1e-4 absolute; the
      // bound is relative to the largest value (2e-6 measured).
      assert.ok(bottom.diff <= 5e-6 * bottom.scale, `frozen bottom: max abs ${bottom.diff} of ${bottom.scale}`);

      // splitAt() re-applied the top layers (a second call on each); the feature model still converts the same.
      const again = await compare(b.model!, x);
      assert.ok(again.diff <= 1e-4, `after the split: max abs ${again.diff}`);
      x.dispose();
      b.dispose();
    });

  it('the whole Teachable Machine classifier, its head an opaque nested Sequential', async (t) => {
    if (whyNoOrt()) return t.skip(whyNoOrt());
    const full = await tf.loadLayersModel(fileSystemLoader(TM));
    const x = toBatchTensor(tf, photos, 224, 'minus1to1');
    const r = await compare(full, x);
    t.diagnostic(`class probabilities ${JSON.stringify(r.shape)}: ${fmt(r)}`);
    assert.ok(r.diff <= 1e-5, `max abs ${r.diff}`);
    x.dispose();
    full.dispose();
  });

  it('MobileNet v1 0.25 (Keras) cut at conv_pw_13_relu + features_pool', async (t) => {
    if (whyNoOrt()) return t.skip(whyNoOrt());
    const b = await loadBackbone({ source: V1 });
    const x = toBatchTensor(tf, photos, 224, b.preprocessing);
    const r = await compare(b.model!, x);
    t.diagnostic(`features [16, 256]: ${fmt(r)}`);
    const names = decodeModel(r.conv.bytes).graph.node.map((n) => n.name);
    assert.ok(!names.some((n) => /reshape|dropout|conv_preds/.test(n)), 'the ImageNet top above the cut is left out');
    assert.ok(r.diff <= 1e-4, `max abs ${r.diff}`);
    x.dispose();
    b.dispose();
  });

  it('SqueezeNet 1.1 (caffe preprocessing, fire-module Concatenates, valid max pools)', async (t) => {
    if (whyNoOrt()) return t.skip(whyNoOrt());
    const b = await loadBackbone({ source: path.join(SQUEEZE, 'model.json') });
    const x = toBatchTensor(tf, photos, 224, b.preprocessing);
    const r = await compare(b.model!, x);
    t.diagnostic(`features [16, 256]: ${fmt(r)}`);
    // Caffe inputs are raw 0–255 minus means, so features reach ~60 and the difference is ~4e-5 (7e-7 relative).
    assert.ok(r.diff <= 1e-4, `max abs ${r.diff} of ${r.scale}`);
    x.dispose();
    b.dispose();
  });
});
