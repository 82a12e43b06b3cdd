// A completed run's saved inference model (model/: image → probabilities, with its classes and preprocessing in
// the metadata) and a streamed forward pass over image files. Evaluate and predict both go through here, so they
// decode and preprocess exactly as saveInferenceModel() did when it recorded val-predictions.json.
import type * as tfType from '@tensorflow/tfjs';
import * as path from 'node:path';
import type { RunRecord } from '../core/runRecord';
import type { Preprocessing } from '../core/zooCatalog';
import type { Tf } from './engine';
import { probabilitiesOf } from './headModel';
import { decodeBatches, toBatchTensor, type ImageDecodeError, type ResizeMode } from './imagePipeline';
import { BadInputError, throwIfCancelled, type JobContext } from './jobContext';
import { fileSystemLoader, modelJsonPath, readModelJson } from './modelFiles';
import { readRun } from './runWriter';

export { BadInputError };

export interface SavedModelMeta { classes: string[]; inputSize: number; resize: ResizeMode; preprocessing: Preprocessing; backbone?: string; cut?: string }

export interface SavedModel { dir: string; run: RunRecord; meta: SavedModelMeta; model: tfType.LayersModel }

export async function loadSavedModel(tf: Tf, runDir: string): Promise<SavedModel> {
  let run: RunRecord;
  try {
    run = await readRun(runDir);
  } catch (e) {
    throw new BadInputError(`No readable run at ${runDir}: ${(e as Error).message}`, path.join(runDir, 'run.json'),
      'Pass a run folder, e.g. .transfer-lab/runs/<id>; `transfer-lab runs` lists them.');
  }
  if (run.status !== 'completed') throw new BadInputError(`Run ${run.id} is ${run.status}; only a completed run has a saved model.`, path.join(runDir, 'run.json'));
  const jsonPath = modelJsonPath(path.join(runDir, 'model'));
  const meta = (await readModelJson(jsonPath)).userDefinedMetadata as Partial<SavedModelMeta> | undefined;
  // Runs on graph backbones save only the head in model/ (no metadata): there is no image → probabilities model to run.
  if (!meta || !Array.isArray(meta.classes) || typeof meta.inputSize !== 'number' || typeof meta.preprocessing !== 'string') {
    throw new BadInputError(`${jsonPath} is not a full image classifier (no classes, input size and preprocessing in its metadata).`, jsonPath,
      'Runs on graph-model backbones save only the head; train on a layers backbone to evaluate or predict.');
  }
  const model = await tf.loadLayersModel(fileSystemLoader(jsonPath));
  return { dir: runDir, run, meta: { ...meta, resize: meta.resize ?? 'cover' } as SavedModelMeta, model };
}

export interface PredictedBatch {
  files: string[];
  /** probabilities[i] belongs to files[i], one value per class. */
  probabilities: Float32Array[];
  skipped: ImageDecodeError[];
  /** Files handled so far, including this batch (decoded or not). */
  done: number;
}

/**
 * Decodes and predicts `files` in order, a batch at a time; decoding the next batches overlaps the forward pass,
 * and at most a few batches of pixels exist at once however many files there are.
 */
export async function* predictFiles(tf: Tf, saved: Pick<SavedModel, 'model' | 'meta'>, files: readonly string[], batchSize: number, ctx: JobContext): AsyncGenerator<PredictedBatch> {
  const { inputSize: size, resize, preprocessing, classes } = saved.meta;
  for await (const batch of decodeBatches(files, { size, resize, batchSize, signal: ctx.signal })) {
    throwIfCancelled(ctx);
    let probabilities: Float32Array[] = [];
    if (batch.images.length) {
      const out = tf.tidy(() => saved.model.predict(toBatchTensor(tf, batch.images, size, preprocessing)) as tfType.Tensor);
      probabilities = probabilitiesOf(out, classes.length);
      out.dispose();
    }
    yield { files: batch.files, probabilities, skipped: batch.skipped, done: Math.min(batch.start + batchSize, files.length) };
  }
  throwIfCancelled(ctx);
}
