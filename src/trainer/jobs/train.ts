// The `train` job: the classic recipe's two scenarios.
// Feature extractor: frozen backbone → cached pooled features → the recipe's head, Adam, early stopping.
// Fine-tune: from a feature-extractor run, unfreeze the top block; the frozen bottom's activations are cached
// and only the top + head train (SGD 1e-4, momentum 0.9), with frozen BatchNorm kept in inference mode.
import type * as tfType from '@tensorflow/tfjs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { valGrid } from '../../core/predictionGrid';
import { defaultLearningRate, parseTrainConfig, type TrainConfig } from '../../core/trainConfig';
import { writeJsonAtomic } from '../atomicFile';
import { loadBackbone, type Backbone } from '../backbone';
import { emitAndSave, withThumbnails } from '../dashboardFiles';
import { embeddingCacheFor } from '../embeddingCache';
import { startEngine, type EngineInfo, type Tf } from '../engine';
import { backboneForward, workersSetting } from '../batchForward';
import { cachedFeatures, type FeatureMatrix } from '../featureStage';
import { thumbnailDirOf } from '../thumbnails';
import { buildHead, lossFor } from '../headModel';
import { BadInputError, CancelledError, type JobContext } from '../jobContext';
import { fileSystemLoader, fileSystemSaver } from '../modelFiles';
import { readRun, RunWriter } from '../runWriter';
import { readTrainingData, type TrainingData } from '../trainingData';
import { fitStage, imageLoader, saveInferenceModel, usableRows } from '../trainStages';

export interface TrainSummary {
  runId: string; dir: string; status: 'completed'; engine: string; mode: string;
  best: { epoch: number; loss: number; acc: number; valLoss: number; valAcc: number };
  seconds: Record<string, number>; classes: string[]; counts: { train: number[]; val: number[] };
  cache: { computed: number; fromCache: number };
}

export async function trainJob(config: Record<string, unknown>, ctx: JobContext): Promise<TrainSummary> {
  const c = parseTrainConfig(config, { runsDir: path.resolve('.transfer-lab/runs'), cacheDir: path.resolve('.transfer-lab/cache') });
  const { tf, info } = await startEngine(c.engine, ctx);
  if (c.mode === 'fine-tune') {
    const source = await readRun(c.from!);
    if (source.status !== 'completed') throw new Error(`run ${c.from} is ${source.status}; fine-tune starts from a completed feature-extractor run`);
    const sc = source.config as Partial<TrainConfig>;
    c.dataset ??= source.dataset;
    c.backbone = sc.backbone;
    c.cut = sc.cut;
    c.size ??= sc.size;
    c.resize = sc.resize ?? c.resize;
    c.maxPerClass ??= sc.maxPerClass;
  }
  const data = await readTrainingData(c.dataset!, c.maxPerClass, c.seed);
  const backbone = await loadBackbone({
    source: c.backbone!, cut: c.cut, cacheDir: c.modelCacheDir, signal: ctx.signal,
    onProgress: (p) => ctx.emit({ type: 'progress', phase: 'download', done: p.bytesDone, total: p.bytesTotal ?? p.bytesDone }),
  });
  if (c.mode === 'fine-tune' && !backbone.canFineTune) {
    throw new BadInputError(`${backbone.id} is a graph model: it can extract features but cannot be fine-tuned.`, undefined,
      'Fine-tune a TF.js layers model instead, such as mobilenet_v2_0.35_224 from the zoo.');
  }
  const run = await RunWriter.create(c.runsDir, {
    mode: c.mode, backbone: backbone.id, dataset: path.resolve(c.dataset!), classes: data.classes, engine: info.engine,
    config: { ...c, size: c.size ?? backbone.inputSize, cut: c.cut ?? backbone.cut },
  });
  try {
    const summary = await train(tf, info, c, data, backbone, run, ctx, { thumbnailDir: thumbnailDirOf(config, run.dir), workers: workersSetting(config) });
    await run.complete();
    return summary;
  } catch (e) {
    if (e instanceof CancelledError || ctx.signal.aborted) await run.cancel();
    else await run.fail((e as Error).message);
    throw e;
  } finally {
    backbone.dispose();
  }
}

async function train(
  tf: Tf, info: EngineInfo, c: TrainConfig, data: TrainingData, backbone: Backbone, run: RunWriter, ctx: JobContext,
  { thumbnailDir, workers }: { thumbnailDir: string | undefined; workers: number | 'auto' },
): Promise<TrainSummary> {
  const size = c.size ?? backbone.inputSize;
  const seconds: Record<string, number> = {};
  const split = c.mode === 'fine-tune' ? backbone.splitAt(c.unfreezeFrom!) : undefined;
  const layers = backbone.layerTable();
  ctx.emit({ type: 'layers', layers, runDir: run.dir });
  await writeJsonAtomic(path.join(run.dir, 'layers.json'), layers);

  // What gets cached: pooled features, or the activation at the fine-tuning boundary.
  const forward = backboneForward(tf, backbone, { size, engine: info.engine, workers, ctx }, split && {
    unfreezeFrom: c.unfreezeFrom!, dim: split.boundaryShape.reduce((a, b) => a * b, 1), run: (x) => split.frozenBottom.predict(x) as tfType.Tensor,
  });
  const cut = split ? split.boundaryLayer : backbone.cut;
  const cache = embeddingCacheFor(c.cacheDir, backbone, cut, { size, resize: c.resize }, forward.dim);
  const load = imageLoader(c, size, ctx);
  const t0 = performance.now();
  let trainF: FeatureMatrix, valF: FeatureMatrix;
  try {
    trainF = await cachedFeatures({ items: data.train, variants: 1 + c.augment, phase: 'embedding train', batchSize: c.batch }, forward, cache, load, ctx);
    valF = await cachedFeatures({ items: data.val, variants: 1, phase: 'embedding val', batchSize: c.batch }, forward, cache, load, ctx);
  } finally {
    await forward.dispose();
  }
  seconds.embedding = (performance.now() - t0) / 1000;
  await run.setTiming('embedding', seconds.embedding);

  const classes = data.classes.length;
  const head = c.mode === 'fine-tune'
    ? await tf.loadLayersModel(fileSystemLoader(path.join(c.from!, 'head')))
    : buildHead(tf, { inputDim: backbone.featureDim, classes, seed: c.seed, kind: c.head, ...(c.dropout !== undefined ? { dropout: [c.dropout, c.dropout] as [number, number] } : {}) });
  const trainable = split
    ? tf.model({ inputs: split.trainableTop.inputs, outputs: head.apply(split.trainableTop.outputs[0]) as tfType.SymbolicTensor })
    : head;
  const lr = c.lr ?? defaultLearningRate(c.mode);
  trainable.compile({
    optimizer: c.mode === 'fine-tune' ? tf.train.momentum(lr, 0.9) : tf.train.adam(lr),
    loss: lossFor(classes), metrics: ['accuracy'],
  });
  const t1 = performance.now();
  const fit = await fitStage(tf, c, {
    model: trainable, classes, lr, stage: c.mode, shape: split ? split.boundaryShape : [backbone.featureDim],
    train: { items: data.train, rows: usableRows(data.train, trainF), features: trainF },
    val: { items: data.val, rows: usableRows(data.val, valF), features: valF },
  }, run, ctx);
  seconds.training = (performance.now() - t1) / 1000;
  await run.setTiming('training', seconds.training);

  const t2 = performance.now();
  await head.save(fileSystemSaver(path.join(run.dir, 'head')));
  const features = (backbone as { model?: tfType.LayersModel }).model;
  if (features) {
    const full = tf.model({ inputs: features.inputs, outputs: head.apply(features.outputs[0]) as tfType.SymbolicTensor, name: 'transfer_lab_classifier' });
    const predictions = await saveInferenceModel(tf, full, run, {
      classes: data.classes, inputSize: size, resize: c.resize, preprocessing: backbone.preprocessing, backbone: backbone.id, cut: backbone.cut,
    }, data.val, c.batch, ctx, workers);
    await emitAndSave(ctx, run.dir, 'predictions-val', {
      type: 'predictions', kind: 'val', runDir: run.dir, classes: data.classes,
      items: await withThumbnails(valGrid(predictions, data.classes), thumbnailDir),
    });
  } else {
    // Graph backbones cannot be composed into a layers model; the head and the backbone reference are the model.
    await fs.mkdir(run.modelDir, { recursive: true });
    await head.save(fileSystemSaver(run.modelDir));
  }
  seconds.saving = (performance.now() - t2) / 1000;
  await run.setTiming('saving', seconds.saving);

  const count = (items: typeof data.train) => data.classes.map((_, k) => items.filter((i) => i.label === k).length);
  return {
    runId: run.id, dir: run.dir, status: 'completed', engine: info.engine, mode: c.mode, best: fit.best, seconds, classes: data.classes,
    counts: { train: count(data.train), val: count(data.val) },
    cache: { computed: trainF.computed + valF.computed, fromCache: trainF.fromCache + valF.fromCache },
  };
}
