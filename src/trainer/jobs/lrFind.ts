// The `lr-find` job: sweep the learning rate over about 100 mini-batches and suggest the steepest descent.
// On a new head (Adam, as the feature extractor trains) from cached features, or with --from RUN on that run's
// unfrozen top plus its head (SGD with momentum, as fine-tuning trains), from cached boundary activations; the
// latter writes lr-find.json into the run, where the fine-tune command finds it.
import type * as tfType from '@tensorflow/tfjs';
import * as path from 'node:path';
import type {
  FineTuneSweepConfig, HeadSweepConfig, LrFindConfig, LrFindResult,
} from '../../core/jobs/lrFind';
import type { FeatureExtractorConfig } from '../../core/jobs/train';
import { suggestLr, type LrSuggestion } from '../../core/lrSuggestion';
import { RUN_FILES } from '../../core/runFiles';
import type { RunRecord } from '../../core/runRecord';
import { blockAt, blocksOf } from '../../core/zooLadder';
import { writeJsonAtomic } from '../runtime/atomicFile';
import { startEngine, type Tf } from '../engine/engine';
import { FeatureExtractor } from '../features/featureExtractor';
import { embedDataset, loadGuidanceBackbone, toMatrix, type Matrix } from '../guidance/guidanceData';
import { newHead, rowsOf } from '../training/headFit';
import { labelTensor, lossFor } from '../model/headModel';
import { BadInputError, type JobContext } from '../runtime/jobContext';
import { fileSystemLoader } from '../model/modelFiles';
import { sweepLearningRate, type SweepResult } from '../training/lrSweep';
import type { Rows } from '../training/fitLoop';
import { readCompletedRun } from '../runs/runWriter';
import { readTrainingData } from '../features/trainingData';
import { frozenSetting, workersSetting } from '../forward/batchForward';

export async function lrFindJob(c: LrFindConfig, ctx: JobContext): Promise<LrFindResult> {
  const r = c.mode === 'fine-tune' ? await sweepFineTune(c, ctx) : await sweepHead(c, ctx);
  // The sweep stops at the first non-finite smoothed loss, except at its very first step; NaN is never a result.
  const bad = r.sweep.raw.findIndex((l, i) => !Number.isFinite(l) || !Number.isFinite(r.sweep.losses[i]));
  if (bad >= 0) {
    const at = r.sweep.lrs[bad];
    throw new BadInputError(`The loss was ${r.sweep.raw[bad]} at lr ${at}, step ${bad + 1} of the sweep.`, undefined,
      `Start the sweep lower, e.g. --start ${(at / 1000).toPrecision(1)}.`);
  }
  let s: LrSuggestion;
  try {
    s = suggestLr(r.sweep.lrs, r.sweep.losses);
  } catch (e) {
    throw new BadInputError(
      (e as Error).message,
      undefined,
      `Sweep a wider range, e.g. --start ${(c.start / 100).toPrecision(1)} --end ${(c.end * 10).toPrecision(1)}.`,
    );
  }
  ctx.emit({ type: 'lrFind', lrs: r.sweep.lrs, losses: r.sweep.losses, suggestion: s.suggestion });
  const file = c.mode === 'fine-tune' ? path.join(c.from, RUN_FILES.lrFind) : c.out;
  const result: LrFindResult = {
    ...s, mode: c.mode, optimizer: c.mode === 'fine-tune' ? 'momentum 0.9' : 'adam',
    ...(r.unfreezeFrom ? { unfreezeFrom: r.unfreezeFrom } : {}), ...(c.mode === 'fine-tune' ? { runDir: c.from } : {}),
    ...(file ? { file } : {}), ...r.sweep, images: r.images, engine: r.engine,
  };
  if (file) await writeJsonAtomic(file, { version: 1, createdAt: new Date().toISOString(), ...result });
  return result;
}

interface Swept { sweep: SweepResult; images: number; engine: string; unfreezeFrom?: string }

async function sweepHead(c: HeadSweepConfig, ctx: JobContext): Promise<Swept> {
  const e = await embedDataset(c, ctx, true);
  const { tf, train } = e;
  const classes = e.data.classes.length;
  const { model, optimizer } = newHead(tf, train.dim, classes, {
    kind: c.head,
    dropout: c.dropout,
    lr: c.start,
    seed: c.seed,
  });
  try {
    const sweep = await sweepLearningRate(tf, model, rowsIn(tf, train, [train.dim], classes), sweepOf(c), ctx);
    return { sweep, images: train.n, engine: e.info.engine };
  } finally {
    model.dispose();
    optimizer.dispose();
    e.backbone.dispose();
  }
}

/** The matrix's rows as the fit loop takes them, each reshaped to the model's input. */
function rowsIn(tf: Tf, m: Matrix, shape: number[], classes: number): Rows {
  return {
    n: m.n,
    batch: (rows) => ({
      x: tf.tidy(() => rowsOf(tf, m, rows).reshape([rows.length, ...shape])),
      y: labelTensor(tf, rows.map((r) => m.labels[r]), classes),
    }),
  };
}

function sweepOf(c: LrFindConfig) {
  return { batch: c.batch, sweep: { start: c.start, end: c.end, steps: c.steps }, seed: c.seed };
}

async function sourceRun(dir: string): Promise<RunRecord> {
  const run = await readCompletedRun(dir, 'the fine-tuning sweep starts from a completed feature-extractor run');
  if (run.mode !== 'feature-extractor') {
    throw new BadInputError(`The run at ${dir} is a ${run.mode} run; the fine-tuning sweep starts from a ` +
      'completed feature-extractor run.', path.join(dir, RUN_FILES.record));
  }
  return run;
}

async function sweepFineTune(c: FineTuneSweepConfig, ctx: JobContext): Promise<Swept> {
  const run = await sourceRun(c.from);
  // run.json records the config the source run trained with.
  const sc = run.config as Partial<FeatureExtractorConfig>;
  const { tf, info } = await startEngine(c.engine, ctx);
  const data = await readTrainingData(c.dataset ?? run.dataset, c.maxPerClass ?? sc.maxPerClass, c.seed, ctx,
    ['train']);
  const backbone = await loadGuidanceBackbone(sc.backbone ?? run.backbone, sc.cut, c.modelCacheDir, ctx);
  let head: tfType.LayersModel | undefined;
  try {
    if (!backbone.canFineTune)
      throw new BadInputError(
        `${backbone.id} is a graph model: it cannot be fine-tuned, so there is no top to sweep.`,
        run.backbone,
      );
    const unfreezeFrom = c.unfreezeFrom ?? blockAt(blocksOf(backbone.layerTable()), 1)!;
    // The run's image settings, so the sweep reads the activations fine-tuning will cache.
    const pooled = FeatureExtractor.open(backbone, {
      tf, engine: info.engine, workers: workersSetting(c), size: c.size ?? sc.size, resize: sc.resize ?? c.resize,
      seed: c.seed, cacheDir: c.cacheDir, ctx, frozen: frozenSetting(c, true),
    });
    let fx: FeatureExtractor;
    try {
      fx = pooled.atBoundary(unfreezeFrom);
    } catch (e) {
      throw new BadInputError((e as Error).message, path.join(c.from, RUN_FILES.layers));
    }
    const shape = fx.shape;
    let f;
    try {
      f = await fx.features(data.train, { phase: 'activations train', batchSize: c.batch });
    } finally {
      await fx.dispose();
    }
    const train = toMatrix(data.train, f);
    head = await tf.loadLayersModel(fileSystemLoader(path.join(c.from, RUN_FILES.head)));
    const model = fx.trainableModel(head);
    const optimizer = tf.train.momentum(c.start, 0.9);
    const classes = data.classes.length;
    model.compile({ optimizer, loss: lossFor(classes) });
    try {
      const sweep = await sweepLearningRate(tf, model, rowsIn(tf, train, shape, classes), sweepOf(c), ctx);
      return { sweep, images: train.n, engine: info.engine, unfreezeFrom };
    } finally {
      optimizer.dispose();
    }
  } finally {
    head?.dispose();
    backbone.dispose();
  }
}
