// Adam on the wasm backend as one kernel per variable (fusedAdam.wat), for the heads the jobs train.
//
// tf.train.adam updates each variable with twelve wasm kernels, each a pass over the whole tensor. On the recipe
// head (1280 → 256 → 128 → 1, batch 32) that was 2.0–2.4 ms a step with normal values and more as moments went
// subnormal, and the head's fit is most of a cached feature-extractor run (27 epochs × 35 steps): 8.7 s → 5.3 s.
// The fused kernel does the same float32 operations in the same order in one SIMD pass, so the weights it gives
// are tf.train.adam's bit for bit, except that values too small to matter are flushed to zero first, as
// TensorFlow's CPU kernels do (fusedAdam.wat says why and where). Everything else (the bias-correction scalars,
// getWeights/setWeights, the class name 'Adam') is tfjs' own AdamOptimizer.
// On another backend, or when the module cannot be instantiated, adamOptimizer() gives tf.train.adam.
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from './engine';
import { FUSED_ADAM_WASM } from './fusedAdamWasm';

const KERNEL = 'TransferLabFusedAdam';

/** The WebAssembly API Node provides (this project's typings declare it as types only, without the DOM lib). */
const wasmApi = (globalThis as unknown as {
  WebAssembly: {
    Memory: abstract new () => object;
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  };
}).WebAssembly;

type TensorInfo = tfType.TensorInfo;
type AdamFn = (
  w: number, m: number, v: number, g: number, outW: number, outM: number, outV: number, n: number,
  b1: number, c1: number, b2: number, c2: number, omb1: number, omb2: number, eps: number, nlr: number,
) => void;

/** What the kernel needs of tfjs-backend-wasm: its memory, where a tensor lives in it, and fresh outputs. */
interface WasmBackendInternals {
  wasm?: { asm?: { memory?: unknown } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

/** The attributes the kernel takes, each already the float32 tfjs' Adam would use. */
interface AdamAttrs {
  b1: number; c1: number; b2: number; c2: number; omb1: number; omb2: number; eps: number; nlr: number;
  [key: string]: number;
}

/**
 * Registers the fused kernel on the wasm backend; false where it cannot run (another backend, a wasm build whose
 * memory is shared or not reachable), and the caller keeps tf.train.adam.
 */
export function registerFusedAdam(tf: Tf): boolean {
  if (tf.getBackend() !== 'wasm' || !adamFor(tf.backend() as unknown as WasmBackendInternals)) return false;
  if (tf.getKernel(KERNEL, 'wasm')) return true;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as unknown as WasmBackendInternals;
      // The instance bound to THIS backend's memory: a re-created wasm backend has a memory of its own.
      const adam = adamFor(be);
      if (!adam) throw new Error('the fused Adam kernel cannot reach this wasm backend\'s memory');
      const { w, m, v, g } = inputs as Record<'w' | 'm' | 'v' | 'g', TensorInfo>;
      for (const t of [w, m, v, g]) {
        if (t.dtype !== 'float32') throw new Error(`fused Adam takes float32 tensors, got ${t.dtype}`);
      }
      const at = (t: TensorInfo) => be.dataIdMap.get(t.dataId)!.memoryOffset;
      const outs = [0, 1, 2].map(() => be.makeOutput([...w.shape], 'float32'));
      const n = w.shape.reduce((a, b) => a * b, 1);
      const a = attrs as unknown as AdamAttrs;
      // Offsets read after every allocation: makeOutput may grow the memory (offsets stay valid, views do not).
      adam(at(w), at(m), at(v), at(g), at(outs[0]), at(outs[1]), at(outs[2]), n,
        a.b1, a.c1, a.b2, a.c2, a.omb1, a.omb2, a.eps, a.nlr);
      return outs;
    },
  });
  return true;
}

const instances = new WeakMap<object, AdamFn | undefined>();

/** The kernel instantiated on `backend`'s memory (once per backend); undefined where that cannot be done. */
function adamFor(backend: WasmBackendInternals): AdamFn | undefined {
  if (instances.has(backend)) return instances.get(backend);
  let adam: AdamFn | undefined;
  const memory = backend.wasm?.asm?.memory;
  if (memory instanceof wasmApi.Memory) {
    try {
      const module = new wasmApi.Module(Buffer.from(FUSED_ADAM_WASM, 'base64'));
      adam = new wasmApi.Instance(module, { env: { memory } }).exports.adam as AdamFn;
    } catch {
      // A shared (threaded) memory, or no SIMD: tf.train.adam then.
    }
  }
  instances.set(backend, adam);
  return adam;
}

/** tfjs' AdamOptimizer's state, private in its typings. */
interface AdamState {
  learningRate: number; beta1: number; beta2: number; epsilon: number;
  accBeta1: tfType.Variable; accBeta2: tfType.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tfType.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tfType.Variable }[];
}

/** Adam with learning rate `lr` and Keras' defaults (β1 0.9, β2 0.999, the backend's ε), fused on wasm. */
export function adamOptimizer(tf: Tf, lr: number): tfType.Optimizer {
  if (!registerFusedAdam(tf)) return tf.train.adam(lr);
  return new (fusedAdamClass(tf))(lr, 0.9, 0.999);
}

let fusedClass: (new (lr: number, beta1: number, beta2: number) => tfType.AdamOptimizer) | undefined;

function fusedAdamClass(tf: Tf) {
  fusedClass ??= class FusedAdamOptimizer extends tf.AdamOptimizer {
    // tfjs' applyGradients (adam_optimizer.ts), its per-variable arithmetic done by the fused kernel.
    override applyGradients(variableGradients: tfType.NamedTensorMap | { name: string; tensor: tfType.Tensor }[]): void {
      const s = this as unknown as AdamState;
      const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
      tf.tidy(() => {
        // tfjs computes 1 − β^t as a float32 subtraction; in double then rounded once, it is the same float32.
        const omb1 = Math.fround(1 - s.accBeta1.dataSync()[0]);
        const omb2 = Math.fround(1 - s.accBeta2.dataSync()[0]);
        const attrs: AdamAttrs = {
          b1: Math.fround(s.beta1), c1: Math.fround(1 - s.beta1), b2: Math.fround(s.beta2), c2: Math.fround(1 - s.beta2),
          omb1, omb2, eps: Math.fround(s.epsilon), nlr: Math.fround(-s.learningRate),
        };
        names.forEach((name, i) => {
          const value = tf.engine().registeredVariables[name];
          s.accumulatedFirstMoment[i] ??= {
            originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
          };
          s.accumulatedSecondMoment[i] ??= {
            originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
          };
          const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
          if (gradient == null) return;
          const m = s.accumulatedFirstMoment[i].variable;
          const v = s.accumulatedSecondMoment[i].variable;
          const [newValue, newM, newV] = tf.engine().runKernel(
            KERNEL, { w: value, m, v, g: gradient }, attrs as unknown as tfType.NamedAttrMap,
          ) as tfType.Tensor[];
          m.assign(newM);
          v.assign(newV);
          value.assign(newValue);
        });
        s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
        s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
      });
      this.incrementIterations();
    }
  };
  return fusedClass;
}
