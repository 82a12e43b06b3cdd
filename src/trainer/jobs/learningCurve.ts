// The `learning-curve` job: train the head on nested, stratified, seeded subsets of the cached training features,
// R times per size, and stream train / dev / train-dev error as each size finishes; then diagnose the curve.
import * as path from 'node:path';
import { MANIFEST_FILE } from '../../core/datasetManifest';
import { diagnose, type CurvePointStats, type DiagnosisContext } from '../../core/guidance';
import type { LearningCurveConfig, LearningCurveResult } from '../../core/jobs/learningCurve';
import { curveSizes, epochsFor, errorStat, nestedSubsets, parseSizes } from '../../core/learningCurvePlan';
import { deriveSeed } from '../../core/seededRandom';
import { FAMILY_DEFAULTS, findZooEntry } from '../../core/zooCatalog';
import { blockAt, blocksOf, largerZooBackbone } from '../../core/zooLadder';
import { writeJsonAtomic } from '../runtime/atomicFile';
import type { Backbone } from '../model/backbone';
import { embedDataset, type EmbeddedDataset, type Matrix } from '../guidance/guidanceData';
import { errorRate, fitEpochs, newHead } from '../training/headFit';
import { BadInputError, throwIfCancelled, type JobContext } from '../runtime/jobContext';

export async function learningCurveJob(c: LearningCurveConfig, ctx: JobContext): Promise<LearningCurveResult> {
  const e = await embedDataset(c, ctx);
  try {
    const [t0, cpu0] = [performance.now(), process.cpuUsage()];
    const points = await runCurve(e, c, ctx);
    const cpu = process.cpuUsage(cpu0);
    const seconds = {
      embedding: e.seconds,
      curve: (performance.now() - t0) / 1000,
      curveCpu: (cpu.user + cpu.system) / 1e6,
    };
    const diagnosis = diagnose(points, c.desiredError, contextOf(e, c));
    ctx.emit({ type: 'guidance', ...diagnosis });
    const result: LearningCurveResult = {
      points,
      total: e.train.n,
      desiredError: c.desiredError,
      diagnosis,
      backbone: e.backbone.id,
      cut: e.backbone.cut,
      head: c.head,
      repeats: c.repeats,
      steps: c.steps,
      engine: e.info.engine,
      seconds,
      cache: e.cache,
    };
    if (c.out) await writeJsonAtomic(c.out, result);
    return result;
  } finally {
    e.backbone.dispose();
  }
}

function sizesOf(c: LearningCurveConfig, train: Matrix, classes: number, file: string): number[] {
  if (!c.sizes) return curveSizes(train.n, classes);
  try {
    return parseSizes(c.sizes, train.n, classes);
  } catch (err) {
    throw new BadInputError(`${(err as Error).message} (the training split of ${file} has ${train.n} images)`, file);
  }
}

async function runCurve(e: EmbeddedDataset, c: LearningCurveConfig, ctx: JobContext): Promise<CurvePointStats[]> {
  const { tf, train } = e;
  const classes = e.data.classes.length;
  const sizes = sizesOf(c, train, classes, path.join(c.dataset, MANIFEST_FILE));
  const labels = Array.from(train.labels);
  const subsets = Array.from({ length: c.repeats }, (_, r) =>
    nestedSubsets(labels, sizes, deriveSeed(c.seed, `curve-repeat-${r}`)),
  );
  const points: CurvePointStats[] = [];
  const total = sizes.length * c.repeats;
  const started = performance.now();
  for (let s = 0; s < sizes.length; s++) {
    const errors = { train: [] as number[], dev: [] as number[], trainDev: [] as number[] };
    for (let r = 0; r < c.repeats; r++) {
      throwIfCancelled(ctx);
      const rows = subsets[r][s];
      const seed = deriveSeed(c.seed, `curve-${r}-${sizes[s]}`) & 0x7fffffff;
      const { model, optimizer } = newHead(tf, train.dim, classes, {
        kind: c.head,
        dropout: c.dropout,
        lr: c.lr,
        seed,
      });
      try {
        await fitEpochs(tf, model, train, rows, classes, {
          epochs: epochsFor(rows.length, c.batch, c.steps),
          batch: c.batch,
          seed,
          signal: ctx.signal,
        });
        errors.train.push(errorRate(tf, model, train, rows));
        errors.dev.push(errorRate(tf, model, e.val!));
        if (e.trainDev) errors.trainDev.push(errorRate(tf, model, e.trainDev));
      } finally {
        model.dispose();
        optimizer.dispose();
      }
      const done = s * c.repeats + r + 1;
      const rate = done / ((performance.now() - started) / 1000);
      ctx.emit({ type: 'progress', phase: 'learning curve', done, total, etaSeconds: (total - done) / rate });
    }
    const point: CurvePointStats = {
      size: sizes[s],
      train: errorStat(errors.train),
      dev: errorStat(errors.dev),
      ...(e.trainDev ? { trainDev: errorStat(errors.trainDev) } : {}),
    };
    points.push(point);
    ctx.emit({ type: 'curvePoint', total: train.n, desiredError: c.desiredError, ...point });
  }
  return points;
}

function contextOf(e: EmbeddedDataset, c: LearningCurveConfig): DiagnosisContext {
  const b: Backbone = e.backbone;
  const defaultCut = findZooEntry(c.backbone)?.defaultCut
    ?? (b.family ? FAMILY_DEFAULTS[b.family].defaultCut : undefined);
  const m = e.data.manifest;
  return {
    dataset: path.resolve(c.dataset), backbone: c.backbone, cut: b.cut, defaultCut, head: c.head,
    fineTuneFrom: b.canFineTune ? blockAt(blocksOf(b.layerTable()), 1) : undefined,
    largerBackbone: largerZooBackbone(c.backbone)?.id,
    source: m.source, val: m.settings.val, seed: m.settings.seed,
  };
}
