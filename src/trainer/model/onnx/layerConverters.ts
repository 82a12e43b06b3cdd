// One converter per Keras layer class (tfjs className), in a table the walker looks layers up in. A class not
// in the table is an UnsupportedLayerError naming the layer, so its model stays on TF.js.
import { applyActivation, clip } from './activationOps';
import { SPATIAL_CONVERTERS } from './convConverters';
import { float } from './onnxGraphBuilder';
import {
  fromTfLayout, inTfLayout, num, onnxAxis, requireWeight, unsupported, weight, type LayerCall, type LayerConverter,
} from './layerContext';

const only = (c: LayerCall) => c.inputs[0];
const rankOf = (c: LayerCall) => only(c).shape.length;

/** Noise and dropout layers are no-ops at inference, which is all an exported model does. */
const identity: LayerConverter = (c) => [only(c).name];

/** One TF axis from a config that may hold a number or a one-element list (tfjs' Softmax allows either). */
function oneAxis(c: LayerCall, fallback: number): number {
  const v = c.config.axis ?? fallback;
  const a = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof a !== 'number' || !Number.isInteger(a)) throw unsupported(c, `axis ${JSON.stringify(v)}`);
  return a;
}

const batchNormalization: LayerConverter = (c) => {
  const x = only(c);
  const rank = x.shape.length;
  const tfAxis = oneAxis(c, -1);
  if (tfAxis !== -1 && tfAxis !== rank - 1) {
    // tfjs 4.22 (cpu and wasm) applies the statistics cycling along the last axis whatever `axis` says, so
    // there is no TF.js result to match: keep such a model on TF.js rather than export different numbers.
    throw unsupported(c, `axis ${tfAxis} is not the last axis (TF.js itself computes that wrongly)`);
  }
  const axis = onnxAxis(tfAxis, rank);
  const eps = num(c, 'epsilon', 1e-3);
  const mean = requireWeight(c, 'moving_mean');
  const variance = requireWeight(c, 'moving_variance');
  const gamma = c.config.scale === false ? undefined : weight(c, 'gamma');
  const beta = c.config.center === false ? undefined : weight(c, 'beta');
  const n = mean.shape[0];
  const b = c.b;
  const name = c.layer.name;
  if (axis === 1) {
    // ONNX BatchNormalization normalises axis 1: the channels of NCHW, or the features of [N, C].
    const scale = b.weight(c.layer, 'gamma', `${name}/gamma`, [n], () => gamma?.read() ?? new Float32Array(n).fill(1));
    const bias = b.weight(c.layer, 'beta', `${name}/beta`, [n], () => beta?.read() ?? new Float32Array(n));
    const m = b.weight(c.layer, 'mean', `${name}/moving_mean`, [n], mean.read);
    const v = b.weight(c.layer, 'variance', `${name}/moving_variance`, [n], variance.read);
    return [b.op('BatchNormalization', [x.name, scale, bias, m, v], { epsilon: float(eps) }, name)];
  }
  // Rank 3 (or 5): the same affine map x·s + t, folded in float64, broadcast along the last axis.
  const dims = Array.from({ length: rank }, (_, i) => (i === axis ? n : 1));
  let folded: { s: number[]; t: number[] } | undefined;
  const fold = () => {
    if (folded) return folded;
    const [mu, sigma2, g, be] = [mean.read(), variance.read(), gamma?.read(), beta?.read()];
    const s = Array.from(mu, (_, i) => (g ? g[i] : 1) / Math.sqrt(sigma2[i] + eps));
    return (folded = { s, t: s.map((si, i) => (be ? be[i] : 0) - mu[i] * si) });
  };
  const s = b.weight(c.layer, 'scale', `${name}/scale`, dims, () => fold().s);
  const t = b.weight(c.layer, 'offset', `${name}/offset`, dims, () => fold().t);
  return [b.op('Add', [b.op('Mul', [x.name, s], {}, `${name}/mul`), t], {}, name)];
};

/** Dense works on TF's last axis; on a rank-4 input that is NCHW's channel axis, so it goes through NHWC. */
const dense: LayerConverter = (c) => {
  const x = only(c);
  const rank = x.shape.length;
  const k = requireWeight(c, 'kernel');
  const [nIn, nOut] = k.shape;
  const name = c.layer.name;
  const w = c.b.weight(c.layer, 'kernel', `${name}/kernel`, [nIn, nOut], k.read);
  const bias = c.config.useBias === false ? undefined : requireWeight(c, 'bias');
  const bName = bias && c.b.weight(c.layer, 'bias', `${name}/bias`, [nOut], bias.read);
  let y: string;
  if (rank === 2) {
    y = c.b.op('Gemm', [x.name, w, ...(bName ? [bName] : [])], {}, name);
  } else {
    y = c.b.op('MatMul', [inTfLayout(c.b, x, `${name}/nhwc`), w], {}, `${name}/matmul`);
    if (bName) y = c.b.op('Add', [y, bName], {}, name);
    y = fromTfLayout(c.b, y, rank, `${name}/nchw`);
  }
  return [applyActivation(c, c.config.activation, y, rank, `${name}/act`)];
};

/** Element-wise merges: the inputs share one layout only when they share one rank. */
function merge(op: 'Add' | 'Mul' | 'Max' | 'Min' | 'Average'): LayerConverter {
  return (c) => {
    if (c.inputs.some((v) => v.shape.length !== c.outputShapes[0].length)) {
      throw unsupported(c, 'inputs of different ranks (broadcast across layouts)');
    }
    const names = c.inputs.map((v) => v.name);
    const name = c.layer.name;
    if (op === 'Average') {
      // tfjs sums, then multiplies by 1/n.
      const sum = c.b.op('Sum', names, {}, `${name}/sum`);
      return [c.b.op('Mul', [sum, c.b.scalar(1 / names.length)], {}, name)];
    }
    if (op === 'Max' || op === 'Min' || names.length === 2) return [c.b.op(op, names, {}, name)];
    // Add and Mul take two inputs: fold left as tfjs does.
    let acc = names[0];
    names.slice(1).forEach((n, i) => {
      acc = c.b.op(op, [acc, n], {}, i === names.length - 2 ? name : `${name}/${i}`);
    });
    return [acc];
  };
}

const concatenate: LayerConverter = (c) => {
  const rank = c.outputShapes[0].length;
  if (c.inputs.some((v) => v.shape.length !== rank)) throw unsupported(c, 'inputs of different ranks');
  return [c.b.op('Concat', c.inputs.map((v) => v.name), { axis: onnxAxis(oneAxis(c, -1), rank) }, c.layer.name)];
};

/** Keras flattens in NHWC order; a dense layer after it was trained on that order, so undo NCHW first. */
const flatten: LayerConverter = (c) => {
  const x = only(c);
  if (x.shape.length <= 2) return [x.name];
  return [c.b.op('Flatten', [inTfLayout(c.b, x, `${c.layer.name}/nhwc`)], { axis: 1 }, c.layer.name)];
};

const reshape: LayerConverter = (c) => {
  // tfjs' config writes the inferred size (-1) as null.
  const raw = c.config.targetShape;
  const target = Array.isArray(raw) ? raw.map((d) => (d === null ? -1 : d)) : [];
  if (!target.length || !target.every((d) => Number.isInteger(d) && (d > 0 || d === -1))) {
    throw unsupported(c, `target shape ${JSON.stringify(raw)}`);
  }
  const x = only(c);
  // 0 copies the input's batch size, so the batch stays symbolic.
  const shape = c.b.int64Tensor(`${c.layer.name}/shape`, [0, ...target]);
  const y = c.b.op('Reshape', [inTfLayout(c.b, x, `${c.layer.name}/nhwc`), shape], {}, `${c.layer.name}/reshape`);
  return [fromTfLayout(c.b, y, c.outputShapes[0].length, c.layer.name)];
};

const activation: LayerConverter = (c) =>
  [applyActivation(c, c.config.activation, only(c).name, rankOf(c), c.layer.name)];

/** tfjs' ReLU layer knows only max_value (Keras' negative_slope and threshold are not read by tfjs). */
const relu: LayerConverter = (c) => {
  const max = c.config.maxValue;
  if (max == null) return [c.b.op('Relu', [only(c).name], {}, c.layer.name)];
  if (typeof max !== 'number') throw unsupported(c, `max_value ${JSON.stringify(max)}`);
  return [clip(c.b, only(c).name, 0, max, c.layer.name)];
};

const leakyRelu: LayerConverter = (c) =>
  [c.b.op('LeakyRelu', [only(c).name], { alpha: float(num(c, 'alpha', 0.3)) }, c.layer.name)];

/** PReLU's slope has the input's shape without the batch ([H, W, C], 1 where shared): NCHW wants [C, H, W]. */
const prelu: LayerConverter = (c) => {
  const alpha = requireWeight(c, 'alpha');
  const [h, w, ch] = alpha.shape;
  const chw = () => {
    const a = alpha.read();
    if (alpha.shape.length !== 3) return a;
    const out = new Float32Array(a.length);
    for (let i = 0; i < h * w; i++) for (let k = 0; k < ch; k++) out[k * h * w + i] = a[i * ch + k];
    return out;
  };
  const dims = alpha.shape.length === 3 ? [ch, h, w] : alpha.shape;
  const slope = c.b.weight(c.layer, 'alpha', `${c.layer.name}/alpha`, dims, chw);
  return [c.b.op('PRelu', [only(c).name, slope], {}, c.layer.name)];
};

// tfjs' ELU layer refuses any alpha but 1.
const elu: LayerConverter = (c) => [c.b.op('Elu', [only(c).name], { alpha: float(num(c, 'alpha', 1)) }, c.layer.name)];
const thresholdedRelu: LayerConverter = (c) =>
  [c.b.op('ThresholdedRelu', [only(c).name], { alpha: float(num(c, 'theta', 1)) }, c.layer.name)];
// tfjs' Softmax layer defaults to axis 1 (Keras: -1); the same on the [N, classes] tensors it is used on.
const softmax: LayerConverter = (c) =>
  [c.b.op('Softmax', [only(c).name], { axis: onnxAxis(oneAxis(c, 1), rankOf(c)) }, c.layer.name)];

/** x·scale + offset with scalar scale and offset (a per-channel list would need the channel axis mapped). */
const rescaling: LayerConverter = (c) => {
  const [scale, offset] = [c.config.scale ?? 1, c.config.offset ?? 0];
  if (typeof scale !== 'number' || typeof offset !== 'number') throw unsupported(c, 'per-channel scale or offset');
  const y = c.b.op('Mul', [only(c).name, c.b.scalar(scale)], {}, `${c.layer.name}/scale`);
  return [c.b.op('Add', [y, c.b.scalar(offset)], {}, c.layer.name)];
};

export const CONVERTERS: Readonly<Record<string, LayerConverter>> = {
  ...SPATIAL_CONVERTERS,
  BatchNormalization: batchNormalization,
  Dense: dense,
  Add: merge('Add'),
  Multiply: merge('Mul'),
  Average: merge('Average'),
  Maximum: merge('Max'),
  Minimum: merge('Min'),
  Concatenate: concatenate,
  Flatten: flatten,
  Reshape: reshape,
  Activation: activation,
  ReLU: relu,
  LeakyReLU: leakyRelu,
  PReLU: prelu,
  ELU: elu,
  ThresholdedReLU: thresholdedRelu,
  Softmax: softmax,
  Rescaling: rescaling,
  Dropout: identity,
  SpatialDropout1D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  // Keras names tfjs does not ship; a model with a custom registration of them still converts.
  SpatialDropout2D: identity,
  ActivityRegularization: identity,
};
