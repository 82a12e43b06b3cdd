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
          assert.ok(calls('Conv2DBackpropInput').composed >= 1 && calls('Conv2DBackpropInput').delegated >= 1);
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
