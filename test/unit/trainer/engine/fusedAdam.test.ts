// The fused Adam kernel (fusedAdam.wat) must give tf.train.adam's weights bit for bit, step after step, on the
// recipe head's own shapes (a 1280 × 256 kernel: the SIMD loop; 129 and 1 values: the one-at-a-time tail), and its
// bytes must be what the committed .wat assembles to.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadEngine, type Tf } from '../../../../src/trainer/engine/engine';
import { adamOptimizer, registerFusedAdam } from '../../../../src/trainer/engine/fusedAdam';

const ROOT = path.resolve(__dirname, '../../../..');
let tf: Tf;

/** Seeded values in [-scale, scale), some exactly 0 (a zero gradient must give the same bits too). */
function values(n: number, seed: number, scale: number): Float32Array {
  let s = seed;
  return new Float32Array(n).map((_, i) => (i % 97 === 0 ? 0 : (((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1) * scale));
}

describe('fused Adam on wasm', () => {
  before(async () => {
    ({ tf } = await loadEngine('wasm'));
  });

  it('registers on wasm and is the optimizer the jobs get there', () => {
    assert.equal(registerFusedAdam(tf), true);
    const opt = adamOptimizer(tf, 1e-3);
    assert.notEqual(opt.constructor, tf.AdamOptimizer, 'the fused subclass');
    assert.ok(opt instanceof tf.AdamOptimizer);
    assert.equal(opt.getClassName(), 'Adam');
    opt.dispose();
  });

  it('gives tf.train.adam\'s weights and moments bit for bit over 30 steps (values above the flush limits)', async () => {
    const shapes = [[1280, 256], [129], [1]];
    const start = shapes.map((s, k) => values(s.reduce((a, b) => a * b, 1), 7 + k, 0.05));
    const run = async (optimizer: ReturnType<typeof adamOptimizer>) => {
      const vars = shapes.map((s, k) => tf.variable(tf.tensor(start[k], s), true, `fa_${k}_${optimizer.constructor.name}`));
      for (let step = 0; step < 30; step++) {
        const grads = shapes.map((s, k) => tf.tensor(values(start[k].length, 100 * step + k, step % 5 === 0 ? 1e-6 : 0.3), s));
        optimizer.applyGradients(vars.map((v, k) => ({ name: v.name, tensor: grads[k] })));
        tf.dispose(grads);
      }
      const weights = vars.map((v) => v.dataSync().slice() as Float32Array);
      const moments = await optimizer.getWeights();
      const state = moments.slice(1).map((m) => m.tensor.dataSync().slice() as Float32Array);
      optimizer.dispose();
      tf.dispose(vars);
      return { weights, state };
    };
    const reference = await run(tf.train.adam(3e-3));
    const fused = await run(adamOptimizer(tf, 3e-3));
    for (const [name, a, b] of [['weights', reference.weights, fused.weights], ['moments', reference.state, fused.state]] as const) {
      assert.equal(a.length, b.length);
      a.forEach((ref, k) => {
        const differing = ref.findIndex((x, i) => !Object.is(x, b[k][i]));
        assert.equal(differing, -1, `${name}[${k}] first differs at ${differing}: ${b[k][differing]} vs ${ref[differing]}`);
      });
    }
  });

  it('flushes what would be subnormal to zero, as TensorFlow\'s CPU kernels do, and never flushes NaN', async () => {
    // Gradients of 1e-19 square to a subnormal: tf.train.adam keeps a subnormal second moment (and runs ~30× slower
    // for it), the fused kernel zeroes the gradient first. The weights agree to far below anything that matters.
    const run = async (optimizer: ReturnType<typeof adamOptimizer>, g: number) => {
      const w = tf.variable(tf.fill([1000], 0.02), true, `flush_${optimizer.constructor.name}_${g}`);
      const grad = tf.fill([1000], g);
      for (let step = 0; step < 5; step++) optimizer.applyGradients([{ name: w.name, tensor: grad }]);
      const [, m, v] = (await optimizer.getWeights()).map((t) => t.tensor.dataSync()[0]);
      const out = { w: w.dataSync()[0], m, v };
      optimizer.dispose();
      tf.dispose([w, grad]);
      return out;
    };
    const fused = await run(adamOptimizer(tf, 1e-3), 1e-19);
    const reference = await run(tf.train.adam(1e-3), 1e-19);
    assert.ok(reference.v > 0 && reference.v < 2 ** -126, `tf.train.adam keeps a subnormal v (${reference.v})`);
    assert.equal(fused.m, 0);
    assert.equal(fused.v, 0);
    assert.equal(fused.w, Math.fround(0.02), 'a weight whose gradient is ~0 does not move');
    assert.ok(Math.abs(fused.w - reference.w) < 1e-12, `${fused.w} vs ${reference.w}`);
    const nan = await run(adamOptimizer(tf, 1e-3), NaN);
    assert.ok(Number.isNaN(nan.w) && Number.isNaN(nan.m), 'NaN reaches the weights, for the divergence guard');
  });

  it('the committed bytes are what fusedAdam.wat assembles to', async () => {
    const { assemble, moduleText } = (await import(path.join(ROOT, 'scripts/wasm-build.mjs'))) as {
      assemble(): Promise<Buffer>; moduleText(b: Buffer): string;
    };
    const committed = readFileSync(path.join(ROOT, 'src/trainer/engine/fusedAdamWasm.ts'), 'utf8');
    assert.equal(committed, moduleText(await assemble()), 'run node scripts/wasm-build.mjs');
  });
});
