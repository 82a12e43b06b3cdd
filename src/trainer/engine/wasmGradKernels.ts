// The three gradient kernels tfjs-backend-wasm 4.22 lacks, so conv and depthwise layers can train on wasm.
//
// wasm ships Conv2D, DepthwiseConv2dNative and Conv2DBackpropInput, but not Conv2DBackpropFilter,
// DepthwiseConv2dNativeBackpropFilter or DepthwiseConv2dNativeBackpropInput; without them the first
// backward pass through a conv layer throws "kernel not registered for backend wasm".
//
// The plain fix copies the inputs out of the wasm heap into the cpu backend, runs the cpu backend's own kernel
// and copies the result back ('delegate'). It is correct but no faster than the cpu backend, whose filter
// gradients are scalar loops. Measured by bench/backbone.ts on 2 shared cores, training MobileNetV2 0.35's
// block_16 + Conv_1 + head from cached activations at batch 32: cpu backend 0.39 img/s, wasm delegating 0.48,
// wasm with the two filter gradients composed from wasm's own kernels (convGradComposite.ts) and a matmul path
// for 1×1 Conv2DBackpropInput 85–105 img/s. Composition falls back to delegation for shapes it does not cover
// (dilations, NCHW, depth multiplier > 1). The input gradients of stride-1 convolutions (Conv2DBackpropInput,
// which wasm has as a direct loop, and DepthwiseConv2dNativeBackpropInput with multiplier 1) are wasm's own
// forward convolution of dy with the flipped filter: VGG16 block5's 3×3 input gradient (batch 32, 14×14×512)
// went from 7.35 s to 0.99 s per call with bit-identical values, and its training step from 20.4 s to 7.8 s.
// Strided input gradients keep wasm's loop (Conv2DBackpropInput) or delegate (depthwise).
// BatchMatMul is wrapped too: with an operand transposed (every dense layer's backward pass) wasm's kernel takes a
// scalar path; transposing first halved the recipe head's epoch on 1120 × 1280 features (0.93 s → 0.44 s).
import type * as tfType from '@tensorflow/tfjs';
import {
  batchMatMulTransposedComposite,
  conv2DBackpropFilterComposite,
  conv2DBackpropInput1x1Composite,
  conv2DBackpropInputStride1Composite,
  depthwiseBackpropFilterComposite,
  depthwiseBackpropInputComposite,
} from './convGradComposite';

type Tf = typeof tfType;
type TensorInfo = tfType.TensorInfo;
type BackendValues = Float32Array | Int32Array | Uint8Array | Uint8Array[];

export const WASM_MISSING_GRAD_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;

interface ReadableBackend {
  readSync(dataId: object): BackendValues;
  disposeData(dataId: object, force?: boolean): boolean;
}
interface CpuBackend extends ReadableBackend { write(values: BackendValues, shape: number[], dtype: string): object }
interface WasmBackend extends ReadableBackend {
  makeOutput(shape: number[], dtype: string, memoryOffset?: number, values?: BackendValues): TensorInfo;
}

/** wasm's readSync may return a view of its heap, which a later heap growth detaches. */
const copyOf = (values: BackendValues): BackendValues => values.slice() as BackendValues;

/** How often each registered kernel took the composed path or fell back to the cpu backend, for diagnostics. */
export const wasmGradKernelCalls: Record<string, { composed: number; delegated: number }> = {};

const wrapped = new WeakSet<object>();
let registeredHere: string[] = [];
let originalBackpropInput: tfType.KernelConfig | undefined;
let originalBatchMatMul: tfType.KernelConfig | undefined;

type Composite = (
  tf: Tf, backendName: string, backend: never, inputs: never, attrs: Record<string, unknown>,
) => TensorInfo | undefined;

const COMPOSITES: Partial<Record<string, Composite>> = {
  Conv2DBackpropFilter: conv2DBackpropFilterComposite,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilterComposite,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInputComposite,
};

export type WasmGradMode = 'fast' | 'delegate';

/**
 * Registers the missing kernels for the wasm backend. 'fast' (default) composes the filter gradients from wasm
 * kernels where it can and delegates the rest to the cpu backend; 'delegate' always delegates (the reference
 * the tests compare against). Returns the kernels it registered: none when wasm already has them (a newer
 * tfjs, or a second call).
 */
export function registerWasmGradKernels(tf: Tf, mode: WasmGradMode = 'fast'): string[] {
  const registered: string[] = [];
  for (const name of WASM_MISSING_GRAD_KERNELS) {
    if (tf.getKernel(name, 'wasm')) continue;
    const cpuKernel = tf.getKernel(name, 'cpu');
    if (!cpuKernel) throw new Error(`the cpu backend has no ${name} kernel to delegate to`);
    const composite = mode === 'fast' ? COMPOSITES[name] : undefined;
    const calls = (wasmGradKernelCalls[name] ??= { composed: 0, delegated: 0 });
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const fast = composite?.(tf, 'wasm', backend as never, inputs as never, attrs as Record<string, unknown>);
        if (fast) {
          calls.composed++;
          return fast;
        }
        calls.delegated++;
        const wasm = backend as unknown as WasmBackend;
        const cpu = tf.findBackend('cpu') as unknown as CpuBackend | null;
        if (!cpu) throw new Error(`${name} on wasm needs the cpu backend, which did not initialise`);
        const cpuInputs: Record<string, TensorInfo> = {};
        try {
          for (const [key, info] of Object.entries(inputs as Record<string, TensorInfo>)) {
            const dataId = cpu.write(copyOf(wasm.readSync(info.dataId)), info.shape, info.dtype);
            cpuInputs[key] = { dataId, shape: info.shape, dtype: info.dtype };
          }
          const out = cpuKernel.kernelFunc({ inputs: cpuInputs, attrs, backend: cpu as never }) as TensorInfo;
          const values = cpu.readSync(out.dataId);
          cpu.disposeData(out.dataId);
          return wasm.makeOutput(out.shape, out.dtype, undefined, values);
        } finally {
          for (const info of Object.values(cpuInputs)) cpu.disposeData(info.dataId);
        }
      },
    });
    registered.push(name);
  }
  registeredHere.push(...registered);
  if (mode === 'fast' && fastConv2DBackpropInput(tf)) registered.push('Conv2DBackpropInput');
  if (mode === 'fast' && fastBatchMatMul(tf)) registered.push('BatchMatMul');
  return registered;
}

/** Undoes registerWasmGradKernels, so a process can compare modes (tests) or go back to stock tfjs. */
export function unregisterWasmGradKernels(tf: Tf): void {
  for (const name of registeredHere) tf.unregisterKernel(name, 'wasm');
  if (originalBackpropInput) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel(originalBackpropInput);
  }
  if (originalBatchMatMul) {
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel(originalBatchMatMul);
  }
  registeredHere = [];
  originalBackpropInput = undefined;
  originalBatchMatMul = undefined;
}

/**
 * wasm does have Conv2DBackpropInput, as a direct loop; 1×1 convolutions get a matmul in front of it and other
 * stride-1 convolutions a Conv2D (the flipped filter over the padded dy). The original kernel (and its setupFunc,
 * which binds the wasm export) stays in charge of every other geometry (strides > 1).
 */
function fastConv2DBackpropInput(tf: Tf): boolean {
  const original = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (!original || wrapped.has(original.kernelFunc)) return false;
  const calls = (wasmGradKernelCalls.Conv2DBackpropInput ??= { composed: 0, delegated: 0 });
  const kernelFunc: typeof original.kernelFunc = (args) => {
    const composed = [conv2DBackpropInput1x1Composite, conv2DBackpropInputStride1Composite];
    let fast: TensorInfo | undefined;
    for (const composite of composed) {
      fast = composite(tf, 'wasm', args.backend as never, args.inputs as never, args.attrs as Record<string, unknown>);
      if (fast) break;
    }
    if (fast) calls.composed++;
    else calls.delegated++;
    return fast ?? original.kernelFunc(args);
  };
  wrapped.add(kernelFunc);
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
  originalBackpropInput = original;
  return true;
}

/**
 * wasm's BatchMatMul takes a scalar path when an operand is transposed, and every dense layer's backward pass
 * transposes one: the head trained at a fifth of its forward speed. Transposing first keeps XNNPACK's path.
 */
function fastBatchMatMul(tf: Tf): boolean {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (!original || wrapped.has(original.kernelFunc)) return false;
  const kernelFunc: typeof original.kernelFunc = (args) => {
    const plain = (a: TensorInfo, b: TensorInfo) =>
      original.kernelFunc({
        ...args,
        inputs: { a, b },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      }) as TensorInfo;
    return (
      batchMatMulTransposedComposite(
        tf,
        'wasm',
        args.backend as never,
        args.inputs as never,
        args.attrs as Record<string, unknown>,
        plain,
      ) ?? original.kernelFunc(args)
    );
  };
  wrapped.add(kernelFunc);
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
  originalBatchMatMul = original;
  return true;
}
