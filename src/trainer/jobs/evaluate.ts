// The `evaluate` job: runs a completed run's saved model over the prepared dataset's val split, un-augmented,
// and writes the metrics and the most confidently wrong images to <run>/evaluation.json.
import * as path from 'node:path';
import type { EvaluateConfig, EvaluateResult } from '../../core/jobs/evaluate';
import { argmax, classificationReport } from '../../core/metrics';
import { valGrid } from '../../core/predictionGrid';
import { RUN_FILES } from '../../core/runFiles';
import { writeJsonAtomic } from '../runtime/atomicFile';
import { emitAndSave, withThumbnails } from '../runs/dashboardFiles';
import { startEngine } from '../engine/engine';
import { log, type JobContext } from '../runtime/jobContext';
import { frozenSetting, workersSetting } from '../forward/batchForward';
import { BadInputError, loadSavedModel, predictFiles } from '../forward/savedModel';
import { isModelFile, loadModelFile } from '../forward/modelFile';
import { thumbnailDirOf } from '../images/thumbnails';
import { readTrainingData } from '../features/trainingData';
import { withGridHeatmaps, type GridModel } from '../explain/gridHeatmaps';
import { overrideList } from '../../core/datasetOverrides';

const LOG_LOSS_EPS = 1e-15;

/** NaN is never a metric: a model that outputs it is broken, and the file it did so on is named. */
function requireFinite(probabilities: Float32Array[], files: string[], runDir: string): void {
  const i = probabilities.findIndex((p) => p.some((v) => !Number.isFinite(v)));
  if (i < 0) return;
  const given = Array.from(probabilities[i]).join(', ');
  throw new BadInputError(`The saved model in ${runDir} gives ${given} for ${files[i]}: a probability that is not a ` +
    'number, so no metric can be computed.', path.join(runDir, RUN_FILES.model),
  'Its weights are damaged or the run diverged: train again.');
}

export async function evaluateJob(config: EvaluateConfig, ctx: JobContext): Promise<EvaluateResult> {
  const runDir = path.resolve(config.runDir);
  const topN = config.topLosses;
  const batchSize = config.batch;
  const t0 = performance.now();
  const { tf, info } = await startEngine(config.engine, ctx);
  // A model file (Keras .h5/.keras, TF.js model.json) in place of a run: measured on the prepared dataset named by
  // `dataset`, matching classes by name; nothing is written beside the user's file, the result is returned.
  const modelFile = await isModelFile(runDir);
  if (modelFile && !config.dataset) {
    throw new BadInputError(`${runDir} is a model file: say which prepared dataset to evaluate it on.`, runDir,
      'Pass --dataset <prepared folder> (the folder holding dataset.json).');
  }
  const saved = modelFile
    ? { ...(await loadModelFile(tf, runDir, ctx, config.preprocessing)), run: undefined }
    : await loadSavedModel(tf, runDir, ctx);
  try {
    const rc = saved.run?.config ?? {};
    const datasetDir = saved.run?.dataset ?? path.resolve(config.dataset!);
    // The same seeded cap the run trained with, so this is the val set its val_acc was measured on.
    // Only val is read, so only val is checked against dataset.json. A run is measured with the cleaner's overrides
    // it trained with (none for a run from before them), not dataset.json's now; a model file with dataset.json's.
    const data = await readTrainingData(
      datasetDir,
      typeof rc.maxPerClass === 'number' ? rc.maxPerClass : undefined,
      typeof rc.seed === 'number' ? rc.seed : undefined,
      ctx,
      ['val'],
      saved.run ? overrideList(rc.overrides) ?? [] : undefined,
    );
    const classes = saved.meta.classes;
    // A run must predict its dataset's classes in its order; a model file may list them in its own order.
    const sameOrder = data.classes.join('\u0000') === classes.join('\u0000');
    const sameSet = data.classes.length === classes.length && data.classes.every((c) => classes.includes(c));
    if (saved.run ? !sameOrder : !sameSet) {
      throw new BadInputError(
        `The dataset at ${datasetDir} has classes [${data.classes.join(', ')}], but the model predicts [${classes.join(', ')}].`,
        datasetDir,
        saved.run ? 'Evaluate on the dataset the run was trained on.' : 'Evaluate on a dataset with the model\'s classes.',
      );
    }
    const labelOf = new Map(data.val.map((i) => [i.file, classes.indexOf(data.classes[i.label])]));
    const files = data.val.map((i) => i.file);
    const truth: number[] = [], probabilities: Float32Array[] = [], predictedFiles: string[] = [];
    const skipped: { file: string; reason: string }[] = [...data.skipped];
    for await (const b of predictFiles(tf, saved, files, batchSize, ctx, workersSetting(config), frozenSetting(config), config.tta)) {
      b.files.forEach((f, i) => {
        predictedFiles.push(f);
        truth.push(labelOf.get(f)!);
        probabilities.push(b.probabilities[i]);
      });
      for (const s of b.skipped) {
        skipped.push({ file: s.file, reason: s.reason });
        log(ctx, s.message, 'warn');
      }
      ctx.emit({ type: 'progress', phase: 'evaluate val', done: b.done, total: files.length });
    }
    if (!truth.length)
      throw new BadInputError(`None of the ${files.length} val images could be decoded.`, datasetDir);
    requireFinite(probabilities, predictedFiles, runDir);

    const report = classificationReport(truth, probabilities, classes, { eps: LOG_LOSS_EPS });
    const predictions = predictedFiles.map((file, i) => {
      const p = argmax(probabilities[i]);
      return { file, truth: classes[truth[i]], predicted: classes[p], probabilities: Array.from(probabilities[i]) };
    });
    const topLosses = predictions
      .map((x, i) => ({ x, i, confidence: probabilities[i][argmax(probabilities[i])] }))
      .filter(({ x }) => x.truth !== x.predicted)
      .sort((a, b) => b.confidence - a.confidence || (a.x.file < b.x.file ? -1 : 1))
      .slice(0, topN)
      .map(({ x, i, confidence }) => ({
        file: x.file, truth: x.truth, predicted: x.predicted, probability: confidence,
        loss: -Math.log(Math.max(probabilities[i][truth[i]], LOG_LOSS_EPS)),
      }));
    const summary: EvaluateResult = {
      runId: saved.run?.id ?? path.basename(runDir), runDir, split: 'val', classes, ...report, topLosses, skipped,
      warnings: data.warnings, ...(saved.run?.best ? { runValAcc: saved.run.best.valAcc } : {}),
      ...(config.tta !== 'none' ? { tta: config.tta } : {}),
      seconds: (performance.now() - t0) / 1000,
    };
    if (modelFile) {
      ctx.emit({ type: 'evaluation', runDir, classes, count: summary.count, accuracy: summary.accuracy,
        logLoss: summary.logLoss, ...(summary.auc !== undefined ? { auc: summary.auc } : {}),
        confusion: summary.confusion, perClass: summary.perClass, topLosses });
      return summary;
    }
    await writeJsonAtomic(path.join(runDir, RUN_FILES.evaluation), {
      ...summary,
      evaluatedAt: new Date().toISOString(),
      engine: info.engine,
      logLossEps: LOG_LOSS_EPS,
      model: saved.meta,
      predictions,
    });
    const thumbs = thumbnailDirOf(config, runDir);
    // Tiles carry every class's probability and a Grad-CAM of the class they show (the heatmaps of the un-augmented
    // image, whatever the TTA).
    const probabilitiesOf = new Map(predictedFiles.map((f, i) => [f, probabilities[i]]));
    const gridModel: GridModel = { tf, saved, modelKey: saved.run?.id ?? runDir, frozen: frozenSetting(config), ctx };
    await emitAndSave(ctx, runDir, 'predictions-val', {
      type: 'predictions',
      kind: 'val',
      runDir,
      classes,
      items: await withGridHeatmaps(await withThumbnails(valGrid(predictions, classes), thumbs), probabilitiesOf, thumbs,
        gridModel),
    });
    await emitAndSave(ctx, runDir, 'evaluation', {
      type: 'evaluation',
      runDir,
      classes,
      count: summary.count,
      accuracy: summary.accuracy,
      logLoss: summary.logLoss,
      ...(summary.auc !== undefined ? { auc: summary.auc } : {}),
      confusion: summary.confusion,
      perClass: summary.perClass,
      topLosses: await withGridHeatmaps(await withThumbnails(topLosses, thumbs), probabilitiesOf, thumbs, gridModel),
    });
    return summary;
  } finally {
    saved.model.dispose();
  }
}
