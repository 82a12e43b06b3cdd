// A binary head's single sigmoid, exported as two class probabilities: [1 − p, p] under the same output name, with
// the first column exactly what the trainer computes from p.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { convertLayersModel } from '../../../../../src/trainer/model/onnx/layersToOnnx';
import { decodeModel } from '../../../../../src/trainer/model/onnx/onnxProto';
import { twoClassOutput } from '../../../../../src/trainer/model/onnx/twoClassOutput';
import { loadOrt, randomizeWeights, whyNoOrt } from './ortCompare';

function head(units: number, activation: 'sigmoid' | 'softmax'): tf.LayersModel {
  const x = tf.input({ shape: [6] });
  const h = tf.layers.dense({ units: 5, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  const y = tf.layers.dense({ units, activation }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: y });
  randomizeWeights(tf, model, 7);
  return model;
}

describe('twoClassOutput', () => {
  before(async () => {
    await tf.setBackend('cpu');
    await loadOrt();
  });

  it('turns [N, 1] into [N, 2] = [1 - p, p], under the same output name', async (t) => {
    if (whyNoOrt()) return t.skip(whyNoOrt());
    const model = head(1, 'sigmoid');
    const conv = convertLayersModel(model);
    const bytes = twoClassOutput(conv.bytes, conv.outputName);
    const graph = decodeModel(bytes).graph;
    assert.deepEqual(graph.output.map((o) => o.name), ['output']);
    assert.deepEqual(graph.output[0].type.tensorType.shape.dim, [{ dimParam: 'N' }, { dimValue: 2 }]);

    // Inputs spread wide enough to reach both ends of the sigmoid.
    const x = tf.randomNormal([64, 6], 0, 4, 'float32', 3);
    const p = (model.predict(x) as tf.Tensor).dataSync();
    const ort = (await loadOrt())!;
    const session = await ort.InferenceSession.create(Buffer.from(bytes));
    const out = (await session.run({ image: new ort.Tensor('float32', x.dataSync() as Float32Array, [64, 6]) })).output;
    await session.release();
    assert.deepEqual(out.dims, [64, 2]);
    const y = out.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < 64; i++) {
      worst = Math.max(worst, Math.abs(y[2 * i + 1] - p[i]));
      // The first column is computed from ONNX's own p exactly as the trainer computes it from TF.js' p.
      assert.equal(y[2 * i], Math.fround(1 - y[2 * i + 1]), `row ${i}`);
    }
    assert.ok(worst <= 1e-6, `p differs from TF.js by ${worst}`);
    tf.dispose(x);
  });

  it('refuses an output that is not one column', () => {
    const conv = convertLayersModel(head(3, 'softmax'));
    assert.throws(() => twoClassOutput(conv.bytes, conv.outputName), /output is not \[N, 1\]/);
    assert.throws(() => twoClassOutput(conv.bytes, 'logits'), /output logits is not \[N, 1\]/);
  });
});
