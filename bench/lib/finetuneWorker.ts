// One tfjs engine training MobileNetV2 0.35's top block (block_16 + Conv_1) + the recipe head, as a line server
// for bench/finetune.ts. Usage: node --import tsx bench/lib/finetuneWorker.ts <wasm|wasm-threads|cpu>
//   {cmd: 'setup', mode: 'cached', batch}   ours: backbone.splitAt('block_16') → trainable top on [7,7,56] activations
//   {cmd: 'setup', mode: 'images', batch}   naive: the whole image → backbone → head model, same trainable layers,
//                                           every step runs the frozen bottom forward again
//   {cmd: 'setup', mode: 'bottom', frozen, batch}  what caching activations costs: the frozen bottom (image → the
//                                           block_16 boundary) of `batch` uint8 images through the product's
//                                           backboneForward, frozen = 'onnxruntime' (the jobs' default: one ORT
//                                           session, intra-op = cores) or 'tfjs' (wasm forward workers, one per core)
//   {cmd: 'step'}                           one trainOnBatch (bottom: one forward of the batch) → {seconds}
//   {cmd: 'epochs', train, val, epochs}     cached mode only: the fit loop with early stopping as the job runs it
//   {cmd: 'headEpochs', train, val, epochs} the feature extractor's stage instead: the recipe head alone on pooled
//                                           1280-d vectors, to compare engines for that loop
// Activations and images are random: throughput does not depend on the values.
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import type * as tfType from '@tensorflow/tfjs';
import { loadBackbone, type LayersBackbone } from '../../src/trainer/model/backbone';
import { backboneForward, type BatchForward } from '../../src/trainer/forward/batchForward';
import type { FrozenPreference } from '../../src/core/frozenEngineChoice';
import { freezeBatchNorm, isBatchNorm } from '../../src/trainer/model/batchNormFreeze';
import { loadEngine } from '../../src/trainer/engine/engine';
import { buildHead, labelTensor, lossFor } from '../../src/trainer/model/headModel';
import { EarlyStopping } from '../../src/trainer/training/callbacks/earlyStopping';
import { EpochDivergenceGuard } from '../../src/trainer/training/callbacks/divergenceGuard';
import { fitModel, type Rows } from '../../src/trainer/training/fitLoop';
import { serveLines } from './lineWorker';
import { TEACHABLE } from './paths';
import { median } from './stats';
import { enableWasmThreads } from './wasmThreads';

const CLASSES = 2;
const LR = 1e-4;

async function main() {
  const engine = process.argv[2];
  const restore = engine === 'wasm-threads' ? enableWasmThreads(2) : () => undefined;
  const { tf, info } = await loadEngine(engine === 'cpu' ? 'cpu' : 'wasm');
  restore();
  let model: tfType.LayersModel | undefined;
  let shape: number[] = [];
  let batch: tfType.Tensor[] = [];
  let bottom: { forward: BatchForward; images: Uint8Array[] } | undefined;
  const labels = (n: number) => labelTensor(tf, Array.from({ length: n }, (_, i) => i % 2), CLASSES);
  const inputs = (n: number) => tf.randomUniform([n, ...shape], 0, 1);

  serveLines(async (m) => {
    if (m.cmd === 'setup' && m.mode === 'bottom') {
      const backbone = (await loadBackbone({ source: TEACHABLE })) as LayersBackbone;
      const split = backbone.splitAt('block_16');
      const size = backbone.inputSize;
      const dim = split.boundaryShape.reduce((a, b) => a * b, 1);
      const ctx = { emit: () => undefined, signal: new AbortController().signal };
      const forward = backboneForward(tf, backbone, {
        size, engine: info.engine, workers: 'auto', ctx, frozen: { preference: m.frozen as FrozenPreference },
      }, {
        model: split.frozenBottom, unfreezeFrom: 'block_16', dim, run: (x) => split.frozenBottom.predict(x) as tfType.Tensor,
      });
      let seed = 7;
      const images = Array.from({ length: Number(m.batch) }, () => Uint8Array.from({ length: size * size * 3 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
      await forward.run(images); // opens the route: ORT converts and opens its session, tfjs starts its workers
      bottom = { forward, images };
      return { frozenEngine: forward.engine, threads: forward.threads, batch: images.length, inputShape: [size, size, 3], boundaryShape: split.boundaryShape };
    }
    if (m.cmd === 'step' && bottom) {
      const t = process.hrtime.bigint();
      await bottom.forward.run(bottom.images);
      return { seconds: Number(process.hrtime.bigint() - t) / 1e9 };
    }
    if (m.cmd === 'setup') {
      const backbone = (await loadBackbone({ source: TEACHABLE })) as LayersBackbone;
      const split = backbone.splitAt('block_16');
      const head = buildHead(tf, { inputDim: backbone.featureDim, classes: CLASSES, seed: 42 });
      if (m.mode === 'cached') {
        model = tf.model({ inputs: split.trainableTop.inputs, outputs: head.apply(split.trainableTop.outputs[0]) as tfType.SymbolicTensor });
        shape = split.boundaryShape;
      } else {
        // The bottom's BatchNorm would otherwise use batch statistics under fit (see batchNormFreeze.ts): freezing
        // it makes the naive model compute the same function as ours.
        for (const l of backbone.layers) if (isBatchNorm(l) && !l.trainable) freezeBatchNorm(l);
        model = tf.model({ inputs: backbone.model.inputs, outputs: head.apply(backbone.model.outputs[0]) as tfType.SymbolicTensor });
        shape = [backbone.inputSize, backbone.inputSize, 3];
      }
      model.compile({ optimizer: tf.train.momentum(LR, 0.9), loss: lossFor(CLASSES), metrics: ['accuracy'] });
      const n = Number(m.batch);
      batch = [inputs(n), labels(n)];
      await model.trainOnBatch(batch[0], batch[1]);
      const trainable = model.trainableWeights.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
      return { backend: info.backend, threads: engine === 'cpu' ? undefined : wasmBackend.getThreadsCount(), batch: n, inputShape: shape, trainableParams: trainable };
    }
    if (m.cmd === 'step') {
      const t = process.hrtime.bigint();
      await model!.trainOnBatch(batch[0], batch[1]);
      return { seconds: Number(process.hrtime.bigint() - t) / 1e9 };
    }
    if (m.cmd === 'headEpochs') {
      model = buildHead(tf, { inputDim: 1280, classes: CLASSES, seed: 42 });
      model.compile({ optimizer: tf.train.adam(1e-3), loss: lossFor(CLASSES), metrics: ['accuracy'] });
      shape = [1280];
    }
    if (m.cmd === 'epochs' || m.cmd === 'headEpochs') {
      const [n, v] = [Number(m.train), Number(m.val)];
      // Random rows made a batch at a time, as the job builds its batches from the cache.
      const rows = (count: number): Rows => ({
        n: count, batch: (p) => ({ x: inputs(p.length), y: labels(p.length) }),
      });
      const r = await fitModel(tf, model!, {
        train: rows(n), validation: rows(v), epochs: Number(m.epochs), batchSize: 32, seed: 42,
        callbacks: [new EpochDivergenceGuard(), new EarlyStopping(tf, { monitor: 'val_loss', patience: 1000 })],
      });
      const seconds = r.epochs.map((h) => h.seconds);
      return { epochSeconds: seconds, medianEpochSeconds: median(seconds) };
    }
    throw new Error(`unknown command ${String(m.cmd)}`);
  });
}

void main();
