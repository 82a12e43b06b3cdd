// Our MobileNetV2 0.35 filled with real ImageNet weights: the Teachable Machine export in /work/shared/models
// (a Keras MobileNetV2 0.35 notop with Keras' names, 'model2', nested in Sequential 'sequential_5' beside its
// pooling) copied in by layer name with the product's
// setWeightsByName, then run next to the export on real photos decoded the product's way. Equal features prove
// the names, the weight order and the padding are Keras' with trained weights, not only random ones.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { loadEngine, type Tf } from '../../../../../src/trainer/engine/engine';
import { decodeImage, toBatchTensor } from '../../../../../src/trainer/images/imagePipeline';
import { mobilenetV2 } from '../../../../../src/trainer/model/keras/applications/mobilenetV2';
import { setWeightsByName } from '../../../../../src/trainer/model/keras/kerasApplicationLoad';
import type { KerasWeights } from '../../../../../src/trainer/model/keras/kerasWeights';
import { fileSystemLoader } from '../../../../../src/trainer/model/modelFiles';
import { SHARED } from '../../../../fixtures/cliRun';
import { maxAbsDiff } from './kerasReference';

const TM = path.join(SHARED, 'models/mobilenet_v2_0.35_224_teachable');
const DATA = path.join(SHARED, 'data/dogs-vs-cats/train');
const PHOTOS = [0, 1, 2, 3].flatMap((i) => [`cat.${i}.jpg`, `dog.${i}.jpg`]).map((f) => path.join(DATA, f));

let tf: Tf;

/** A layers model's weights in the shape readKerasWeights gives them: layer name → weights in order. */
function weightsOf(model: tfType.LayersModel): KerasWeights {
  return new Map(model.layers.map((l) => [l.name, l.weights.map((w) => ({
    name: `${w.originalName}:0`, shape: w.shape as number[], data: w.read().dataSync() as Float32Array,
  }))]));
}

describe('MobileNetV2 0.35 against the Teachable Machine export (Keras, ImageNet weights)', () => {
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
  });

  it('has its layers in its order, takes its weights by name, and gives its features within 1e-4', async (t) => {
    const exported = await tf.loadLayersModel(fileSystemLoader(TM));
    const keras = (exported.layers[0] as tfType.Sequential).layers[0] as tfType.LayersModel;
    assert.equal(keras.name, 'model2');
    const ours = mobilenetV2(tf, { alpha: 0.35, inputSize: 224 });
    try {
      // The export comes from the older keras-applications, which pads Conv1 with a Conv1_pad layer (no weights)
      // where Keras now convolves 'same'; every other layer is the same, in the same order.
      const theirs = keras.layers.map((l) => l.name).filter((n) => n !== 'Conv1_pad');
      assert.deepEqual(ours.layers.map((l) => l.name), theirs);
      setWeightsByName(tf, ours, weightsOf(keras), TM);
      const photos = await Promise.all(PHOTOS.map((f) => decodeImage(f, { size: 224 })));
      const x = toBatchTensor(tf, photos, 224, 'minus1to1');
      const [want, got] = [keras.predict(x) as tfType.Tensor, ours.predict(x) as tfType.Tensor];
      assert.deepEqual(got.shape, [PHOTOS.length, 7, 7, 1280]);
      const { diff, scale } = maxAbsDiff(got.dataSync(), want.dataSync());
      t.diagnostic(`out_relu on ${PHOTOS.length} photos: max abs ${diff.toExponential(2)}, values up to ` +
        scale.toFixed(2));
      // Measured 0 (the same kernels on the same backend; 'same' and Conv1_pad + 'valid' pad the same pixels).
      assert.ok(diff <= 1e-4, `out_relu on ${PHOTOS.length} photos: max abs ${diff} (values up to ${scale})`);
      assert.ok(scale > 1, 'real features, not zeros');
      tf.dispose([x, want, got]);
    } finally {
      ours.dispose();
      exported.dispose();
    }
  });
});
