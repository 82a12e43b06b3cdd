// Backbone throughput on this machine. Prints one JSON object:
//   forward     MobileNetV2 0.35 @224 features (Teachable Machine export), batch 32: wasm vs cpu;
//   topTrain    training block_16 + Conv_1 + a dense head from cached [7, 7, 56] activations, batch 32:
//               wasm with our composed gradient kernels, wasm delegating them to cpu, and the stock cpu backend;
//   augment     the recipe's affine warp on 32 RGB images @224: our TypeScript loop vs tf.image.transform.
// Each case runs in its own process, because backends and kernel registrations are process-wide.
// Run: node --import tsx bench/backbone.ts        (TL_BENCH_QUICK=1 skips the two ~3-minute slow-path cases)
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { augmentImage, inverseMap, sampleParams } from '../src/trainer/images/augment';
import { loadBackbone } from '../src/trainer/model/backbone';
import { loadEngine, type Tf } from '../src/trainer/engine/engine';
import { registerWasmGradKernels, unregisterWasmGradKernels } from '../src/trainer/engine/wasmGradKernels';

const SHARED = process.env.TL_SHARED ?? path.resolve(__dirname, '../../shared');
const TM = path.join(SHARED, 'models/mobilenet_v2_0.35_224_teachable');
const BATCH = 32;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function forward(tf: Tf, reps: number) {
  const b = await loadBackbone({ source: TM });
  const x = tf.randomUniform([BATCH, 224, 224, 3], -1, 1) as tfType.Tensor4D;
  const run = async () => tf.dispose(await b.embed(x).data());
  await run();
  const s = await seconds(async () => { for (let i = 0; i < reps; i++) await run(); });
  return { imgPerSec: round((reps * BATCH) / s), reps };
}

async function topTrain(tf: Tf, steps: number) {
  const b = await loadBackbone({ source: TM });
  const split = b.splitAt('block_16');
  const h = tf.layers.dense({ units: 256, activation: 'relu' }).apply(split.trainableTop.outputs[0]) as tfType.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(h) as tfType.SymbolicTensor;
  const model = tf.model({ inputs: split.trainableTop.inputs, outputs: out });
  model.compile({ optimizer: tf.train.adam(1e-4), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([BATCH, ...split.boundaryShape]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 2), 'int32'), 2);
  await model.trainOnBatch(x, y);
  const s = await seconds(async () => { for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y); });
  return { imgPerSec: round((steps * BATCH) / s, 2), steps };
}

async function augment(tf: Tf) {
  const size = 224;
  const images = Array.from({ length: BATCH }, (_, n) => Uint8Array.from({ length: size * size * 3 }, (_, i) => (i * 7 + n) & 255));
  const ts = await seconds(async () => images.forEach((img, v) => augmentImage(img, size, { seed: 1, variant: v + 1 })));
  // tf.image.transform wants the forward-projective 8-vector mapping output → input, which is our inverse map.
  const transforms = images.map((_, v) => {
    const [a, b, c, d, e, f] = inverseMap(sampleParams({ seed: 1, variant: v + 1 }), size, size);
    return [a, b, c, d, e, f, 0, 0];
  });
  const run = async () => {
    const pixels = new Float32Array(BATCH * size * size * 3);
    images.forEach((img, n) => pixels.set(img, n * img.length));
    const out = tf.tidy(() => {
      const batch = tf.tensor4d(pixels, [BATCH, size, size, 3]);
      return tf.image.transform(batch, tf.tensor2d(transforms), 'bilinear', 'nearest').round().cast('int32');
    });
    await out.data();
    out.dispose();
  };
  await run();
  const tfs = await seconds(run);
  return { typescriptImgPerSec: round(BATCH / ts), tfImageTransformImgPerSec: round(BATCH / tfs) };
}

async function runCase(name: string): Promise<unknown> {
  const [what, engine, kernels] = name.split(':');
  const { tf, info } = await loadEngine(engine as 'wasm' | 'cpu');
  if (info.engine !== engine) throw new Error(`${engine} did not load (${info.engine} did)`);
  if (engine === 'wasm') {
    unregisterWasmGradKernels(tf);
    registerWasmGradKernels(tf, kernels === 'delegate' ? 'delegate' : 'fast');
  }
  if (what === 'forward') return forward(tf, engine === 'wasm' ? 4 : 1);
  if (what === 'top') return topTrain(tf, engine === 'wasm' && kernels !== 'delegate' ? 6 : 1);
  if (what === 'augment') return augment(tf);
  throw new Error(`unknown case ${name}`);
}

async function main() {
  const only = process.argv.indexOf('--case');
  if (only > 0) {
    process.stdout.write(JSON.stringify(await runCase(process.argv[only + 1])) + '\n');
    return;
  }
  const quick = process.env.TL_BENCH_QUICK === '1';
  const child = (name: string) => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--case', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return JSON.parse(out.trim().split('\n').at(-1)!);
  };
  const result = {
    machine: { cpus: (await import('node:os')).availableParallelism(), node: process.version },
    model: 'mobilenet_v2_0.35_224 (Teachable Machine export), batch 32',
    forward: { wasm: child('forward:wasm'), cpu: child('forward:cpu') },
    topTrain: {
      wasmComposedKernels: child('top:wasm:fast'),
      wasmDelegatingToCpu: quick ? 'skipped (TL_BENCH_QUICK)' : child('top:wasm:delegate'),
      cpu: quick ? 'skipped (TL_BENCH_QUICK)' : child('top:cpu'),
    },
    augment: { wasm: child('augment:wasm'), cpu: child('augment:cpu') },
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
