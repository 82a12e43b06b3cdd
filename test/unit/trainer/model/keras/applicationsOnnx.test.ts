// The product's TF.js → ONNX converter on the three Keras applications (seeded weights of a trained network's
// scale), run in ONNX Runtime against TF.js on the same batch: NHWC out, within 1e-4 of the largest value.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadEngine, type Tf } from '../../../../../src/trainer/engine/engine';
import { LayersBackbone } from '../../../../../src/trainer/model/backbone';
import { buildKerasApplication } from '../../../../../src/trainer/model/keras/applications/kerasApplications';
import { convertLayersModel } from '../../../../../src/trainer/model/onnx/layersToOnnx';
import { loadOrt, runOnnx, whyNoOrt } from '../onnx/ortCompare';
import { maxAbsDiff, randomizeUnitGain } from './kerasReference';

let tf: Tf;

describe('Keras applications → ONNX', () => {
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
    await loadOrt();
  });

  const cases: [string, 'vgg16' | 'resnet50' | 'mobilenet_v2', number, number | undefined, number, number][] = [
    // [what, application, input size, alpha, batch, caffe-like pixel scale (1: [-1, 1])]
    ['VGG16 at 224 px', 'vgg16', 224, undefined, 1, 120],
    ['ResNet50 at 224 px', 'resnet50', 224, undefined, 2, 120],
    ['MobileNetV2 1.0 at 224 px', 'mobilenet_v2', 224, 1.0, 2, 1],
    ['MobileNetV2 0.35 at 97 px (odd sizes pad both sides)', 'mobilenet_v2', 97, 0.35, 2, 1],
  ];
  for (const [what, app, size, alpha, batch, scale] of cases) {
    it(`${what}: the whole network, and its pooled features as the product converts them`, async (t) => {
      if (whyNoOrt()) return t.skip(whyNoOrt());
      const model = buildKerasApplication(tf, app, { inputSize: size, ...(alpha === undefined ? {} : { alpha }) });
      randomizeUnitGain(tf, model, 7);
      const backbone = new LayersBackbone(app, model, undefined, { source: app });
      const x = tf.randomUniform([batch, size, size, 3], -scale, scale, 'float32', 11);
      try {
        for (const [part, m] of [['network', model], ['features', backbone.model]] as const) {
          const conv = convertLayersModel(m);
          const ref = m.predict(x) as ReturnType<typeof tf.zeros>;
          const got = await runOnnx(conv, x);
          assert.deepEqual(got.dims, ref.shape, `${part}: ONNX output shape (and so layout) is TF.js'`);
          const { diff, scale: largest } = maxAbsDiff(got.data, ref.dataSync());
          t.diagnostic(`${part} ${ref.shape.join('×')}: max abs ${diff.toExponential(2)} of values up to ` +
            `${largest.toPrecision(3)} (relative ${(diff / largest).toExponential(2)}), ` +
            `${(conv.bytes.length / 1e6).toFixed(1)} MB`);
          ref.dispose();
          assert.ok(diff <= 1e-4 * largest, `${part}: max abs ${diff} of ${largest}`);
        }
      } finally {
        x.dispose();
        backbone.dispose();
      }
    });
  }
});
