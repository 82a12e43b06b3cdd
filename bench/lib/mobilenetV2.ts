// MobileNetV2 features (no classifier) in tfjs layers, random weights, for throughput benches: tfjs has no
// keras.applications. Same channel arithmetic as torchvision.models.mobilenet_v2(width_mult=alpha) and Keras
// (first conv make_divisible(32α, 8), last conv 1280 for α ≤ 1, the (t, c, n, s) table below), and Keras' layer
// names (block_N_expand/depthwise/project, Conv_1, out_relu), so splitAt('block_16') behaves as on the real model.
// Stride-2 convs pad 'same' where Keras pads asymmetrically with ZeroPadding2D: the same FLOPs.
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from '../../src/trainer/engine/engine';

/** torchvision's and Keras' _make_divisible: round to a multiple of 8, never more than 10% down. */
export function makeDivisible(v: number, divisor = 8): number {
  const r = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return r < 0.9 * v ? r + divisor : r;
}

/** Expansion t, output channels c, repeats n, first stride s. */
const INVERTED_RESIDUALS: [number, number, number, number][] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

export function buildMobileNetV2(tf: Tf, alpha: number, size: number, seed = 1): tfType.LayersModel {
  let n = 0;
  const init = () => tf.initializers.heNormal({ seed: seed + n++ });
  const bn = (name: string) => tf.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.999, name });
  const relu6 = (name: string) => tf.layers.reLU({ maxValue: 6, name });
  const conv = (filters: number, kernel: number, strides: number, name: string) =>
    tf.layers.conv2d({ filters, kernelSize: kernel, strides, padding: 'same', useBias: false, kernelInitializer: init(), name });
  const apply = (layer: tfType.layers.Layer, x: tfType.SymbolicTensor | tfType.SymbolicTensor[]) => layer.apply(x) as tfType.SymbolicTensor;

  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = apply(relu6('Conv1_relu'), apply(bn('bn_Conv1'), apply(conv(makeDivisible(32 * alpha), 3, 2, 'Conv1'), input)));
  let channels = makeDivisible(32 * alpha);
  let block = 0;
  for (const [t, c, repeats, s] of INVERTED_RESIDUALS) {
    const out = makeDivisible(c * alpha);
    for (let r = 0; r < repeats; r++) {
      const stride = r === 0 ? s : 1;
      const p = block === 0 ? 'expanded_conv_' : `block_${block}_`;
      let h = x;
      if (t !== 1) h = apply(relu6(`${p}expand_relu`), apply(bn(`${p}expand_BN`), apply(conv(channels * t, 1, 1, `${p}expand`), h)));
      h = apply(tf.layers.depthwiseConv2d({
        kernelSize: 3, strides: stride, padding: 'same', useBias: false, depthwiseInitializer: init(), name: `${p}depthwise`,
      }), h);
      h = apply(relu6(`${p}depthwise_relu`), apply(bn(`${p}depthwise_BN`), h));
      h = apply(bn(`${p}project_BN`), apply(conv(out, 1, 1, `${p}project`), h));
      x = stride === 1 && channels === out ? apply(tf.layers.add({ name: `${p}add` }), [x, h]) : h;
      channels = out;
      block++;
    }
  }
  const last = alpha > 1 ? makeDivisible(1280 * alpha) : 1280;
  x = apply(relu6('out_relu'), apply(bn('Conv_1_bn'), apply(conv(last, 1, 1, 'Conv_1'), x)));
  return tf.model({ inputs: input, outputs: x, name: `mobilenetv2_${alpha}_${size}` });
}
