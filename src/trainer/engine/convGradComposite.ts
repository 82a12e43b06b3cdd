// Gradients of Conv2D and DepthwiseConv2D composed from a backend's own fast kernels.
//
// Measured on MobileNetV2 0.35's top block (block_16 + Conv_1, batch 32, 7×7 activations): the cpu backend's
// Conv2DBackpropFilter took 94 s of a 96 s training step. It is a scalar loop over every (filter tap,
// channel pair, output position) with TensorBuffer.get() per element. The same gradient is
//   dW[kh, kw] = X(kh, kw)ᵀ · dY
// where X(kh, kw) is the padded input shifted by the tap and subsampled by the stride, flattened to
// [n·outH·outW, inChannels]: one matmul per tap, which the backend's BatchMatMul (XNNPACK on wasm, blocked loops
// on cpu) does in milliseconds. The transpose is an explicit Transpose kernel: wasm's BatchMatMul with
// transposeA or transposeB set takes a scalar path, measured 20× slower (1020 ms vs 46 ms for 1568×112ᵀ·1568×1280).
// The depthwise filter gradient is the same with a per-channel product and sum.
// The input gradients of stride-1 convolutions are a forward convolution of dy with the flipped filter
// (stride1GradientPads below).
// Only NHWC with dilation 1 is handled (all our backbones); anything else returns undefined and the caller
// uses the reference kernel.
import type * as tfType from '@tensorflow/tfjs';

type Tf = typeof tfType;
type TensorInfo = tfType.TensorInfo;
type Attrs = Record<string, unknown>;

interface Backend { disposeData(dataId: object, force?: boolean): boolean }

export class KernelRunner {
  private readonly temps: TensorInfo[] = [];
  constructor(private readonly tf: Tf, private readonly backendName: string, private readonly backend: Backend) {}

  run(name: string, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: Attrs = {}): TensorInfo {
    const kernel = this.tf.getKernel(name, this.backendName);
    if (!kernel) throw new Error(`backend ${this.backendName} has no ${name} kernel`);
    const out = kernel.kernelFunc({
      inputs: inputs as never,
      attrs: attrs as never,
      backend: this.backend as never,
    }) as TensorInfo;
    this.temps.push(out);
    return out;
  }

  /** Registers an intermediate made outside run(), so finish() frees it. */
  track(t: TensorInfo): TensorInfo {
    this.temps.push(t);
    return t;
  }

  /** Frees every intermediate except `keep`, which passes to the engine. */
  finish(keep: TensorInfo): TensorInfo {
    for (const t of this.temps) if (t !== keep) this.backend.disposeData(t.dataId);
    return keep;
  }

  fail(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
  }
}

/**
 * Runs `build` with a fresh runner: what it returns passes to the engine and every other intermediate is freed; when
 * it returns undefined (a geometry the composite does not cover) or throws, every intermediate is freed.
 */
function composite(
  tf: Tf, backendName: string, backend: Backend, build: (r: KernelRunner) => TensorInfo | undefined,
): TensorInfo | undefined {
  const r = new KernelRunner(tf, backendName, backend);
  try {
    const out = build(r);
    if (out === undefined) r.fail();
    else r.finish(out);
    return out;
  } catch (e) {
    r.fail();
    throw e;
  }
}

interface ConvGeometry {
  n: number;
  outH: number;
  outW: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  padded: TensorInfo;
}

function geometry(
  tf: Tf,
  r: KernelRunner,
  x: TensorInfo,
  filterShape: number[],
  attrs: Attrs,
  depthwise: boolean,
): ConvGeometry | undefined {
  const dilations = (attrs.dilations ?? 1) as number | [number, number];
  const dataFormat = (attrs.dataFormat ?? 'NHWC') as string;
  if (dataFormat !== 'NHWC' || (Array.isArray(dilations) ? dilations.some((d) => d !== 1) : dilations !== 1))
    return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
    depthwise,
  );
  const { top, bottom, left, right } = info.padInfo;
  const padded =
    top || bottom || left || right
      ? r.run(
          'PadV2',
          { x },
          {
            paddings: [
              [0, 0],
              [top, bottom],
              [left, right],
              [0, 0],
            ],
            constantValue: 0,
          },
        )
      : x;
  return {
    n: info.batchSize,
    outH: info.outHeight,
    outW: info.outWidth,
    kH: info.filterHeight,
    kW: info.filterWidth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    padded,
  };
}

/** The input pixels that filter tap (kh, kw) saw, as [n, outH, outW, channels]. */
function tapView(r: KernelRunner, g: ConvGeometry, kh: number, kw: number, channels: number): TensorInfo {
  const [, h, w] = g.padded.shape;
  const endH = kh + (g.outH - 1) * g.sH + 1;
  const endW = kw + (g.outW - 1) * g.sW + 1;
  if (kh === 0 && kw === 0 && g.sH === 1 && g.sW === 1 && endH === h && endW === w) return g.padded;
  return r.run('StridedSlice', { x: g.padded }, {
    begin: [0, kh, kw, 0], end: [g.n, endH, endW, channels], strides: [1, g.sH, g.sW, 1],
    beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
  });
}

/** Conv2DBackpropFilter(x, dy) with attrs {strides, pad, dataFormat, dimRoundingMode, filterShape}. */
export function conv2DBackpropFilterComposite(
  tf: Tf, backendName: string, backend: Backend, inputs: { x: TensorInfo; dy: TensorInfo }, attrs: Attrs,
): TensorInfo | undefined {
  return composite(tf, backendName, backend, (r) => {
    const filterShape = attrs.filterShape as number[];
    const g = geometry(tf, r, inputs.x, filterShape, attrs, false);
    if (!g) return undefined;
    const [, , inC, outC] = filterShape;
    const rows = g.n * g.outH * g.outW;
    const dy = r.run('Reshape', { x: inputs.dy }, { shape: [1, rows, outC] });
    const taps: TensorInfo[] = [];
    for (let kh = 0; kh < g.kH; kh++) {
      for (let kw = 0; kw < g.kW; kw++) {
        const xs = r.run('Reshape', { x: tapView(r, g, kh, kw, inC) }, { shape: [1, rows, inC] });
        const xt = r.run('Transpose', { x: xs }, { perm: [0, 2, 1] });
        taps.push(r.run('BatchMatMul', { a: xt, b: dy }, { transposeA: false, transposeB: false }));
      }
    }
    const stacked = taps.length === 1 ? taps[0] : r.run('Concat', taps, { axis: 0 });
    return r.run('Reshape', { x: stacked }, { shape: filterShape });
  });
}

/** DepthwiseConv2dNativeBackpropFilter(x, dy) for channel multiplier 1; undefined otherwise. */
export function depthwiseBackpropFilterComposite(
  tf: Tf, backendName: string, backend: Backend, inputs: { x: TensorInfo; dy: TensorInfo }, attrs: Attrs,
): TensorInfo | undefined {
  const filterShape = attrs.filterShape as number[];
  if (filterShape[3] !== 1) return undefined;
  return composite(tf, backendName, backend, (r) => {
    const g = geometry(tf, r, inputs.x, filterShape, attrs, true);
    if (!g) return undefined;
    const channels = filterShape[2];
    const taps: TensorInfo[] = [];
    for (let kh = 0; kh < g.kH; kh++) {
      for (let kw = 0; kw < g.kW; kw++) {
        const prod = r.run('Multiply', { a: tapView(r, g, kh, kw, channels), b: inputs.dy });
        taps.push(r.run('Sum', { x: prod }, { axis: [0, 1, 2], keepDims: false }));
      }
    }
    const stacked = taps.length === 1 ? taps[0] : r.run('Concat', taps, { axis: 0 });
    return r.run('Reshape', { x: stacked }, { shape: filterShape });
  });
}

/**
 * Conv2DBackpropInput(dy, filter) for 1×1 filters with stride 1 and no padding (MobileNet's expand, project and
 * head convolutions): dx = dY · Wᵀ, one matmul. wasm's own kernel is a direct loop, ~1 s per step on
 * MobileNetV2's top block. Undefined for any other geometry.
 */
export function conv2DBackpropInput1x1Composite(
  tf: Tf, backendName: string, backend: Backend, inputs: { dy: TensorInfo; filter: TensorInfo }, attrs: Attrs,
): TensorInfo | undefined {
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as number[];
  const [kH, kW, inC, outC] = filter.shape;
  const strides = attrs.strides as number | [number, number];
  const unitStride = Array.isArray(strides) ? strides.every((s) => s === 1) : strides === 1;
  const dataFormat = (attrs.dataFormat ?? 'NHWC') as string;
  if (kH !== 1 || kW !== 1 || !unitStride || dataFormat !== 'NHWC' || typeof attrs.pad === 'object') return undefined;
  if (typeof attrs.pad === 'number' && attrs.pad !== 0) return undefined;
  return composite(tf, backendName, backend, (r) => {
    const rows = inputShape[0] * inputShape[1] * inputShape[2];
    const dy2 = r.run('Reshape', { x: dy }, { shape: [1, rows, outC] });
    const w = r.run('Reshape', { x: filter }, { shape: [1, inC, outC] });
    const wt = r.run('Transpose', { x: w }, { perm: [0, 2, 1] });
    const dx = r.run('BatchMatMul', { a: dy2, b: wt }, { transposeA: false, transposeB: false });
    return r.run('Reshape', { x: dx }, { shape: inputShape });
  });
}

/**
 * The explicit padding that turns a stride-1 input gradient into a plain convolution, or undefined where that
 * does not hold. The forward pass is y[i] = Σₖ xₚ[i + k]·W[k] with xₚ = x padded by (top, bottom), so
 *   dx[j] = Σₖ dy[j + top − k]·W[k] = Σₖ′ dy[j − (kH − 1 − top) + k′]·W[kH − 1 − k′]
 * (k′ = kH − 1 − k): a stride-1 correlation of dy, padded by (kH − 1 − top, kH − 1 − bottom), with the filter
 * reversed in both spatial axes; its output height is outH + 2(kH − 1) − top − bottom − kH + 1 = inH. Likewise
 * for the width. A pad wider than kH − 1 would need a crop, and strides or dilations need dy spread out; both fall
 * back (undefined). 'same' with an even kernel puts the extra row at the bottom, so the gradient's pads are
 * swapped (extra row on top): they are always given explicitly, never as 'same'.
 */
function stride1GradientPads(
  tf: Tf,
  dy: TensorInfo,
  filterShape: number[],
  attrs: Attrs,
  depthwise: boolean,
): [number, number][] | undefined {
  const inputShape = attrs.inputShape as [number, number, number, number];
  const dilations = (attrs.dilations ?? 1) as number | [number, number];
  const dataFormat = (attrs.dataFormat ?? 'NHWC') as string;
  if (dataFormat !== 'NHWC' || (Array.isArray(dilations) ? dilations.some((d) => d !== 1) : dilations !== 1))
    return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
    depthwise,
  );
  if (info.strideHeight !== 1 || info.strideWidth !== 1) return undefined;
  const [n, outH, outW, outC] = dy.shape;
  if (n !== info.batchSize || outH !== info.outHeight || outW !== info.outWidth || outC !== info.outChannels)
    return undefined;
  const { top, bottom, left, right } = info.padInfo;
  const pads: [number, number][] = [
    [0, 0],
    [info.filterHeight - 1 - top, info.filterHeight - 1 - bottom],
    [info.filterWidth - 1 - left, info.filterWidth - 1 - right],
    [0, 0],
  ];
  return pads.some(([a, b]) => a < 0 || b < 0) ? undefined : pads;
}

/**
 * Conv2DBackpropInput(dy, filter) for stride 1 and dilation 1, any kernel size and 'same', 'valid' or explicit
 * padding up to kH − 1 (stride1GradientPads): dx = conv2d(dy, transpose(reverse(W, [0, 1]), [0, 1, 3, 2])) with
 * the explicit pads, on the backend's Conv2D (XNNPACK on wasm). wasm's own kernel is a direct loop: on VGG16's
 * block5 (batch 32, 14×14×512, 3×3 'same') it took 7.2 s per call against ~1 s for the convolution, twice per
 * conv layer per step. Undefined for any other geometry (strides > 1 stay on the original kernel).
 */
export function conv2DBackpropInputStride1Composite(
  tf: Tf, backendName: string, backend: Backend, inputs: { dy: TensorInfo; filter: TensorInfo }, attrs: Attrs,
): TensorInfo | undefined {
  const { dy, filter } = inputs;
  const pads = stride1GradientPads(tf, dy, filter.shape, attrs, false);
  if (!pads) return undefined;
  return composite(tf, backendName, backend, (r) => {
    const reversed = r.run('Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = r.run('Transpose', { x: reversed }, { perm: [0, 1, 3, 2] });
    const dx = r.run('Conv2D', { x: dy, filter: swapped }, {
      strides: [1, 1], pad: pads, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined,
    });
    if (!sameShape(dx.shape, attrs.inputShape as number[])) throw new Error(`internal: dx is [${dx.shape.join(', ')}]`);
    return dx;
  });
}

/**
 * DepthwiseConv2dNativeBackpropInput(dy, filter) for channel multiplier 1, stride 1 and dilation 1 (MobileNet's
 * stride-1 depthwise layers): the same identity per channel, dx = depthwiseConv2d(dy, reverse(W, [0, 1])) with
 * stride1GradientPads' explicit pads. Undefined otherwise; the caller delegates to the cpu backend.
 */
export function depthwiseBackpropInputComposite(
  tf: Tf, backendName: string, backend: Backend, inputs: { dy: TensorInfo; filter: TensorInfo }, attrs: Attrs,
): TensorInfo | undefined {
  const { dy, filter } = inputs;
  if (filter.shape[3] !== 1) return undefined;
  const pads = stride1GradientPads(tf, dy, filter.shape, attrs, true);
  if (!pads) return undefined;
  return composite(tf, backendName, backend, (r) => {
    const reversed = r.run('Reverse', { x: filter }, { dims: [0, 1] });
    const dx = r.run('DepthwiseConv2dNative', { x: dy, filter: reversed }, {
      strides: [1, 1], pad: pads, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined,
    });
    if (!sameShape(dx.shape, attrs.inputShape as number[])) throw new Error(`internal: dx is [${dx.shape.join(', ')}]`);
    return dx;
  });
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * A batched matmul with transposeA/transposeB as explicit Transposes around the plain kernel, which is what
 * every dense layer's gradient asks for (dX = dY·Wᵀ, dW = Xᵀ·dY). Of A·Bᵀ and (B·Aᵀ)ᵀ (likewise for Aᵀ·B) it
 * takes the one that moves fewer values; Aᵀ·Bᵀ is (B·A)ᵀ. Measured on wasm for the recipe head's first layer
 * (32×1280 by 1280×256): Xᵀ·dY 12.5 ms with the flag, 1.7 ms transposed first. Undefined when nothing is
 * transposed.
 */
export function batchMatMulTransposedComposite(
  tf: Tf, backendName: string, backend: Backend, inputs: { a: TensorInfo; b: TensorInfo }, attrs: Attrs,
  plain: (a: TensorInfo, b: TensorInfo) => TensorInfo,
): TensorInfo | undefined {
  const [tA, tB] = [Boolean(attrs.transposeA), Boolean(attrs.transposeB)];
  if (!tA && !tB) return undefined;
  const size = (t: TensorInfo) => t.shape.slice(-2).reduce((x, y) => x * y, 1);
  const { a, b } = inputs;
  return composite(tf, backendName, backend, (r) => {
    const swapLast = (t: TensorInfo) => {
      const perm = t.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
      return r.run('Transpose', { x: t }, { perm });
    };
    if (tA && tB) return swapLast(r.track(plain(b, a)));
    const outSize = (tA ? a.shape.at(-1)! : a.shape.at(-2)!) * (tB ? b.shape.at(-2)! : b.shape.at(-1)!);
    const direct = tA ? size(a) : size(b);
    const swapped = (tA ? size(b) : size(a)) + outSize;
    if (direct <= swapped) return tA ? plain(swapLast(a), b) : plain(a, swapLast(b));
    // Aᵀ·B = (Bᵀ·A)ᵀ and A·Bᵀ = (B·Aᵀ)ᵀ
    return swapLast(r.track(tA ? plain(swapLast(b), a) : plain(b, swapLast(a))));
  });
}
