// Pieces both training modes share: the rows that decoded, per-epoch variant choice, the head fit with
// events and checkpoints, and saving the full inference model with the probabilities it gives on val.
import type * as tfType from '@tensorflow/tfjs';
import * as path from 'node:path';
import { deriveSeed, mulberry32 } from '../../core/seededRandom';
import { balancedClassWeights, type TrainConfig } from '../../core/jobs/train';
import { RUN_FILES } from '../../core/runFiles';
import { topBlock } from '../../core/zooLadder';
import type { Backbone } from '../model/backbone';
import type { Tf } from '../engine/engine';
import type { FeatureMatrix } from '../features/featureStage';
import { rowsTensor } from '../features/featureStage';
import { labelTensor } from '../model/headModel';
import { BadInputError, type JobContext } from '../runtime/jobContext';
import { log } from '../runtime/jobContext';
import { fileSystemSaver, modelJsonPath } from '../model/modelFiles';
import { predictFiles, type SavedModelMeta } from '../forward/savedModel';
import type { FrozenSetting } from '../forward/batchForward';
import { writeJsonAtomic } from '../runtime/atomicFile';
import type { RunWriter } from '../runs/runWriter';
import { Cancel } from './callbacks/cancel';
import { Checkpoint } from './callbacks/checkpoint';
import { EpochDivergenceGuard } from './callbacks/divergenceGuard';
import { EarlyStopping } from './callbacks/earlyStopping';
import { EpochEvents } from './callbacks/epochEvents';
import { fitModel, type EpochLogs, type Rows } from './fitLoop';
import { requireEveryClass, type LabelledImage, type SkippedFile, type TrainingData } from '../features/trainingData';

/**
 * The rows of `items` that decoded. Each image that did not goes into `skipped` with its reason; a class left with
 * no image in this split fails the job, naming the split and the class.
 */
export function decodedRows(
  classes: readonly string[], split: string, items: LabelledImage[], f: FeatureMatrix,
  failures: ReadonlyMap<string, string>, skipped: SkippedFile[],
): number[] {
  const rows = usableRows(items, f);
  for (const i of [...f.failed].sort((a, b) => a - b)) {
    skipped.push({ file: items[i].file, reason: failures.get(items[i].file) ?? 'cannot decode' });
  }
  requireEveryClass(classes, split, items, rows.map((i) => items[i]), skipped);
  return rows;
}

/** Images per class among `rows` of `items`: what the run really trained or validated on. */
export function classCounts(classes: number, items: readonly LabelledImage[], rows: readonly number[]): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const i of rows) counts[items[i].label]++;
  return counts;
}

/**
 * The result's warnings: the dataset's own (a class without validation images) and, when images were left out,
 * one line that says how many and names the first few, so a smaller run never passes for the whole dataset.
 */
export function runWarnings(data: TrainingData, listed: number, ctx: JobContext): string[] {
  const out = [...data.warnings];
  if (data.skipped.length) {
    const named = data.skipped.slice(0, 3).map((s) => `${s.file} (${s.reason})`).join('; ');
    const more = data.skipped.length > 3 ? `; and ${data.skipped.length - 3} more` : '';
    const line = `left out ${data.skipped.length} of the ${listed} images dataset.json lists: ${named}${more}`;
    log(ctx, line, 'warn');
    out.push(line);
  }
  return out;
}

/**
 * Fine-tuning without an unfreeze point starts from the backbone's top block: the same choice `lr-find --from` and
 * the learning curve's advice make, so a rate the LR finder suggested applies as it was measured.
 */
export function defaultUnfreezePoint(backbone: Backbone, ctx: JobContext): string {
  const block = topBlock(backbone.layerTable());
  if (!block) {
    throw new BadInputError(`${backbone.id} has no blocks to choose an unfreeze point from.`, undefined,
      'Name one: --unfreeze-from LAYER (the layer table lists them).');
  }
  log(ctx, `unfreezing from ${block}, the top block of ${backbone.id} ` +
    '(--unfreeze-from chooses another block or layer)');
  return block;
}

/** Rows usable for training: drop images that failed to decode. */
export function usableRows(items: LabelledImage[], ...matrices: FeatureMatrix[]): number[] {
  const failed = new Set(matrices.flatMap((m) => [...m.failed]));
  return items.map((_, i) => i).filter((i) => !failed.has(i));
}

export interface HeadFitInput {
  model: tfType.LayersModel;
  train: { items: LabelledImage[]; rows: number[]; features: FeatureMatrix };
  val: { items: LabelledImage[]; rows: number[]; features: FeatureMatrix };
  shape: number[];
  classes: number;
  stage: string;
}

export interface FitResult { history: EpochLogs[]; best: EpochLogs; stoppedEarly: boolean }

/**
 * The feature extractor's and fine-tuning's fit: early stopping that restores the best epoch, each epoch as an
 * event and in run.json, the best epoch in checkpoint/, NaN as an error, cancel at the next batch.
 */
export async function fitStage(
  tf: Tf, c: TrainConfig, input: HeadFitInput, run: RunWriter, ctx: JobContext,
): Promise<FitResult> {
  const { train, val, shape, classes } = input;
  const variants = train.features.halves.length;
  const trainLabels = train.rows.map((i) => train.items[i].label);
  const valLabels = val.rows.map((i) => val.items[i].label);
  const validation: Rows = {
    n: val.rows.length,
    batch: (positions) => ({
      x: rowsTensor(tf, val.features, () => 0, positions.map((p) => val.rows[p]), shape),
      y: labelTensor(tf, positions.map((p) => valLabels[p]), classes),
    }),
  };
  const trainRows = (epoch: number): Rows => {
    // Each epoch sees one seeded variant per image: the original or one of the cached augmentations.
    const random = mulberry32(deriveSeed(c.seed, `variant-${input.stage}-${epoch}`));
    const choice = train.rows.map(() => Math.floor(random() * variants));
    return {
      n: train.rows.length,
      batch: (positions) => ({
        x: rowsTensor(tf, train.features, (_, k) => choice[positions[k]], positions.map((p) => train.rows[p]), shape),
        y: labelTensor(tf, positions.map((p) => trainLabels[p]), classes),
      }),
    };
  };
  const early = new EarlyStopping(tf, { monitor: c.monitor, patience: c.patience });
  const { epochs } = await fitModel(tf, input.model, {
    train: trainRows, validation, epochs: c.epochs, batchSize: c.batch, seed: c.seed,
    classWeights: c.classWeights === 'balanced' ? balancedClassWeights(trainLabels, classes) : undefined,
    // The guard comes first: a NaN epoch must never reach run.json or checkpoint/.
    callbacks: [
      new Cancel(ctx.signal), new EpochDivergenceGuard(), early,
      new EpochEvents({ ctx, run, stage: input.stage, monitor: c.monitor }), new Checkpoint(run, c.monitor),
    ],
  });
  return { history: epochs, best: early.best, stoppedEarly: epochs.length < c.epochs };
}

export interface ValPrediction { file: string; truth: string; probabilities: number[] }

/**
 * Saves image → probabilities as one layers model, then predicts val with exactly that model, so what the run
 * reports is what a fresh process will reproduce from the saved files.
 */
export async function saveInferenceModel(
  tf: Tf, full: tfType.LayersModel, run: RunWriter, meta: SavedModelMeta, val: LabelledImage[], batch: number,
  ctx: JobContext,
  workers: number | 'auto',
  frozen: FrozenSetting,
): Promise<{ predictions: ValPrediction[]; engine?: string }> {
  full.setUserDefinedMetadata({ ...meta });
  await full.save(fileSystemSaver(run.modelDir, run.writeContext));
  // The same decode-and-predict path evaluate and predict use on the saved model.
  const truthOf = new Map(val.map((item) => [item.file, meta.classes[item.label]]));
  const predictions: ValPrediction[] = [];
  let engine: string | undefined;
  const saved = { model: full, meta, jsonPath: modelJsonPath(run.modelDir) };
  for await (const b of predictFiles(tf, saved, val.map((v) => v.file), batch, ctx, workers, frozen)) {
    engine = b.engine ?? engine;
    b.files.forEach((file, k) => predictions.push({
      file, truth: truthOf.get(file)!, probabilities: Array.from(b.probabilities[k]),
    }));
  }
  await writeJsonAtomic(path.join(run.dir, RUN_FILES.valPredictions), predictions, run.writeContext);
  return { predictions, ...(engine ? { engine } : {}) };
}
