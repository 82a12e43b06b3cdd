// Keras' ResNet50 (v1) without its classifier (include_top=False), layer for layer as
// keras/src/applications/resnet.py builds it (ResNet, stack_residual_blocks_v1, residual_block_v1):
// - the stem pads explicitly (conv1_pad 3, pool1_pad 1) and then convolves/pools 'valid';
// - a block's stride sits on its first 1×1 conv (_1_conv) and on the projection shortcut (_0_conv), not on the
//   3×3 as in torchvision's "v1.5";
// - every BatchNormalization has epsilon 1.001e-5 (axis 3), every conv a bias.
// Layers are created in Keras' order (shortcut first), so the model's layer list matches Keras'.
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from '../../../engine/engine';
import { kerasInput } from './kerasInput';

export const RESNET_BN_EPSILON = 1.001e-5;

/** Bottleneck filters and blocks per stage, conv2 … conv5; conv2 keeps the stride 1 (the max pool already halved). */
const STAGES: readonly [name: string, filters: number, blocks: number, stride: number][] = [
  ['conv2', 64, 3, 1], ['conv3', 128, 4, 2], ['conv4', 256, 6, 2], ['conv5', 512, 3, 2],
];

export interface ResNet50Options {
  /** Square input size in pixels (Keras: 224 by default, at least 32). */
  inputSize?: number;
}

type T = tfType.SymbolicTensor;

/** 23,587,712 weights (BatchNorm moving statistics included); 224 px in, 7×7×2048 out (conv5_block3_out). */
export function resnet50(tf: Tf, o: ResNet50Options = {}): tfType.LayersModel {
  const conv = (filters: number, kernelSize: number, name: string, strides = 1, padding: 'valid' | 'same' = 'valid') =>
    tf.layers.conv2d({ filters, kernelSize, strides, padding, name });
  const bn = (name: string) => tf.layers.batchNormalization({ axis: 3, epsilon: RESNET_BN_EPSILON, name });
  const relu = (name: string) => tf.layers.activation({ activation: 'relu', name });

  function block(x: T, filters: number, stride: number, convShortcut: boolean, name: string): T {
    let shortcut = x;
    if (convShortcut) {
      shortcut = conv(4 * filters, 1, `${name}_0_conv`, stride).apply(x) as T;
      shortcut = bn(`${name}_0_bn`).apply(shortcut) as T;
    }
    let y = conv(filters, 1, `${name}_1_conv`, stride).apply(x) as T;
    y = bn(`${name}_1_bn`).apply(y) as T;
    y = relu(`${name}_1_relu`).apply(y) as T;
    y = conv(filters, 3, `${name}_2_conv`, 1, 'same').apply(y) as T;
    y = bn(`${name}_2_bn`).apply(y) as T;
    y = relu(`${name}_2_relu`).apply(y) as T;
    y = conv(4 * filters, 1, `${name}_3_conv`).apply(y) as T;
    y = bn(`${name}_3_bn`).apply(y) as T;
    y = tf.layers.add({ name: `${name}_add` }).apply([shortcut, y]) as T;
    return relu(`${name}_out`).apply(y) as T;
  }

  const input = kerasInput(tf, o.inputSize ?? 224);
  let x = tf.layers.zeroPadding2d({ padding: [[3, 3], [3, 3]], name: 'conv1_pad' }).apply(input) as T;
  x = conv(64, 7, 'conv1_conv', 2).apply(x) as T;
  x = bn('conv1_bn').apply(x) as T;
  x = relu('conv1_relu').apply(x) as T;
  x = tf.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: 'pool1_pad' }).apply(x) as T;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as T;
  for (const [stage, filters, blocks, stride] of STAGES) {
    x = block(x, filters, stride, true, `${stage}_block1`);
    for (let i = 2; i <= blocks; i++) x = block(x, filters, 1, false, `${stage}_block${i}`);
  }
  return tf.model({ inputs: input, outputs: x, name: 'resnet50' });
}
