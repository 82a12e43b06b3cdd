// A prepared dataset as cached backbone features, dense and ready for many quick head fits: what the learning
// curve and the LR finder train on. The cache folders are the train job's, so a later training reuses them.
import { deriveSeed } from '../../core/seededRandom';
import type { EmbeddingSettings } from '../../core/jobs/fields';
import { loadBackbone, type Backbone } from '../model/backbone';
import { frozenSetting, workersSetting } from '../forward/batchForward';
import { startEngine, type EngineInfo, type Tf } from '../engine/engine';
import { FeatureExtractor } from '../features/featureExtractor';
import { readRows, type FeatureMatrix, type Matrix } from '../features/featureStage';

export type { Matrix };
import { BadInputError, type JobContext } from '../runtime/jobContext';
import { capPerClass, readTrainingData, type LabelledImage, type TrainingData } from '../features/trainingData';
import { decodedRows, usableRows } from '../training/trainStages';


/** What to embed: the guidance jobs' configs (src/core/jobs), whose `workers` the forward passes use. */
export type EmbedOptions = EmbeddingSettings & { dataset: string; backbone: string };

export interface EmbeddedDataset {
  tf: Tf; info: EngineInfo; data: TrainingData; backbone: Backbone; size: number;
  train: Matrix; val?: Matrix; trainDev?: Matrix;
  cache: { computed: number; fromCache: number }; seconds: number;
}

export async function loadGuidanceBackbone(
  source: string,
  cut: string | undefined,
  modelCacheDir: string | undefined,
  ctx: JobContext,
): Promise<Backbone> {
  try {
    return await loadBackbone({
      source,
      cut,
      cacheDir: modelCacheDir,
      signal: ctx.signal,
      onProgress: (p) =>
        ctx.emit({ type: 'progress', phase: 'download', done: p.bytesDone, total: p.bytesTotal ?? p.bytesDone }),
    });
  } catch (e) {
    const message = (e as Error).message;
    if (/unknown backbone|has no layer|no TF\.js model/.test(message)) throw new BadInputError(message, source);
    throw e;
  }
}

export function toMatrix(items: LabelledImage[], f: FeatureMatrix): Matrix {
  const rows = usableRows(items, f);
  const x = readRows(f, () => 0, rows);
  return { x, labels: Int32Array.from(rows.map((i) => items[i].label)), n: rows.length, dim: f.dim };
}

/** Embeds train, and val and train-dev unless `trainOnly`; un-augmented (variant 0) only. */
export async function embedDataset(o: EmbedOptions, ctx: JobContext, trainOnly = false): Promise<EmbeddedDataset> {
  const { tf, info } = await startEngine(o.engine, ctx);
  // The cap thins training only: dev and train-dev stay whole, so every point is judged on the same images.
  const data = await readTrainingData(o.dataset, undefined, o.seed, ctx, trainOnly ? ['train'] : undefined);
  if (o.maxPerClass)
    data.train = capPerClass(data.train, data.classes.length, o.maxPerClass, deriveSeed(o.seed, 'cap-train'));
  const backbone = await loadGuidanceBackbone(o.backbone, o.cut, o.modelCacheDir, ctx);
  try {
    const fx = FeatureExtractor.open(backbone, {
      tf, engine: info.engine, workers: workersSetting({ workers: o.workers }), size: o.size, resize: o.resize,
      seed: o.seed, cacheDir: o.cacheDir, ctx, frozen: frozenSetting(o, true),
    });
    const t0 = performance.now();
    const embed = async (items: LabelledImage[], split: string) => {
      if (!items.length) return undefined;
      const f = await fx.features(items, { phase: `embedding ${split}`, batchSize: o.batch });
      // Undecodable images are named in the log; a class left with none fails here rather than skewing the curve.
      decodedRows(data.classes, split, items, f, fx.failures, data.skipped);
      return toMatrix(items, f);
    };
    let train, val, trainDev;
    try {
      train = (await embed(data.train, 'train'))!;
      val = trainOnly ? undefined : await embed(data.val, 'val');
      trainDev = trainOnly ? undefined : await embed(data.trainDev, 'train-dev');
    } finally {
      await fx.dispose();
    }
    const { computed, fromCache } = fx.counts;
    return {
      tf, info, data, backbone, size: fx.size, train, val, trainDev, cache: { computed, fromCache },
      seconds: (performance.now() - t0) / 1000,
    };
  } catch (e) {
    backbone.dispose();
    throw e;
  }
}
