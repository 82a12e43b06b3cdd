// The `train` job: the classic recipe's two scenarios.
// Feature extractor: frozen backbone → cached pooled features → the recipe's head, Adam, early stopping.
// Fine-tune: from a feature-extractor run, unfreeze the top block; the frozen bottom's activations are cached
// and only the top + head train (SGD 1e-4, momentum 0.9), with frozen BatchNorm kept in inference mode.
import * as path from 'node:path';
import { valGrid } from '../../core/predictionGrid';
import {
  defaultLearningRate, type FeatureExtractorConfig, type FineTuneConfig, type TrainConfig, type TrainResult,
} from '../../core/jobs/train';
import { RUN_FILES } from '../../core/runFiles';
import { writeJsonAtomic } from '../runtime/atomicFile';
import { loadBackbone, type Backbone } from '../model/backbone';
import { emitAndSave, withThumbnails } from '../runs/dashboardFiles';
import { startEngine, type EngineInfo, type Tf } from '../engine/engine';
import { frozenSetting, workersSetting } from '../forward/batchForward';
import { FeatureExtractor } from '../features/featureExtractor';
import type { FeatureMatrix } from '../features/featureStage';
import { thumbnailDirOf } from '../images/thumbnails';
import { withGridHeatmaps } from '../explain/gridHeatmaps';
import { buildHead, lossFor } from '../model/headModel';
import { BadInputError, CancelledError, type JobContext } from '../runtime/jobContext';
import { fileSystemLoader, fileSystemSaver } from '../model/modelFiles';
import { checkRunFolder } from '../forward/savedModel';
import { adamOptimizer } from '../engine/fusedAdam';
import { readCompletedRun, RunWriter } from '../runs/runWriter';
import { readTrainingData, type TrainingData } from '../features/trainingData';
import {
  classCounts, decodedRows, defaultUnfreezePoint, fitStage, runWarnings, saveInferenceModel,
} from '../training/trainStages';

/**
 * A train config as the job trains it: a fine-tune has read its source run (whose dataset, backbone, cut and image
 * settings it keeps) and knows where its trainable top starts.
 */
type TrainPlan = FeatureExtractorConfig | (SourcedFineTune & { unfreezeFrom: string });
type SourcedFineTune = FineTuneConfig & { dataset: string; backbone: string };

/** Fine-tuning keeps its source run's backbone, cut and image settings, and its dataset unless given one. */
async function withSourceRun(c: FineTuneConfig, ctx: JobContext): Promise<SourcedFineTune> {
  const source = await readCompletedRun(c.from, 'fine-tuning starts from a completed feature-extractor run');
  // The head fine-tuning starts from is checked now: a damaged file stops the job before any work, naming it.
  await checkRunFolder(c.from, source, RUN_FILES.head, ctx);
  // run.json records the config the source run trained with.
  const sc = source.config as Partial<FeatureExtractorConfig>;
  return {
    ...c, dataset: c.dataset ?? source.dataset, backbone: sc.backbone ?? source.backbone, cut: sc.cut,
    size: c.size ?? sc.size, resize: sc.resize ?? c.resize, maxPerClass: c.maxPerClass ?? sc.maxPerClass,
  };
}

export async function trainJob(config: TrainConfig, ctx: JobContext): Promise<TrainResult> {
  const { tf, info } = await startEngine(config.engine, ctx);
  const c = config.mode === 'fine-tune' ? await withSourceRun(config, ctx) : config;
  // train-dev is the learning curve's; training reads (and checks) only train and val.
  const data = await readTrainingData(c.dataset, c.maxPerClass, c.seed, ctx, ['train', 'val']);
  const backbone = await loadBackbone({
    source: c.backbone,
    cut: c.cut,
    cacheDir: c.modelCacheDir,
    signal: ctx.signal,
    onProgress: (p) =>
      ctx.emit({ type: 'progress', phase: 'download', done: p.bytesDone, total: p.bytesTotal ?? p.bytesDone }),
  });
  if (c.mode === 'fine-tune' && !backbone.canFineTune) {
    throw new BadInputError(
      `${backbone.id} is a graph model: it can extract features but cannot be fine-tuned.`,
      undefined,
      'Fine-tune a TF.js layers model instead, such as mobilenet_v2_0.35_224 from the zoo.',
    );
  }
  if (c.size !== undefined && backbone.fixedInputSize !== undefined && c.size !== backbone.fixedInputSize) {
    backbone.dispose();
    throw new BadInputError(
      `${backbone.id} takes ${backbone.fixedInputSize}×${backbone.fixedInputSize} images: its model ` +
        `file fixes the input size, so --size ${c.size} cannot go through it.`,
      undefined,
      `Leave --size out (or pass ${backbone.fixedInputSize}), or pick a backbone whose input size is not fixed.`,
    );
  }
  // Chosen before the run is created, so run.json's config records the block that really trained.
  const plan: TrainPlan = c.mode === 'fine-tune'
    ? { ...c, unfreezeFrom: c.unfreezeFrom ?? defaultUnfreezePoint(backbone, ctx) } : c;
  // Where this process puts threads and thumbnails is no setting of the run.
  const { workers, thumbnailDir, ...settings } = plan;
  // The cleaner's overrides it trains with are part of the run: evaluate measures the val split they made.
  const cleaned = data.cleaner.overrides.length ? { overrides: data.cleaner.overrides } : {};
  const run = await RunWriter.create(plan.runsDir, {
    mode: plan.mode, backbone: backbone.id, dataset: path.resolve(plan.dataset), classes: data.classes,
    engine: info.engine,
    config: { ...settings, size: plan.size ?? backbone.inputSize, cut: plan.cut ?? backbone.cut, ...cleaned },
  });
  try {
    const summary = await train(tf, info, plan, data, backbone, run, ctx, {
      thumbnailDir: thumbnailDirOf({ thumbnailDir }, run.dir), workers: workersSetting({ workers }),
    });
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
  tf: Tf, info: EngineInfo, c: TrainPlan, data: TrainingData, backbone: Backbone, run: RunWriter, ctx: JobContext,
  { thumbnailDir, workers }: { thumbnailDir: string | undefined; workers: number | 'auto' },
): Promise<TrainResult> {
  const seconds: Record<string, number> = {};
  // What gets cached: pooled features, or the activation at the fine-tuning boundary (splitting there sets which
  // layers the table below shows as trainable).
  const pooled = FeatureExtractor.open(backbone, {
    tf, engine: info.engine, workers, size: c.size, resize: c.resize, seed: c.seed, cacheDir: c.cacheDir, ctx,
    frozen: frozenSetting(c, true),
  });
  const fx = c.mode === 'fine-tune' ? pooled.atBoundary(c.unfreezeFrom) : pooled;
  const layers = backbone.layerTable();
  ctx.emit({ type: 'layers', layers, runDir: run.dir });
  await writeJsonAtomic(path.join(run.dir, RUN_FILES.layers), layers, run.writeContext);

  const t0 = performance.now();
  let trainF: FeatureMatrix, valF: FeatureMatrix;
  try {
    trainF = await fx.features(data.train, { variants: 1 + c.augment, phase: 'embedding train', batchSize: c.batch });
    valF = await fx.features(data.val, { phase: 'embedding val', batchSize: c.batch });
  } finally {
    // The workers' model copies are not needed for training.
    await fx.dispose();
  }
  seconds.embedding = (performance.now() - t0) / 1000;
  await run.setTiming('embedding', seconds.embedding);
  // Undefined when every vector came from the cache: then the saved model's val check below names it.
  let frozenEngine = fx.frozenEngine;
  if (frozenEngine) await run.setFrozenEngine(frozenEngine);
  // Images that did not decode are named and left out; a class left with none in a split stops the run here.
  const listed = data.train.length + data.val.length + data.skipped.length;
  const trainRows = decodedRows(data.classes, 'train', data.train, trainF, fx.failures, data.skipped);
  const valRows = decodedRows(data.classes, 'val', data.val, valF, fx.failures, data.skipped);

  const classes = data.classes.length;
  const head =
    c.mode === 'fine-tune'
      ? await tf.loadLayersModel(fileSystemLoader(path.join(c.from, RUN_FILES.head)))
      : buildHead(tf, {
          inputDim: backbone.featureDim,
          classes,
          seed: c.seed,
          kind: c.head,
          ...(c.dropout !== undefined ? { dropout: [c.dropout, c.dropout] as [number, number] } : {}),
        });
  const trainable = fx.trainableModel(head);
  const lr = c.lr ?? defaultLearningRate(c.mode);
  trainable.compile({
    optimizer: c.mode === 'fine-tune' ? tf.train.momentum(lr, 0.9) : adamOptimizer(tf, lr),
    loss: lossFor(classes), metrics: ['accuracy'],
  });
  const t1 = performance.now();
  const fit = await fitStage(tf, c, {
    model: trainable, classes, stage: c.mode, shape: fx.shape,
    train: { items: data.train, rows: trainRows, features: trainF },
    val: { items: data.val, rows: valRows, features: valF },
  }, run, ctx);
  seconds.training = (performance.now() - t1) / 1000;
  await run.setTiming('training', seconds.training);

  const t2 = performance.now();
  await head.save(fileSystemSaver(path.join(run.dir, RUN_FILES.head), run.writeContext));
  const full = fx.classifier(head);
  if (full) {
    const meta = {
      classes: data.classes, inputSize: fx.size, resize: c.resize, preprocessing: backbone.preprocessing,
      backbone: backbone.id, cut: backbone.cut,
    };
    const { predictions, engine: checkedOn } =
      await saveInferenceModel(tf, full, run, meta, data.val, c.batch, ctx, workers, frozenSetting(c));
    if (!frozenEngine && checkedOn) {
      frozenEngine = checkedOn;
      await run.setFrozenEngine(frozenEngine);
    }
    // Each tile gets every class's probability and a Grad-CAM of its class: only the grid's images are explained.
    const grid = await withGridHeatmaps(await withThumbnails(valGrid(predictions, data.classes), thumbnailDir),
      new Map(predictions.map((p) => [p.file, p.probabilities])), thumbnailDir,
      { tf, saved: { model: full, meta }, modelKey: run.id, frozen: frozenSetting(c), ctx });
    await emitAndSave(ctx, run.dir, 'predictions-val', {
      type: 'predictions', kind: 'val', runDir: run.dir, classes: data.classes,
      items: grid,
    });
  } else {
    // Graph backbones cannot be composed into a layers model; the head and the backbone reference are the model.
    await head.save(fileSystemSaver(run.modelDir, run.writeContext));
  }
  seconds.saving = (performance.now() - t2) / 1000;
  await run.setTiming('saving', seconds.saving);

  return {
    runId: run.id,
    dir: run.dir,
    status: 'completed',
    engine: info.engine,
    mode: c.mode,
    best: fit.best,
    seconds,
    classes: data.classes,
    counts: { train: classCounts(classes, data.train, trainRows), val: classCounts(classes, data.val, valRows) },
    skipped: data.skipped,
    warnings: runWarnings(data, listed, ctx),
    ...(c.mode === 'fine-tune' ? { unfreezeFrom: c.unfreezeFrom } : {}),
    cache: fx.counts,
    ...(frozenEngine ? { frozenEngine } : {}),
    ...(data.cleaner.overrides.length
      ? { cleaner: { excluded: data.cleaner.excluded.length, relabelled: data.cleaner.relabelled.length } } : {}),
  };
}
