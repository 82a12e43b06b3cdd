// The `lr-find` job: sweep the learning rate over about 100 mini-batches and suggest the steepest descent.
// On a new head (Adam, as the feature extractor trains) from cached features, or with --from RUN on that run's
// unfrozen top plus its head (SGD with momentum, as fine-tuning trains), from cached boundary activations; the
// latter writes lr-find.json into the run, where the fine-tune command finds it.
import type * as tfType from '@tensorflow/tfjs';
import * as path from 'node:path';
import { parseLrFindConfig, type LrFindConfig } from '../../core/guidanceConfig';
import { suggestLr, type LrSuggestion } from '../../core/lrSuggestion';
import type { RunRecord } from '../../core/runRecord';
import type { TrainConfig } from '../../core/trainConfig';
import { blockAt, blocksOf } from '../../core/zooLadder';
import { writeJsonAtomic } from '../runtime/atomicFile';
import { embeddingCacheFor } from '../features/embeddingCache';
import { startEngine, type Tf } from '../engine/engine';
import { cachedFeatures } from '../features/featureStage';
import { embedDataset, loadGuidanceBackbone, parseOrBadInput, toMatrix, type Matrix } from '../guidance/guidanceData';
import { newHead, rowsOf } from '../training/headFit';
import { labelTensor, lossFor } from '../model/headModel';
import { BadInputError, type JobContext } from '../runtime/jobContext';
import { fileSystemLoader } from '../model/modelFiles';
import { sweepLearningRate, type SweepResult } from '../training/lrSweep';
import { readCompletedRun } from '../runs/runWriter';
import { readTrainingData } from '../features/trainingData';
import { imageLoader } from '../training/trainStages';
import { backboneForward, workersSetting } from '../forward/batchForward';

export const LR_FIND_FILE = 'lr-find.json';

export interface LrFindResult extends LrSuggestion {
  mode: 'head' | 'fine-tune'; optimizer: string; unfreezeFrom?: string; runDir?: string; file?: string;
  lrs: number[]; losses: number[]; raw: number[]; images: number; engine: string;
}

export async function lrFindJob(config: Record<string, unknown>, ctx: JobContext): Promise<LrFindResult> {
  const c = parseOrBadInput(() => parseLrFindConfig(config, { cacheDir: path.resolve('.transfer-lab/cache') }));
  const r = c.from ? await sweepFineTune(c, ctx) : await sweepHead(c, ctx);
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
    throw new BadInputError((e as Error).message, undefined, `Sweep a wider range, e.g. --start ${(c.start / 100).toPrecision(1)} --end ${(c.end * 10).toPrecision(1)}.`);
  }
  ctx.emit({ type: 'lrFind', lrs: r.sweep.lrs, losses: r.sweep.losses, suggestion: s.suggestion });
  const file = c.from ? path.join(c.from, LR_FIND_FILE) : c.out;
  const result: LrFindResult = {
    ...s, mode: c.from ? 'fine-tune' : 'head', optimizer: c.from ? 'momentum 0.9' : 'adam', ...(r.unfreezeFrom ? { unfreezeFrom: r.unfreezeFrom } : {}),
    ...(c.from ? { runDir: c.from } : {}), ...(file ? { file } : {}), ...r.sweep, images: r.images, engine: r.engine,
  };
  if (file) await writeJsonAtomic(file, { version: 1, createdAt: new Date().toISOString(), ...result });
  return result;
}

interface Swept { sweep: SweepResult; images: number; engine: string; unfreezeFrom?: string }

async function sweepHead(c: LrFindConfig, ctx: JobContext): Promise<Swept> {
  const e = await embedDataset({ ...c, dataset: c.dataset!, backbone: c.backbone! }, ctx, true);
  const { tf, train } = e;
  const classes = e.data.classes.length;
  const { model, optimizer } = newHead(tf, train.dim, classes, { kind: c.head, dropout: c.dropout, lr: c.start, seed: c.seed });
  try {
    const sweep = await sweepLearningRate(tf, model, optimizer, train.n, c.batch, (rows) => batchOf(tf, train, rows, [train.dim], classes), c, c.seed, ctx);
    return { sweep, images: train.n, engine: e.info.engine };
  } finally {
    model.dispose();
    optimizer.dispose();
    e.backbone.dispose();
  }
}

function batchOf(tf: Tf, m: Matrix, rows: number[], shape: number[], classes: number) {
  const x = tf.tidy(() => rowsOf(tf, m, rows).reshape([rows.length, ...shape]));
  return { x, y: labelTensor(tf, rows.map((r) => m.labels[r]), classes) };
}

async function sourceRun(dir: string): Promise<RunRecord> {
  const run = await readCompletedRun(dir, 'the fine-tuning sweep starts from a completed feature-extractor run');
  if (run.mode !== 'feature-extractor') {
    throw new BadInputError(`The run at ${dir} is a ${run.mode} run; the fine-tuning sweep starts from a ` +
      'completed feature-extractor run.', path.join(dir, 'run.json'));
  }
  return run;
}

async function sweepFineTune(c: LrFindConfig, ctx: JobContext): Promise<Swept> {
  const run = await sourceRun(c.from!);
  const sc = run.config as Partial<TrainConfig>;
  const { tf, info } = await startEngine(c.engine, ctx);
  const data = await readTrainingData(c.dataset ?? run.dataset, c.maxPerClass ?? sc.maxPerClass, c.seed, ctx,
    ['train']);
  const backbone = await loadGuidanceBackbone(sc.backbone ?? run.backbone, sc.cut, c.modelCacheDir, ctx);
  let head: tfType.LayersModel | undefined;
  try {
    if (!backbone.canFineTune) throw new BadInputError(`${backbone.id} is a graph model: it cannot be fine-tuned, so there is no top to sweep.`, run.backbone);
    const unfreezeFrom = c.unfreezeFrom ?? blockAt(blocksOf(backbone.layerTable()), 1)!;
    let split;
    try {
      split = backbone.splitAt(unfreezeFrom);
    } catch (e) {
      throw new BadInputError((e as Error).message, path.join(c.from!, 'layers.json'));
    }
    const size = c.size ?? sc.size ?? backbone.inputSize;
    const resize = sc.resize ?? c.resize;
    const shape = split.boundaryShape;
    const dim = shape.reduce((a, b) => a * b, 1);
    const bottom = split.frozenBottom;
    const forward = backboneForward(tf, backbone, { size, engine: info.engine, workers: workersSetting({}), ctx },
      { unfreezeFrom, dim, run: (x: tfType.Tensor4D) => bottom.predict(x) as tfType.Tensor });
    let f;
    try {
      f = await cachedFeatures({ items: data.train, variants: 1, phase: 'activations train', batchSize: c.batch }, forward,
        embeddingCacheFor(c.cacheDir, backbone, split.boundaryLayer, { size, resize }, dim), imageLoader({ resize, seed: c.seed }, size, ctx), ctx);
    } finally {
      await forward.dispose();
    }
    const train = toMatrix(data.train, f);
    head = await tf.loadLayersModel(fileSystemLoader(path.join(c.from!, 'head')));
    const model = tf.model({ inputs: split.trainableTop.inputs, outputs: head.apply(split.trainableTop.outputs[0]) as tfType.SymbolicTensor });
    const optimizer = tf.train.momentum(c.start, 0.9);
    const classes = data.classes.length;
    model.compile({ optimizer, loss: lossFor(classes) });
    try {
      const sweep = await sweepLearningRate(tf, model, optimizer, train.n, c.batch, (rows) => batchOf(tf, train, rows, shape, classes), c, c.seed, ctx);
      return { sweep, images: train.n, engine: info.engine, unfreezeFrom };
    } finally {
      optimizer.dispose();
    }
  } finally {
    head?.dispose();
    backbone.dispose();
  }
}
