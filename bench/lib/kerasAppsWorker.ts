// Fine-tuning VGG16's block5 through the product's own code, as a line server for bench/kerasApps.ts.
// Usage: node --import tsx bench/lib/kerasAppsWorker.ts
//   {cmd: 'cache', images, batch}  Keras' VGG16 as the product builds it (random weights, lib/kerasBackbone.ts), a
//        FeatureExtractor split at block5_conv1 (atBoundary, the Keras recipe's unfreeze point), and the activations
//        of `images` photos cached the way `train --mode fine-tune` caches them (features(): decode with sharp, the
//        frozen bottom on ONNX Runtime (frozen 'auto', the jobs' default), float16 entries written to a fresh cache
//        folder) → seconds, img/s, the frozen engine. The photos: the shared Dogs vs Cats train photos, topped up
//        with photo mosaics (lib/photoMosaics.ts) where there are fewer than `images`, so every image is distinct
//        (the cache is keyed by content).
//   {cmd: 'bottomSetup', batch}     the same frozen bottom through backboneForward (ORT), on `batch` uint8 images
//   {cmd: 'bottom'}                 one forward of that batch → {seconds}: the caching engine alone, for the
//                                   interleaved comparison with PyTorch
//   {cmd: 'epoch', steps}           block5 + the recipe head (fx.trainableModel(buildHead(...)), SGD 1e-4 momentum
//                                   0.9, batch 32, binary cross-entropy) trained on the cached activations through
//                                   the product's fit loop (fitModel, rows made a batch at a time from the float16
//                                   matrix as fitStage makes them), on the training engine (tfjs wasm). `steps` > 0
//                                   stops after that many steps (the epoch is then extrapolated by the bench); 0
//                                   runs the whole epoch. No validation pass: the figure is the training epoch.
//   {cmd: 'stepSetup', batch} / {cmd: 'step'}  one trainOnBatch of the same model on `batch` cached rows → {seconds}
//   {cmd: 'close'}                  removes the images and cache it made
import type * as tfType from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEngine } from '../../src/trainer/engine/engine';
import { FeatureExtractor } from '../../src/trainer/features/featureExtractor';
import { rowsTensor, type FeatureMatrix } from '../../src/trainer/features/featureStage';
import type { LabelledImage } from '../../src/trainer/features/trainingData';
import { backboneForward, type BatchForward } from '../../src/trainer/forward/batchForward';
import { buildHead, labelTensor, lossFor } from '../../src/trainer/model/headModel';
import { fitModel, type Callback, type Rows } from '../../src/trainer/training/fitLoop';
import type { TrainerEvent } from '../../src/core/protocol';
import { kerasAppBackbone } from './kerasBackbone';
import { serveLines } from './lineWorker';
import { DOGS_VS_CATS } from './paths';
import { writeMosaics } from './photoMosaics';

const UNFREEZE_FROM = 'block5_conv1';
const CLASSES = 2;
const LR = 1e-4;
const SEED = 42;

/** `count` distinct labelled photos: the shared train photos, then mosaics of them written under `dir`. */
async function photos(count: number, dir: string): Promise<{ items: LabelledImage[]; real: number; mosaics: number; mosaicSeconds: number }> {
  const train = path.join(DOGS_VS_CATS, 'train');
  const real = fs.readdirSync(train).filter((f) => /\.jpe?g$/i.test(f)).sort().map((f) => path.join(train, f));
  const files = real.slice(0, count);
  const t = performance.now();
  const extra = count - files.length;
  if (extra > 0) {
    await writeMosaics(dir, extra, real);
    files.push(...fs.readdirSync(path.join(dir, 'train')).sort().map((f) => path.join(dir, 'train', f)));
  }
  const items = files.map((file) => ({
    file, sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex'), label: path.basename(file).startsWith('dog') ? 1 : 0,
  }));
  if (new Set(items.map((i) => i.sha256)).size !== items.length) throw new Error('two of the photos have the same content');
  return { items, real: Math.min(count, real.length), mosaics: Math.max(0, extra), mosaicSeconds: (performance.now() - t) / 1000 };
}

/** Seconds of each training step (onBatchBegin → onBatchEnd, the loss read back), stopping after `steps` when > 0. */
class StepTimer implements Callback {
  readonly seconds: number[] = [];
  private started = 0;
  constructor(private readonly steps: number) {}
  onBatchBegin() {
    this.started = performance.now();
  }
  onBatchEnd(_: unknown, fit: { stop(): void }) {
    this.seconds.push((performance.now() - this.started) / 1000);
    if (this.steps > 0 && this.seconds.length >= this.steps) fit.stop();
  }
}

async function main() {
  const { tf, info } = await loadEngine('wasm');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-keras-apps-'));
  const logs: string[] = [];
  const ctx = {
    emit: (e: TrainerEvent) => void (e.type === 'log' && logs.push(e.message)),
    signal: new AbortController().signal,
  };
  const backbone = kerasAppBackbone(tf, 'vgg16', 224);
  let fx: FeatureExtractor | undefined;
  let matrix: FeatureMatrix | undefined;
  let items: LabelledImage[] = [];
  let model: tfType.LayersModel | undefined;
  let bottom: { forward: BatchForward; images: Uint8Array[] } | undefined;
  let batch: tfType.Tensor[] = [];

  const trainable = () => {
    if (!model) {
      model = fx!.trainableModel(buildHead(tf, { inputDim: backbone.featureDim, classes: CLASSES, seed: SEED }));
      model.compile({ optimizer: tf.train.momentum(LR, 0.9), loss: lossFor(CLASSES), metrics: ['accuracy'] });
    }
    return model;
  };

  serveLines(async (m) => {
    if (m.cmd === 'cache') {
      const p = await photos(Number(m.images), work);
      items = p.items;
      fx = FeatureExtractor.open(backbone, {
        tf, engine: info.engine, workers: 'auto', resize: 'fill', seed: SEED, cacheDir: path.join(work, 'cache'), ctx,
        frozen: { preference: 'auto', cacheDir: path.join(work, 'cache') },
      }).atBoundary(UNFREEZE_FROM);
      const t = performance.now();
      try {
        matrix = await fx.features(items, { phase: 'activations train', batchSize: Number(m.batch) });
      } finally {
        await fx.dispose();
      }
      const seconds = (performance.now() - t) / 1000;
      const files = fs.readdirSync(path.join(work, 'cache'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
      const bytes = files.reduce((s, d) => s + fs.statSync(path.join(d.parentPath, d.name)).size, 0);
      const split = fx.split!;
      return {
        images: items.length, realPhotos: p.real, mosaics: p.mosaics, mosaicSeconds: p.mosaicSeconds,
        seconds, imgPerS: items.length / seconds, computed: matrix.computed, fromCache: matrix.fromCache, failed: matrix.failed.size,
        frozenEngine: fx.frozenEngine, unfreezeFrom: UNFREEZE_FROM, boundaryLayer: split.boundaryLayer, boundaryShape: split.boundaryShape,
        topLayers: split.topLayers, cacheMb: bytes / 2 ** 20, cacheFiles: files.length, backbone: backbone.id, cut: backbone.cut,
        preprocessing: backbone.preprocessing, log: logs.slice(-5),
      };
    }
    if (m.cmd === 'bottomSetup') {
      const split = fx!.split!;
      const dim = split.boundaryShape.reduce((a, b) => a * b, 1);
      const forward = backboneForward(tf, backbone, {
        size: 224, engine: info.engine, workers: 'auto', ctx, frozen: { preference: 'auto', cacheDir: path.join(work, 'cache') },
      }, { model: split.frozenBottom, unfreezeFrom: UNFREEZE_FROM, dim, run: (x) => split.frozenBottom.predict(x) as tfType.Tensor });
      let seed = 7;
      const images = Array.from({ length: Number(m.batch) }, () => Uint8Array.from({ length: 224 * 224 * 3 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
      await forward.run(images); // opens the route (the converted graph is in the cache by now) and warms up
      bottom = { forward, images };
      return { frozenEngine: forward.engine, threads: forward.threads, batch: images.length };
    }
    if (m.cmd === 'bottom') {
      const t = performance.now();
      await bottom!.forward.run(bottom!.images);
      return { seconds: (performance.now() - t) / 1000 };
    }
    if (m.cmd === 'epoch') {
      await bottom?.forward.dispose();
      bottom = undefined;
      const f = matrix!;
      const shape = fx!.shape;
      const rows = items.map((_, i) => i).filter((i) => !f.failed.has(i));
      const labels = rows.map((i) => items[i].label);
      // As fitStage builds each batch: float16 rows of the matrix → one [n, 14, 14, 512] tensor, and the labels.
      const train: Rows = {
        n: rows.length,
        batch: (positions) => ({
          x: rowsTensor(tf, f, () => 0, positions.map((p) => rows[p]), shape),
          y: labelTensor(tf, positions.map((p) => labels[p]), CLASSES),
        }),
      };
      const timer = new StepTimer(Number(m.steps));
      const net = trainable();
      const t = performance.now();
      const h = await fitModel(tf, net, { train, epochs: 1, batchSize: 32, seed: SEED, callbacks: [timer] });
      const seconds = (performance.now() - t) / 1000;
      const params = net.trainableWeights.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
      return {
        rows: rows.length, batch: 32, stepsPerEpoch: Math.ceil(rows.length / 32), steps: h.steps, stopped: h.stopped,
        seconds, stepSeconds: timer.seconds, trainableParams: params, backend: info.backend, memoryMb: process.memoryUsage().rss / 2 ** 20,
      };
    }
    if (m.cmd === 'stepSetup') {
      const n = Number(m.batch);
      const rows = Array.from({ length: n }, (_, i) => i);
      batch = [rowsTensor(tf, matrix!, () => 0, rows, fx!.shape), labelTensor(tf, rows.map((i) => items[i].label), CLASSES)];
      await trainable().trainOnBatch(batch[0], batch[1]);
      return { backend: info.backend, batch: n, inputShape: fx!.shape };
    }
    if (m.cmd === 'step') {
      const t = performance.now();
      await model!.trainOnBatch(batch[0], batch[1]);
      return { seconds: (performance.now() - t) / 1000 };
    }
    if (m.cmd === 'close') {
      await bottom?.forward.dispose();
      fs.rmSync(work, { recursive: true, force: true });
      return {};
    }
    throw new Error(`unknown command ${String(m.cmd)}`);
  });
}

void main();
