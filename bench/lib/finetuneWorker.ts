// One tfjs engine training MobileNetV2 0.35's top block (block_16 + Conv_1) + the recipe head, as a line server
// for bench/finetune.ts. Usage: node --import tsx bench/lib/finetuneWorker.ts <wasm|wasm-threads|cpu>
//   {cmd: 'setup', mode: 'cached', batch}   ours: backbone.splitAt('block_16') → trainable top on [7,7,56] activations
//   {cmd: 'setup', mode: 'images', batch}   naive: the whole image → backbone → head model, same trainable layers,
//                                           every step runs the frozen bottom forward again
//   {cmd: 'step'}                           one trainOnBatch → {seconds}
//   {cmd: 'epochs', train, val, epochs}     cached mode only: the fit loop with early stopping as the job runs it
//   {cmd: 'headEpochs', train, val, epochs} the feature extractor's stage instead: the recipe head alone on pooled
//                                           1280-d vectors, to compare engines for that loop
// Activations and images are random: throughput does not depend on the values.
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import type * as tfType from '@tensorflow/tfjs';
import { loadBackbone, type LayersBackbone } from '../../src/trainer/model/backbone';
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
  const labels = (n: number) => labelTensor(tf, Array.from({ length: n }, (_, i) => i % 2), CLASSES);
  const inputs = (n: number) => tf.randomUniform([n, ...shape], 0, 1);

  serveLines(async (m) => {
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
