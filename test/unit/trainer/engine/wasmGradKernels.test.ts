// Gradients on wasm (with the kernels it lacks registered) against the cpu backend's reference kernels.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { loadEngine, type Tf } from '../../../../src/trainer/engine/engine';
import { registerWasmGradKernels, unregisterWasmGradKernels, wasmGradKernelCalls, WASM_MISSING_GRAD_KERNELS } from '../../../../src/trainer/engine/wasmGradKernels';

let tf: Tf;
const TOLERANCE = 2e-4;

/** Max |a − b| relative to the larger of 1 and the reference's own scale. */
function maxError(a: Float32Array, b: Float32Array): number {
  const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0) / scale;
}

/** A depthwise + conv model built from fixed weights, so both backends see identical numbers. */
function smallModel(t: Tf, seed: number): tfType.LayersModel {
  const init = (k: number) => t.initializers.randomNormal({ stddev: 0.5, seed: seed + k });
  return t.sequential({
    layers: [
      t.layers.depthwiseConv2d({ inputShape: [11, 11, 4], kernelSize: 3, strides: 2, padding: 'same', depthwiseInitializer: init(1), useBias: false }),
      t.layers.activation({ activation: 'relu6' }),
      t.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'valid', kernelInitializer: init(2), biasInitializer: init(3) }),
      t.layers.conv2d({ filters: 5, kernelSize: 1, kernelInitializer: init(4), useBias: false }),
      t.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', depthwiseInitializer: init(5), useBias: false }),
      t.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(6) }),
      t.layers.conv2d({ filters: 4, kernelSize: 1, strides: 2, kernelInitializer: init(7), useBias: false }),
      t.layers.globalAveragePooling2d({}),
    ],
  });
}

function gradients(t: Tf, model: tfType.LayersModel, x: tfType.Tensor): Float32Array[] {
  const xVar = t.variable(x, true);
  try {
    return t.tidy(() => {
      const target = t.ones([x.shape[0], 4]);
      const { grads } = t.variableGrads(() => t.losses.meanSquaredError(target, model.apply(xVar) as tfType.Tensor) as tfType.Scalar,
        [...model.trainableWeights.map((w) => w.read() as tfType.Variable), xVar]);
      return Object.keys(grads).sort().map((k) => grads[k].dataSync() as Float32Array);
    });
  } finally {
    xVar.dispose();
  }
}

describe('wasm gradient kernels', () => {
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
    // loadEngine installs the kernels; start each test from stock tfjs.
    unregisterWasmGradKernels(tf);
  });

  it('fills exactly the kernels stock tfjs-backend-wasm 4.22 lacks', (t) => {
    if (tf.getBackend() !== 'wasm') return t.skip('wasm backend unavailable here');
    for (const name of WASM_MISSING_GRAD_KERNELS) assert.equal(tf.getKernel(name, 'wasm'), undefined, `${name} already on wasm`);
    assert.ok(tf.getKernel('Conv2DBackpropInput', 'wasm'), 'wasm ships Conv2DBackpropInput');
    assert.deepEqual(registerWasmGradKernels(tf), [...WASM_MISSING_GRAD_KERNELS, 'Conv2DBackpropInput', 'BatchMatMul']);
    assert.deepEqual(registerWasmGradKernels(tf), [], 'a second call registers nothing');
    unregisterWasmGradKernels(tf);
    for (const name of WASM_MISSING_GRAD_KERNELS) assert.equal(tf.getKernel(name, 'wasm'), undefined);
  });

  for (const mode of ['fast', 'delegate'] as const) {
    it(`matches the cpu backend's gradients within ${TOLERANCE} (${mode})`, async (t) => {
      if (tf.getBackend() !== 'wasm') return t.skip('wasm backend unavailable here');
      await tf.setBackend('cpu');
      const model = smallModel(tf, 11);
      const x = tf.randomNormal([3, 11, 11, 4], 0, 1, 'float32', 7);
      const reference = gradients(tf, model, x);

      await tf.setBackend('wasm');
      assert.throws(() => gradients(tf, model, x), /not registered|kernel/i, 'stock wasm cannot train this model');
      registerWasmGradKernels(tf, mode);
      for (const c of Object.values(wasmGradKernelCalls)) Object.assign(c, { composed: 0, delegated: 0 });
      try {
        const before = tf.memory();
        const got = gradients(tf, model, x);
        assert.equal(tf.memory().numTensors, before.numTensors, 'no tensors leak');
        assert.equal(tf.memory().numDataBuffers, before.numDataBuffers, 'no wasm buffers leak from inside the kernels');
        const calls = (k: string) => wasmGradKernelCalls[k] ?? { composed: 0, delegated: 0 };
        if (mode === 'fast') {
          // The model has 3×3, 1×1 and strided convolutions (composed) and a depth multiplier of 2 (delegated).
          assert.deepEqual(calls('Conv2DBackpropFilter'), { composed: 4, delegated: 0 });
          assert.deepEqual(calls('DepthwiseConv2dNativeBackpropFilter'), { composed: 1, delegated: 1 });
          // Input gradients: the 1×1 and the 3×3 'valid' stride-1 convs composed, the two strided ones on wasm's loop;
          // both depthwise layers (stride 2, depth multiplier 2) delegated.
          assert.deepEqual(calls('Conv2DBackpropInput'), { composed: 2, delegated: 2 });
          assert.deepEqual(calls('DepthwiseConv2dNativeBackpropInput'), { composed: 0, delegated: 2 });
        } else {
          assert.equal(calls('Conv2DBackpropFilter').composed, 0);
          assert.equal(calls('Conv2DBackpropFilter').delegated, 4);
        }
        assert.equal(got.length, reference.length);
        got.forEach((g, i) => {
          const err = maxError(g, reference[i]);
          assert.ok(err <= TOLERANCE, `gradient ${i} (${g.length} values) off by ${err}`);
          assert.ok(reference[i].some((v) => v !== 0), `gradient ${i} is not trivially zero`);
        });
      } finally {
        unregisterWasmGradKernels(tf);
        x.dispose();
        model.dispose();
      }
    });
  }

  // [input shape, filter shape, strides, pad]: odd and even sizes, 3×3, 5×5, 2×2 (asymmetric 'same'), non-square
  // kernels, channels in ≠ out, batch > 1; then shapes the composite leaves to wasm's own loop (strides > 1).
  type Shape4 = [number, number, number, number];
  const CONV_CASES: { x: Shape4; w: Shape4; strides: number; pad: unknown; composed: boolean }[] = [
    { x: [2, 7, 7, 5], w: [3, 3, 5, 3], strides: 1, pad: 'same', composed: true },
    { x: [3, 8, 6, 4], w: [3, 3, 4, 6], strides: 1, pad: 'same', composed: true },
    { x: [2, 9, 10, 3], w: [5, 5, 3, 5], strides: 1, pad: 'same', composed: true },
    { x: [2, 8, 8, 4], w: [5, 5, 4, 3], strides: 1, pad: 'valid', composed: true },
    { x: [2, 7, 9, 3], w: [3, 3, 3, 4], strides: 1, pad: 'valid', composed: true },
    { x: [2, 6, 7, 3], w: [2, 2, 3, 2], strides: 1, pad: 'same', composed: true },
    { x: [2, 6, 6, 3], w: [3, 5, 3, 4], strides: 1, pad: 'same', composed: true },
    { x: [2, 6, 5, 3], w: [3, 3, 3, 2], strides: 1, pad: 1, composed: true },
    { x: [2, 6, 5, 3], w: [3, 3, 3, 2], strides: 1, pad: [[0, 0], [0, 2], [1, 0], [0, 0]], composed: true },
    { x: [2, 6, 6, 3], w: [1, 1, 3, 4], strides: 1, pad: 'valid', composed: true },
    { x: [2, 7, 8, 3], w: [3, 3, 3, 4], strides: 2, pad: 'same', composed: false },
    { x: [2, 6, 6, 3], w: [3, 3, 3, 4], strides: 1, pad: 3, composed: false },
  ];
  const DEPTHWISE_CASES: typeof CONV_CASES = [
    { x: [2, 7, 8, 5], w: [3, 3, 5, 1], strides: 1, pad: 'same', composed: true },
    { x: [3, 8, 8, 4], w: [5, 5, 4, 1], strides: 1, pad: 'valid', composed: true },
    { x: [2, 9, 6, 3], w: [5, 5, 3, 1], strides: 1, pad: 'same', composed: true },
    { x: [2, 6, 6, 3], w: [2, 2, 3, 1], strides: 1, pad: 'same', composed: true },
    { x: [2, 7, 7, 3], w: [3, 3, 3, 2], strides: 1, pad: 'same', composed: false },
    { x: [2, 8, 7, 3], w: [3, 3, 3, 1], strides: 2, pad: 'same', composed: false },
  ];
  const INPUT_GRAD_TOLERANCE = 1e-5;

  /** max |a − b| / max |b|: the error relative to the reference's own scale. */
  function relError(a: Float32Array, b: Float32Array): number {
    assert.equal(a.length, b.length);
    const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(scale > 0, 'the reference is not all zeros');
    return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0) / scale;
  }

  for (const [kernel, cases] of [['Conv2DBackpropInput', CONV_CASES], ['DepthwiseConv2dNativeBackpropInput', DEPTHWISE_CASES]] as const) {
    it(`${kernel} composed for stride 1 gives the reference kernels' input gradients within ${INPUT_GRAD_TOLERANCE}`, async (t) => {
      if (tf.getBackend() !== 'wasm') return t.skip('wasm backend unavailable here');
      const depthwise = kernel === 'DepthwiseConv2dNativeBackpropInput';
      const attrsOf = (c: (typeof cases)[number]) => ({ strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined, inputShape: c.x });
      const run = (c: (typeof cases)[number], dy: tfType.Tensor, w: tfType.Tensor) =>
        tf.tidy(() => (tf.engine().runKernel(kernel, { dy, filter: w }, attrsOf(c) as never) as tfType.Tensor).dataSync() as Float32Array);
      // dy has the forward output's shape, which the forward op (with the same attrs) gives.
      const tensors = cases.map((c, k) => {
        const w = tf.randomNormal(c.w, 0, 1, 'float32', 60 + k);
        const conv = depthwise ? tf.depthwiseConv2d : tf.conv2d;
        const outShape = tf.tidy(() => conv(tf.zeros(c.x) as tfType.Tensor4D, w as tfType.Tensor4D, c.strides, c.pad as 'same').shape);
        return { dy: tf.randomNormal(outShape, 0, 1, 'float32', 80 + k), w };
      });
      const values = tensors.map(({ dy, w }) => ({ dy: dy.dataSync().slice(), w: w.dataSync().slice(), dyShape: dy.shape, wShape: w.shape }));
      // The references: the cpu backend's kernel (what autodiff runs there) and, where stock wasm has one, its own loop.
      const stock = depthwise ? undefined : cases.map((c, k) => run(c, tensors[k].dy, tensors[k].w));
      await tf.setBackend('cpu');
      const cpu = cases.map((c, k) => tf.tidy(() => run(c, tf.tensor(values[k].dy, values[k].dyShape), tf.tensor(values[k].w, values[k].wShape))));
      await tf.setBackend('wasm');
      registerWasmGradKernels(tf);
      try {
        const before = tf.memory();
        cases.forEach((c, k) => {
          const calls = { ...(wasmGradKernelCalls[kernel] ?? { composed: 0, delegated: 0 }) };
          const got = run(c, tensors[k].dy, tensors[k].w);
          const after = wasmGradKernelCalls[kernel];
          const label = `case ${k} (x ${c.x.join('×')}, w ${c.w.join('×')}, strides ${c.strides}, pad ${JSON.stringify(c.pad)})`;
          assert.equal(after.composed - calls.composed, c.composed ? 1 : 0, `${label}: composed`);
          const errCpu = relError(got, cpu[k]);
          assert.ok(errCpu <= INPUT_GRAD_TOLERANCE, `${label}: off the cpu kernel by ${errCpu}`);
          if (stock) {
            const errStock = relError(got, stock[k]);
            assert.ok(errStock <= INPUT_GRAD_TOLERANCE, `${label}: off wasm's own kernel by ${errStock}`);
          }
        });
        assert.equal(tf.memory().numTensors, before.numTensors, 'no tensors leak');
        assert.equal(tf.memory().numDataBuffers, before.numDataBuffers, 'no wasm buffers leak from inside the kernels');
      } finally {
        unregisterWasmGradKernels(tf);
        tf.dispose(tensors.flatMap(({ dy, w }) => [dy, w]));
      }
    });
  }

  it('transposed matmuls (every dense layer\'s backward pass) give the cpu backend\'s products, without leaking', async (t) => {
    if (tf.getBackend() !== 'wasm') return t.skip('wasm backend unavailable here');
    // [a shape, b shape, transposeA, transposeB]: the head's dX and dW, a batched case, and both transposed.
    const cases: [number[], number[], boolean, boolean][] = [
      [[32, 256], [1280, 256], false, true], [[32, 1280], [32, 256], true, false], [[3, 7, 5], [3, 7, 4], true, false],
      [[3, 5, 7], [3, 4, 7], false, true], [[6, 9], [4, 6], true, true], [[9, 6], [6, 4], false, false],
    ];
    const inputs = cases.map(([sa, sb], k) => [tf.randomNormal(sa, 0, 1, 'float32', 20 + k), tf.randomNormal(sb, 0, 1, 'float32', 40 + k)]);
    const values = inputs.map(([a, b]) => [a.dataSync().slice(), b.dataSync().slice()]);
    await tf.setBackend('cpu');
    const reference = cases.map(([sa, sb, tA, tB], k) => tf.tidy(() => tf.matMul(tf.tensor(values[k][0], sa), tf.tensor(values[k][1], sb), tA, tB).dataSync()));
    await tf.setBackend('wasm');
    registerWasmGradKernels(tf);
    try {
      const before = tf.memory();
      cases.forEach(([, , tA, tB], k) => {
        const got = tf.tidy(() => tf.matMul(inputs[k][0], inputs[k][1], tA, tB).dataSync() as Float32Array);
        assert.ok(maxError(got, reference[k] as Float32Array) <= 1e-5, `case ${k} off by ${maxError(got, reference[k] as Float32Array)}`);
      });
      assert.equal(tf.memory().numDataBuffers, before.numDataBuffers, 'no wasm buffers leak from inside the kernel');
    } finally {
      unregisterWasmGradKernels(tf);
      tf.dispose(inputs.flat());
    }
  });
});
