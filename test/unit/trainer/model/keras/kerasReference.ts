// Keras' own description of its applications (test/fixtures/keras/reference, written by
// test/fixtures/keras/kerasReference.py with Keras 3.15.1), and seeded weights of a trained network's scale.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from '../../../../../src/trainer/engine/engine';

export const REFERENCE_DIR = path.resolve(__dirname, '../../../../fixtures/keras/reference');

export interface KerasLayerReference {
  name: string;
  class: string;
  /** Keras' snake_case config keys that fix the computation (filters, strides, padding, epsilon, …). */
  config: Record<string, unknown>;
  /** ZeroPadding2D's [[top, bottom], [left, right]]. */
  padding2d: [[number, number], [number, number]] | null;
  weights: { name: string; shape: number[] }[];
}

export interface KerasReference {
  spec: string;
  app: 'vgg16' | 'resnet50' | 'mobilenet_v2';
  size: number;
  alpha: number;
  params: number;
  outputShape: number[];
  layers: KerasLayerReference[];
  keras: string;
}

export function readReference(id: string): KerasReference {
  return JSON.parse(readFileSync(path.join(REFERENCE_DIR, `${id}.json`), 'utf8')) as KerasReference;
}

/**
 * Every weight replaced by seeded values of a trained network's scale: kernels of unit gain (normal, variance
 * 1/fan-in, so 16 layers of VGG neither vanish nor overflow), small biases and means, gammas and variances in
 * [0.5, 1.5]. He's gain of 2 made MobileNetV2's activations grow block by block, and float32 rounding with them:
 * TF.js and ONNX Runtime then differed by 1.4e-3 at Conv_1_bn (values up to 36), against 3e-6 (up to 2.8) here.
 */
export function randomizeUnitGain(tf: Tf, model: tfType.LayersModel, seed: number): void {
  let s = seed;
  for (const layer of model.layers) {
    const values = layer.weights.map((w) => {
      const shape = w.shape as number[];
      const name = w.originalName.split('/').at(-1)!;
      if (name === 'gamma' || name === 'moving_variance') return tf.randomUniform(shape, 0.5, 1.5, 'float32', s++);
      if (name === 'kernel' || name === 'depthwise_kernel') {
        const fanIn = shape.slice(0, name === 'kernel' ? -1 : 2).reduce((a, b) => a * b, 1);
        return tf.randomNormal(shape, 0, Math.sqrt(1 / fanIn), 'float32', s++);
      }
      return tf.randomNormal(shape, 0, 0.1, 'float32', s++);
    });
    if (values.length) layer.setWeights(values);
    tf.dispose(values);
  }
}

/** The largest difference, and the largest value of `want` it is measured against. */
export function maxAbsDiff(got: ArrayLike<number>, want: ArrayLike<number>): { diff: number; scale: number } {
  if (got.length !== want.length) throw new Error(`${got.length} values against ${want.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < got.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return { diff, scale };
}
