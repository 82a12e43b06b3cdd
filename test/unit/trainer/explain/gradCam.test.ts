// Grad-CAM on small hand-set classifiers shaped like a saved run (conv feature map → global pooling → a nested
// Sequential head), so where the evidence lies is known exactly: the map must peak where the class's channel fires.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { loadEngine, type Tf } from '../../../../src/trainer/engine/engine';
import { classScoresOf } from '../../../../src/trainer/explain/classScores';
import { gradCam } from '../../../../src/trainer/explain/gradCam';

const S = 6;

/** Image (S × S × 2) → identity 1×1 conv → pooling → head; `units` 2 (softmax) or 1 (sigmoid). */
function classifier(tf: Tf, units: 1 | 2): tfType.LayersModel {
  const input = tf.input({ shape: [S, S, 2] });
  const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1, useBias: false, name: 'last_conv',
    weights: [tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2])] });
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(conv.apply(input)) as tfType.SymbolicTensor;
  const head = tf.sequential({ name: 'head', layers: [
    tf.layers.dense({ inputShape: [2], units: 4, activation: 'linear', name: 'hidden',
      weights: [tf.tensor2d([1, 0, 0, 0, 0, 1, 0, 0], [2, 4]), tf.zeros([4])] }),
    tf.layers.dropout({ rate: 0.5 }),
    units === 2
      ? tf.layers.dense({ units: 2, activation: 'softmax', name: 'out',
        weights: [tf.tensor2d([4, 0, 0, 4, 0, 0, 0, 0], [4, 2]), tf.tensor1d([0.1, -0.1])] })
      : tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'out',
        weights: [tf.tensor2d([4, -4, 0, 0], [4, 1]), tf.tensor1d([0.2])] }),
  ] });
  return tf.model({ inputs: input, outputs: head.apply(pooled) as tfType.SymbolicTensor });
}

/** Channel 0 fires at (row 1, column 4), channel 1 at (row 5, column 0). */
function image(tf: Tf): tfType.Tensor4D {
  const x = new Float32Array(S * S * 2);
  x[(1 * S + 4) * 2] = 3;
  x[(5 * S + 0) * 2 + 1] = 2;
  return tf.tensor4d(x, [1, S, S, 2]);
}

const argmaxOf = (m: Float32Array) => m.indexOf(Math.max(...m));

describe('Grad-CAM', () => {
  let tf: Tf;
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
  });

  for (const units of [2, 1] as const) {
    it(`peaks where each class's channel fires (${units === 2 ? 'softmax' : 'one sigmoid unit'} head)`, () => {
      const model = classifier(tf, units);
      const head = classScoresOf(tf, model);
      assert.equal(head.layer, 'last_conv');
      assert.deepEqual(head.shape, [S, S, 2]);
      const x = image(tf);
      const features = head.bottom.predict(x) as tfType.Tensor;
      const values = features.dataSync() as Float32Array;
      const before = tf.memory().numTensors;
      // Softmax: class 0 reads channel 0, class 1 channel 1. Sigmoid: the logit rises with channel 0 and falls with
      // channel 1, so class 1 (the logit) points at channel 0's spot and class 0 (−logit) at channel 1's.
      const cams = gradCam(tf, head, new Float32Array([...values, ...values]), [0, 1], 2);
      assert.equal(tf.memory().numTensors, before, 'gradCam leaves no tensor behind');
      const peak0 = argmaxOf(cams.maps[0]), peak1 = argmaxOf(cams.maps[1]);
      if (units === 2) {
        assert.equal(peak0, 1 * S + 4);
        assert.equal(peak1, 5 * S + 0);
      } else {
        assert.equal(peak0, 5 * S + 0, 'class 0 of a sigmoid head is −logit: channel 1 raises it');
        assert.equal(peak1, 1 * S + 4, 'class 1 is the logit: channel 0 raises it');
      }
      assert.equal(Math.max(...cams.maps[0]), 1);
      // The outputs are the classifier's own.
      const direct = (model.predict(x) as tfType.Tensor).dataSync();
      for (let i = 0; i < direct.length; i++) assert.ok(Math.abs(cams.outputs[0][i] - direct[i]) < 1e-6);
      // The scores are the logits, before the softmax or sigmoid.
      const scores = tf.tidy(() => head.scores(features as tfType.Tensor4D).dataSync());
      const pooled = [3 / (S * S), 2 / (S * S)];
      const want = units === 2 ? [4 * pooled[0] + 0.1, 4 * pooled[1] - 0.1] : [-(4 * pooled[0] - 4 * pooled[1] + 0.2), 4 * pooled[0] - 4 * pooled[1] + 0.2];
      assert.ok(want.every((w, i) => Math.abs(scores[i] - w) < 1e-5), `scores ${Array.from(scores)} vs ${want}`);
      tf.dispose([x, features]);
      model.dispose();
    });
  }

  it('a class with no evidence anywhere gets an empty map, not noise', () => {
    const model = classifier(tf, 2);
    const head = classScoresOf(tf, model);
    // Only channel 1 fires, and class 0's score does not depend on it.
    const features = new Float32Array(S * S * 2);
    features[(2 * S + 2) * 2 + 1] = 1;
    const cams = gradCam(tf, head, features, [0], 2);
    assert.ok(cams.maps[0].every((v) => v === 0));
    assert.throws(() => gradCam(tf, head, new Float32Array(5), [0], 2), /feature values/);
    model.dispose();
  });
});
