// Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
// Localization"): each feature-map channel is weighted by the spatial mean of the class score's gradient with respect
// to it, and the weighted sum, through a ReLU, is where the evidence for the class lies.
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from '../engine/engine';
import type { ClassScores } from './classScores';

export interface CamBatch {
  /** Per image: height × width values from 0 to 1 (1 at the heatmap's maximum), row-major. */
  maps: Float32Array[];
  /** Per image: the classifier's output row (probabilities, or one sigmoid value). */
  outputs: Float32Array[];
}

/**
 * Grad-CAM maps of `classes[i]` for each image's feature map, and the classifier's outputs on the same maps.
 * `classCount` is the number of classes; `features` holds n feature maps (n × h × w × c values, as the bottom gives them).
 */
export function gradCam(
  tf: Tf, head: ClassScores, features: Float32Array, classes: readonly number[], classCount: number,
): CamBatch {
  const [h, w, c] = head.shape;
  const n = classes.length;
  if (features.length !== n * h * w * c) {
    throw new Error(`${features.length} feature values for ${n} maps of ${h}×${w}×${c}`);
  }
  const [cams, outs] = tf.tidy(() => {
    const a = tf.tensor4d(features, [n, h, w, c]);
    const mask = tf.oneHot(tf.tensor1d(Array.from(classes), 'int32'), classCount).toFloat();
    // The sum over the batch of each image's own class score: image i's gradient is its own score's gradient.
    const grads = tf.grad((x: tfType.Tensor) => tf.sum(tf.mul(head.scores(x as tfType.Tensor4D), mask)))(a);
    const weights = tf.mean(grads, [1, 2]).reshape([n, 1, 1, c]);
    const cam = tf.relu(tf.sum(tf.mul(a, weights), 3));
    return [cam, head.outputs(a)];
  });
  try {
    const raw = cams.dataSync() as Float32Array;
    const out = outs.dataSync() as Float32Array;
    const per = out.length / n;
    const maps = Array.from({ length: n }, (_, i) => normalised(raw.slice(i * h * w, (i + 1) * h * w)));
    return { maps, outputs: Array.from({ length: n }, (_, i) => out.slice(i * per, (i + 1) * per)) };
  } finally {
    cams.dispose();
    outs.dispose();
  }
}

/**
 * Scaled to a maximum of 1. A map that is zero everywhere (no location raises the score) stays zero: the overlay then
 * shows no evidence rather than noise blown up. NaN is an error: the model or its input is broken.
 */
export function normalised(map: Float32Array): Float32Array {
  let max = 0;
  for (const v of map) {
    if (!Number.isFinite(v)) throw new Error('the Grad-CAM map holds a value that is not a number');
    if (v > max) max = v;
  }
  if (max > 0) for (let i = 0; i < map.length; i++) map[i] /= max;
  return map;
}
