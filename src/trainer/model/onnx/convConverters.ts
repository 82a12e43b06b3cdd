// Spatial layers: convolutions, pooling, padding. Inputs and outputs are NCHW (see layerContext.ts).
import type { Attr } from './onnxGraphBuilder';
import { applyActivation } from './activationOps';
import { pair, requireWeight, unsupported, type LayerCall, type LayerConverter } from './layerContext';

/**
 * ONNX `pads` ([top, left, bottom, right]) for TF's padding. TF's 'same' puts the odd pixel at the end (bottom,
 * right), so a stride-2 conv on an even size pads 0 before and 1 after; ONNX's symmetric default would shift
 * every output pixel. Unknown spatial sizes fall back to auto_pad SAME_UPPER, the same rule applied at run time.
 */
function padAttrs(c: LayerCall, kernel: [number, number], strides: [number, number], dilation: [number, number]):
  Record<string, Attr> {
  const padding = c.config.padding ?? 'valid';
  if (padding === 'valid') return { pads: [0, 0, 0, 0] };
  if (padding !== 'same') throw unsupported(c, `padding "${String(padding)}"`);
  const size = [c.inputs[0].shape[1], c.inputs[0].shape[2]];
  if (size.some((s) => s == null)) return { auto_pad: 'SAME_UPPER' };
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < 2; i++) {
    const n = size[i] as number;
    const extent = (kernel[i] - 1) * dilation[i] + 1;
    const total = Math.max((Math.ceil(n / strides[i]) - 1) * strides[i] + extent - n, 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return { pads: [...before, ...after] };
}

function spatial(c: LayerCall, kernelKey: string) {
  const kernel = pair(c, kernelKey);
  const strides = pair(c, 'strides', 1);
  const dilation = pair(c, 'dilationRate', 1);
  if ((strides[0] > 1 || strides[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) {
    throw unsupported(c, 'strides and dilation_rate both above 1 (TF refuses it too)');
  }
  return { kernel, strides, dilation, pads: padAttrs(c, kernel, strides, dilation) };
}

/** Keras kernel [kh, kw, in, out] → ONNX weight [out, in, kh, kw]. */
function oihw(k: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const w = new Float32Array(k.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) w[((o * cin + i) * kh + y) * kw + x] = k[((y * kw + x) * cin + i) * cout + o];
      }
    }
  }
  return w;
}

/**
 * Depthwise kernel [kh, kw, C, mult] → grouped-conv weight [C·mult, 1, kh, kw]. TF orders the outputs channel
 * by channel (output c·mult + m comes from input c), which is exactly how ONNX's group = C splits them.
 */
function depthwiseWeight(k: Float32Array, [kh, kw, ch, mult]: number[]): Float32Array {
  const w = new Float32Array(k.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let ci = 0; ci < ch; ci++) {
        for (let m = 0; m < mult; m++) w[((ci * mult + m) * kh + y) * kw + x] = k[((y * kw + x) * ch + ci) * mult + m];
      }
    }
  }
  return w;
}

function bias(c: LayerCall, n: number): string[] {
  if (c.config.useBias === false) return [];
  const w = requireWeight(c, 'bias');
  return [c.b.weight(c.layer, 'bias', `${c.layer.name}/bias`, [n], w.read)];
}

const conv2d: LayerConverter = (c) => {
  const { kernel, strides, dilation, pads } = spatial(c, 'kernelSize');
  const k = requireWeight(c, 'kernel');
  const [, , cin, cout] = k.shape;
  const w = c.b.weight(c.layer, 'kernel', `${c.layer.name}/kernel`, [cout, cin, ...kernel],
    () => oihw(k.read(), k.shape));
  const y = c.b.op('Conv', [c.inputs[0].name, w, ...bias(c, cout)],
    { kernel_shape: kernel, strides, dilations: dilation, group: 1, ...pads }, c.layer.name);
  return [applyActivation(c, c.config.activation, y, 4, `${c.layer.name}/act`)];
};

/** A depthwise conv as ONNX Conv with one group per input channel. */
function depthwise(c: LayerCall, withBias: boolean) {
  const { kernel, strides, dilation, pads } = spatial(c, 'kernelSize');
  const k = requireWeight(c, 'depthwise_kernel');
  const [, , ch, mult] = k.shape;
  const w = c.b.weight(c.layer, 'depthwise', `${c.layer.name}/depthwise_kernel`, [ch * mult, 1, ...kernel],
    () => depthwiseWeight(k.read(), k.shape));
  return c.b.op('Conv', [c.inputs[0].name, w, ...(withBias ? bias(c, ch * mult) : [])],
    { kernel_shape: kernel, strides, dilations: dilation, group: ch, ...pads },
    withBias ? c.layer.name : `${c.layer.name}/depthwise`);
}

const depthwiseConv2d: LayerConverter = (c) =>
  [applyActivation(c, c.config.activation, depthwise(c, true), 4, `${c.layer.name}/act`)];

/** Depthwise (no bias), then a 1×1 pointwise conv with the bias, as tf.separableConv2d computes it. */
const separableConv2d: LayerConverter = (c) => {
  const dw = depthwise(c, false);
  const p = requireWeight(c, 'pointwise_kernel');
  const [, , cin, cout] = p.shape;
  const w = c.b.weight(c.layer, 'pointwise', `${c.layer.name}/pointwise_kernel`, [cout, cin, 1, 1],
    () => oihw(p.read(), p.shape));
  const y = c.b.op('Conv', [dw, w, ...bias(c, cout)], { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] },
    c.layer.name);
  return [applyActivation(c, c.config.activation, y, 4, `${c.layer.name}/act`)];
};

function pool(op: 'MaxPool' | 'AveragePool'): LayerConverter {
  return (c) => {
    const kernel = pair(c, 'poolSize', 2);
    const strides = c.config.strides == null ? kernel : pair(c, 'strides');
    // TF averages over the pixels inside the image only; ONNX counts the padding unless told not to.
    const extra: Record<string, Attr> = op === 'AveragePool' ? { count_include_pad: 0 } : {};
    return [c.b.op(op, [c.inputs[0].name],
      { kernel_shape: kernel, strides, ...padAttrs(c, kernel, strides, [1, 1]), ...extra }, c.layer.name)];
  };
}

/** Global pooling keeps [N, C, 1, 1]; Keras drops the 1×1 unless keepDims. */
function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool'): LayerConverter {
  return (c) => {
    const pooled = c.b.op(op, [c.inputs[0].name], {}, `${c.layer.name}/${op}`);
    return [c.outputShapes[0].length === 4 ? pooled : c.b.op('Flatten', [pooled], { axis: 1 }, c.layer.name)];
  };
}

/** [[top, bottom], [left, right]] from a number, a pair, or a pair of pairs, as Keras accepts them. */
function padding2d(c: LayerCall, key: string, fallback: number): [[number, number], [number, number]] {
  const v = c.config[key] ?? fallback;
  const side = (x: unknown): [number, number] | undefined =>
    typeof x === 'number' ? [x, x] : Array.isArray(x) && x.length === 2 ? [x[0], x[1]] : undefined;
  const rows = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : [];
  const hw = rows.map(side);
  if (hw.length !== 2 || hw.some((p) => !p || !p.every((x) => Number.isInteger(x) && x >= 0))) {
    throw unsupported(c, `${key} ${JSON.stringify(v)}`);
  }
  return hw as [[number, number], [number, number]];
}

const zeroPadding2d: LayerConverter = (c) => {
  const [[t, bo], [l, r]] = padding2d(c, 'padding', 1);
  const pads = c.b.int64Tensor(`${c.layer.name}/pads`, [0, 0, t, l, 0, 0, bo, r]);
  return [c.b.op('Pad', [c.inputs[0].name, pads], { mode: 'constant' }, c.layer.name)];
};

const cropping2d: LayerConverter = (c) => {
  const [[t, bo], [l, r]] = padding2d(c, 'cropping', 0);
  // A negative end counts from the end, so the crop does not need the spatial size; a zero crop ends at "max".
  const end = (n: number) => (n > 0 ? -n : Number.MAX_SAFE_INTEGER);
  const starts = c.b.int64Tensor(`${c.layer.name}/starts`, [t, l]);
  const ends = c.b.int64Tensor(`${c.layer.name}/ends`, [end(bo), end(r)]);
  const axes = c.b.int64Tensor(`${c.layer.name}/axes`, [2, 3]);
  return [c.b.op('Slice', [c.inputs[0].name, starts, ends, axes], {}, c.layer.name)];
};

export const SPATIAL_CONVERTERS: Record<string, LayerConverter> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  MaxPooling2D: pool('MaxPool'),
  AveragePooling2D: pool('AveragePool'),
  GlobalAveragePooling2D: globalPool('GlobalAveragePool'),
  GlobalMaxPooling2D: globalPool('GlobalMaxPool'),
  ZeroPadding2D: zeroPadding2d,
  Cropping2D: cropping2d,
};

