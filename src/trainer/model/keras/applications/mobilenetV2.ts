// Keras' MobileNetV2 without its classifier (include_top=False), layer for layer as
// keras/src/applications/mobilenet_v2.py builds it:
// - widths from alpha through _make_divisible (multiples of 8, never more than 10% below the exact width);
//   Conv_1 keeps 1280 filters unless alpha > 1;
// - a stride-2 depthwise conv is preceded by ZeroPadding2D with imagenet_utils.correct_pad (one pixel after on an
//   even side, one on each side of an odd one) and convolves 'valid'; Conv1 pads 'same' (TF's rule, the same
//   pixels; the older keras-applications spelled it as a Conv1_pad layer, which holds no weights);
// - every BatchNormalization has epsilon 1e-3 and momentum 0.999 (axis -1); no conv has a bias; ReLU6.
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from '../../../engine/engine';
import { kerasInput } from './kerasInput';

export const MOBILENET_V2_BN_EPSILON = 1e-3;
/** The widths Keras publishes ImageNet weights for. */
export const MOBILENET_V2_ALPHAS = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4] as const;

/** Keras' _make_divisible: v rounded to a multiple of `divisor`, never below `divisor` or 90% of v. */
export function makeDivisible(v: number, divisor = 8): number {
  let rounded = Math.max(divisor, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

/** Keras' imagenet_utils.correct_pad for a square kernel: [[top, bottom], [left, right]]. */
export function correctPad(size: readonly [number, number], kernel: number): [[number, number], [number, number]] {
  const half = Math.floor(kernel / 2);
  const [rows, cols] = size.map((n) => 1 - (n % 2));
  return [[half - rows, half], [half - cols, half]];
}

/** The 17 inverted residual blocks: output filters, stride, expansion (block 0 does not expand). */
const BLOCKS: readonly [filters: number, stride: number, expansion: number][] = [
  [16, 1, 1],
  [24, 2, 6], [24, 1, 6],
  [32, 2, 6], [32, 1, 6], [32, 1, 6],
  [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
  [96, 1, 6], [96, 1, 6], [96, 1, 6],
  [160, 2, 6], [160, 1, 6], [160, 1, 6],
  [320, 1, 6],
];

export interface MobileNetV2Options {
  /** Width multiplier (Keras: 1.0 by default; ImageNet weights exist for MOBILENET_V2_ALPHAS). */
  alpha?: number;
  /** Square input size in pixels (Keras: 224 by default, at least 32). */
  inputSize?: number;
}

type T = tfType.SymbolicTensor;

/** Alpha 1.0: 2,257,984 weights; 224 px in, 7×7×1280 out (out_relu). */
export function mobilenetV2(tf: Tf, o: MobileNetV2Options = {}): tfType.LayersModel {
  const alpha = o.alpha ?? 1.0;
  if (!(alpha > 0)) throw new RangeError(`alpha must be above 0, got ${alpha}`);
  const inputSize = o.inputSize ?? 224;
  const bn = (name: string) =>
    tf.layers.batchNormalization({ axis: -1, epsilon: MOBILENET_V2_BN_EPSILON, momentum: 0.999, name });
  const relu6 = (name: string) => tf.layers.reLU({ maxValue: 6, name });
  const pointwise = (filters: number, name: string) =>
    tf.layers.conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, name });

  function invertedResidual(inputs: T, filters: number, stride: number, expansion: number, id: number): T {
    const inChannels = inputs.shape[3] as number;
    const outChannels = makeDivisible(Math.trunc(filters * alpha), 8);
    const prefix = id ? `block_${id}_` : 'expanded_conv_';
    let x = inputs;
    if (id) {
      x = pointwise(expansion * inChannels, `${prefix}expand`).apply(x) as T;
      x = bn(`${prefix}expand_BN`).apply(x) as T;
      x = relu6(`${prefix}expand_relu`).apply(x) as T;
    }
    if (stride === 2) {
      const size: [number, number] = [x.shape[1] as number, x.shape[2] as number];
      x = tf.layers.zeroPadding2d({ padding: correctPad(size, 3), name: `${prefix}pad` }).apply(x) as T;
    }
    x = tf.layers.depthwiseConv2d({
      kernelSize: 3, strides: stride, useBias: false, padding: stride === 1 ? 'same' : 'valid',
      name: `${prefix}depthwise`,
    }).apply(x) as T;
    x = bn(`${prefix}depthwise_BN`).apply(x) as T;
    x = relu6(`${prefix}depthwise_relu`).apply(x) as T;
    x = pointwise(outChannels, `${prefix}project`).apply(x) as T;
    x = bn(`${prefix}project_BN`).apply(x) as T;
    if (inChannels !== outChannels || stride !== 1) return x;
    return tf.layers.add({ name: `${prefix}add` }).apply([inputs, x]) as T;
  }

  const input = kerasInput(tf, inputSize);
  let x = tf.layers.conv2d({
    filters: makeDivisible(32 * alpha, 8), kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'Conv1',
  }).apply(input) as T;
  x = bn('bn_Conv1').apply(x) as T;
  x = relu6('Conv1_relu').apply(x) as T;
  BLOCKS.forEach(([filters, stride, expansion], id) => {
    x = invertedResidual(x, filters, stride, expansion, id);
  });
  // No alpha on the last conv below 1, as in the paper: the features stay 1280 wide.
  const lastFilters = alpha > 1.0 ? makeDivisible(1280 * alpha, 8) : 1280;
  x = tf.layers.conv2d({ filters: lastFilters, kernelSize: 1, useBias: false, name: 'Conv_1' }).apply(x) as T;
  x = bn('Conv_1_bn').apply(x) as T;
  x = relu6('out_relu').apply(x) as T;
  return tf.model({ inputs: input, outputs: x, name: `mobilenetv2_${alpha.toFixed(2)}_${inputSize}` });
}
