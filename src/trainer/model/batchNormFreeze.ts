// Keeps BatchNormalization layers in inference mode while the layers around them train.
//
// tfjs 4.22's BatchNormalization.call() decides only on `kwargs.training` (tfjs-layers
// dist/layers/normalization.js): under fit()/trainOnBatch() it normalises with the *batch* statistics and
// overwrites moving_mean / moving_variance, even when the layer's `trainable` is false. Keras 2.1+ would keep a
// non-trainable BN in inference mode; tfjs never learnt that. Fine-tuning a pretrained top block on small
// batches of one dataset then drags ImageNet's statistics towards that dataset's, and the model it saves
// behaves differently from the one it validated. test/unit/backbone.test.ts measures both sides: unpatched,
// the stats move on the first step; patched, they stay byte-identical over several steps.
//
// The patch replaces the instance's call(), so every caller (LayersModel.execute during fit, a Container
// running its inner graph) gets inference behaviour from this layer. The layer's class and config stay
// BatchNormalization, so a saved model reloads as plain Keras; a reloaded model must be frozen again before
// further training.
//
// A frozen BN is a fixed per-channel affine map, so the patch computes it as x·s + t with
// s = γ/√(σ²+ε), t = β − μ·s rather than through tf.batchNorm: same values (to float rounding, ~1e-7 relative),
// but the gradient is a broadcast multiply. tfjs' FusedBatchNorm gradient tiles its per-channel factors to the
// full activation size with the Tile kernel, which cost ~340 ms of a ~1 s training step of MobileNetV2 0.35's
// top block on wasm.
import * as tf from '@tensorflow/tfjs';

type Layer = tf.layers.Layer;
type Call = Layer['call'];

/** The fields tfjs' BatchNormalization keeps (private in its typings, plain properties at run time). */
interface BatchNormInternals {
  axis: number; epsilon: number;
  gamma?: tf.LayerVariable; beta?: tf.LayerVariable; movingMean: tf.LayerVariable; movingVariance: tf.LayerVariable;
}

function affineInference(layer: Layer, input: tf.Tensor): tf.Tensor | undefined {
  const bn = layer as unknown as BatchNormInternals;
  const axis = bn.axis < 0 ? bn.axis + input.rank : bn.axis;
  if (axis !== input.rank - 1 || !bn.movingMean || !bn.movingVariance) return undefined;
  return tf.tidy(() => {
    let scale = tf.rsqrt(tf.add(bn.movingVariance.read(), bn.epsilon));
    if (bn.gamma) scale = tf.mul(scale, bn.gamma.read());
    let offset = tf.neg(tf.mul(bn.movingMean.read(), scale));
    if (bn.beta) offset = tf.add(offset, bn.beta.read());
    return tf.add(tf.mul(input, scale), offset);
  });
}

const originals = new WeakMap<Layer, Call>();

export const isBatchNorm = (l: Layer) => l.getClassName() === 'BatchNormalization';
export const isBatchNormFrozen = (l: Layer) => originals.has(l);

/** Inference mode for good: moving statistics are used and never updated; gamma and beta stop training too. */
export function freezeBatchNorm(layer: Layer): void {
  if (!isBatchNorm(layer)) throw new Error(`${layer.name} is a ${layer.getClassName()}, not BatchNormalization`);
  if (originals.has(layer)) return;
  const original = layer.call;
  originals.set(layer, original);
  layer.call = function (this: Layer, inputs, kwargs) {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    return affineInference(this, input) ?? original.call(this, inputs, { ...kwargs, training: false });
  };
  layer.trainable = false;
}

/** Back to tfjs' own behaviour: batch statistics and moving-average updates whenever training=true. */
export function unfreezeBatchNorm(layer: Layer, trainable = true): void {
  const original = originals.get(layer);
  if (original) {
    layer.call = original;
    originals.delete(layer);
  }
  layer.trainable = trainable;
}
