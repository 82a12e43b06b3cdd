// The classic Keras recipe's classifier head on pooled backbone features:
// Dense 256 relu → Dropout 0.5 → Dense 128 relu → Dropout 0.7 → Dense 1 sigmoid (softmax for > 2 classes).
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from '../engine/engine';

export interface HeadOptions {
  inputDim: number;
  classes: number;
  seed: number;
  /** 'recipe' is the head above; 'linear' is a single dense layer (a linear probe). */
  kind?: 'recipe' | 'linear';
  dropout?: [number, number];
}

export const isBinary = (classes: number) => classes === 2;

export function buildHead(tf: Tf, o: HeadOptions): tfType.Sequential {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: o.seed + k });
  const [d1, d2] = o.dropout ?? [0.5, 0.7];
  const out = isBinary(o.classes)
    ? { units: 1, activation: 'sigmoid' as const }
    : { units: o.classes, activation: 'softmax' as const };
  const layers: tfType.layers.Layer[] =
    o.kind === 'linear'
      ? [tf.layers.dense({ inputShape: [o.inputDim], ...out, kernelInitializer: init(3), name: 'head_out' })]
      : [
          tf.layers.dense({
            inputShape: [o.inputDim],
            units: 256,
            activation: 'relu',
            kernelInitializer: init(1),
            name: 'head_dense_256',
          }),
          tf.layers.dropout({ rate: d1, seed: o.seed + 11, name: 'head_dropout_1' }),
          tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(2), name: 'head_dense_128' }),
          tf.layers.dropout({ rate: d2, seed: o.seed + 12, name: 'head_dropout_2' }),
          tf.layers.dense({ ...out, kernelInitializer: init(3), name: 'head_out' }),
        ];
  return tf.sequential({ name: 'head', layers });
}

export function lossFor(classes: number): string {
  return isBinary(classes) ? 'binaryCrossentropy' : 'categoricalCrossentropy';
}

/** Labels as the head's loss expects them: [n,1] 0/1 for binary, one-hot [n,k] otherwise. */
export function labelTensor(tf: Tf, labels: Int32Array | number[], classes: number): tfType.Tensor2D {
  const arr = Int32Array.from(labels);
  if (isBinary(classes)) return tf.tensor2d(Float32Array.from(arr), [arr.length, 1]);
  return tf.tidy(() => tf.oneHot(tf.tensor1d(arr, 'int32'), classes).toFloat() as tfType.Tensor2D);
}

