// Keras' VGG16 without its classifier (include_top=False), layer for layer as keras/src/applications/vgg16.py
// builds it: five blocks of 3×3 'same' convolutions with ReLU, each closed by a 2×2 max pool. Layer names
// (block1_conv1 … block5_pool) are what the official weights file keys its weights by.
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from '../../../engine/engine';
import { kerasInput } from './kerasInput';

/** Filters and convolutions per block. */
const BLOCKS: readonly [filters: number, convs: number][] = [[64, 2], [128, 2], [256, 3], [512, 3], [512, 3]];

export interface Vgg16Options {
  /** Square input size in pixels (Keras: 224 by default, at least 32). */
  inputSize?: number;
}

/** 14,714,688 weights; 224 px in, 7×7×512 out (block5_pool). */
export function vgg16(tf: Tf, o: Vgg16Options = {}): tfType.LayersModel {
  const input = kerasInput(tf, o.inputSize ?? 224);
  let x: tfType.SymbolicTensor = input;
  BLOCKS.forEach(([filters, convs], b) => {
    for (let i = 1; i <= convs; i++) {
      x = tf.layers.conv2d({
        filters, kernelSize: 3, activation: 'relu', padding: 'same', name: `block${b + 1}_conv${i}`,
      }).apply(x) as tfType.SymbolicTensor;
    }
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` })
      .apply(x) as tfType.SymbolicTensor;
  });
  return tf.model({ inputs: input, outputs: x, name: 'vgg16' });
}
