// The `train` job: the classic recipe's two scenarios.
// Feature extractor: frozen backbone → cached pooled features → the recipe's head, Adam, early stopping.
// Fine-tune: from a feature-extractor run, unfreeze the top block; the frozen bottom's activations are cached
// and only the top + head train (SGD 1e-4, momentum 0.9), with frozen BatchNorm kept in inference mode.
import type * as tfType from '@tensorflow/tfjs';
import * as path from 'node:path';
import { valGrid } from '../../core/predictionGrid';
import { defaultLearningRate, parseTrainConfig, type TrainConfig } from '../../core/trainConfig';
import { writeJsonAtomic } from '../runtime/atomicFile';
import { loadBackbone, type Backbone } from '../model/backbone';
import { emitAndSave, withThumbnails } from '../runs/dashboardFiles';
import { embeddingCacheFor } from '../features/embeddingCache';
import { startEngine, type EngineInfo, type Tf } from '../engine/engine';
import { backboneForward, workersSetting } from '../forward/batchForward';
import { cachedFeatures, type FeatureMatrix } from '../features/featureStage';
import { thumbnailDirOf } from '../images/thumbnails';
import { buildHead, lossFor } from '../model/headModel';
import { BadInputError, CancelledError, type JobContext } from '../runtime/jobContext';
import { fileSystemLoader, fileSystemSaver } from '../model/modelFiles';
import { checkRunFolder } from '../forward/savedModel';
import { readCompletedRun, RunWriter } from '../runs/runWriter';
import { readTrainingData, type TrainingData } from '../features/trainingData';
import {
  classCounts, decodedRows, defaultUnfreezePoint, fitStage, imageLoader, runWarnings, saveInferenceModel,
} from '../training/trainStages';

export interface TrainSummary {
  runId: string; dir: string; status: 'completed'; engine: string; mode: string;
  best: { epoch: number; loss: number; acc: number; valLoss: number; valAcc: number };
  seconds: Record<string, number>; classes: string[];
  /** The images each class really trained and validated on: dataset.json's lists less `skipped`. */
  counts: { train: number[]; val: number[] };
  /** Listed images left out (missing, changed since prepare, or undecodable), each with its reason. */
  skipped: { file: string; reason: string }[];
  /** What the user should know about this result: left-out images, classes with no validation images. */
  warnings: string[];
  /** Fine-tune: where the trainable top starts (the backbone's top block unless the config named one). */
  unfreezeFrom?: string;
  /** corrupt: damaged cache entries that were recomputed (counted in computed too). */
  cache: { computed: number; fromCache: number; corrupt: number };
}

export async function trainJob(config: Record<string, unknown>, ctx: JobContext): Promise<TrainSummary> {
  const c = parseTrainConfig(config, { runsDir: path.resolve('.transfer-lab/runs'), cacheDir: path.resolve('.transfer-lab/cache') });
  const { tf, info } = await startEngine(c.engine, ctx);
  if (c.mode === 'fine-tune') {
    const source = await readCompletedRun(c.from!, 'fine-tuning starts from a completed feature-extractor run');
    // The head fine-tuning starts from is checked now: a damaged file stops the job before any work, naming it.
    await checkRunFolder(c.from!, source, 'head', ctx);
    const sc = source.config as Partial<TrainConfig>;
    c.dataset ??= source.dataset;
    c.backbone = sc.backbone;
    c.cut = sc.cut;
    c.size ??= sc.size;
    c.resize = sc.resize ?? c.resize;
    c.maxPerClass ??= sc.maxPerClass;
  }
  // train-dev is the learning curve's; training reads (and checks) only train and val.
  const data = await readTrainingData(c.dataset!, c.maxPerClass, c.seed, ctx, ['train', 'val']);
  const backbone = await loadBackbone({
    source: c.backbone!, cut: c.cut, cacheDir: c.modelCacheDir, signal: ctx.signal,
    onProgress: (p) => ctx.emit({ type: 'progress', phase: 'download', done: p.bytesDone, total: p.bytesTotal ?? p.bytesDone }),
  });
  if (c.mode === 'fine-tune' && !backbone.canFineTune) {
    throw new BadInputError(`${backbone.id} is a graph model: it can extract features but cannot be fine-tuned.`, undefined,
      'Fine-tune a TF.js layers model instead, such as mobilenet_v2_0.35_224 from the zoo.');
  }
  if (c.size !== undefined && backbone.fixedInputSize !== undefined && c.size !== backbone.fixedInputSize) {
    backbone.dispose();
    throw new BadInputError(`${backbone.id} takes ${backbone.fixedInputSize}×${backbone.fixedInputSize} images: its model ` +
      `file fixes the input size, so --size ${c.size} cannot go through it.`, undefined,
      `Leave --size out (or pass ${backbone.fixedInputSize}), or pick a backbone whose input size is not fixed.`);
  }
  // Chosen before the run is created, so run.json's config records the block that really trained.
  if (c.mode === 'fine-tune' && !c.unfreezeFrom) c.unfreezeFrom = defaultUnfreezePoint(backbone, ctx);
  const run = await RunWriter.create(c.runsDir, {
    mode: c.mode, backbone: backbone.id, dataset: path.resolve(c.dataset!), classes: data.classes, engine: info.engine,
    config: { ...c, size: c.size ?? backbone.inputSize, cut: c.cut ?? backbone.cut },
  });
  try {
    const summary = await train(tf, info, c, data, backbone, run, ctx, { thumbnailDir: thumbnailDirOf(config, run.dir), workers: workersSetting(config) });
    await run.complete();
    return summary;
  } catch (e) {
    // Recording the outcome may fail too (the disk that just filled up holds run.json): the job's own error is the one
    // to report, and a run left `running` reads as failed once this process is gone.
    const recorded = e instanceof CancelledError || ctx.signal.aborted ? run.cancel() : run.fail((e as Error).message);
    await recorded.catch(() => undefined);
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
  await writeJsonAtomic(path.join(run.dir, 'layers.json'), layers, run.writeContext);

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
  // Images that did not decode are named and left out; a class left with none in a split stops the run here.
  const listed = data.train.length + data.val.length + data.skipped.length;
  const trainRows = decodedRows(data.classes, 'train', data.train, trainF, load.failures, data.skipped);
  const valRows = decodedRows(data.classes, 'val', data.val, valF, load.failures, data.skipped);

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
    train: { items: data.train, rows: trainRows, features: trainF },
    val: { items: data.val, rows: valRows, features: valF },
  }, run, ctx);
  seconds.training = (performance.now() - t1) / 1000;
  await run.setTiming('training', seconds.training);

  const t2 = performance.now();
  await head.save(fileSystemSaver(path.join(run.dir, 'head'), run.writeContext));
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
    await head.save(fileSystemSaver(run.modelDir, run.writeContext));
  }
  seconds.saving = (performance.now() - t2) / 1000;
  await run.setTiming('saving', seconds.saving);

  return {
    runId: run.id, dir: run.dir, status: 'completed', engine: info.engine, mode: c.mode, best: fit.best, seconds, classes: data.classes,
    counts: { train: classCounts(classes, data.train, trainRows), val: classCounts(classes, data.val, valRows) },
    skipped: data.skipped, warnings: runWarnings(data, listed, ctx), ...(split ? { unfreezeFrom: c.unfreezeFrom } : {}),
    cache: {
      computed: trainF.computed + valF.computed, fromCache: trainF.fromCache + valF.fromCache,
      corrupt: trainF.corrupt + valF.corrupt,
    },
  };
}
