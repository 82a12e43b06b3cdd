// A completed run's saved inference model (model/: image → probabilities, with its classes and preprocessing in
// the metadata) and a streamed forward pass over image files. Evaluate and predict both go through here, so they
// decode and preprocess exactly as saveInferenceModel() did when it recorded val-predictions.json.
import type * as tfType from '@tensorflow/tfjs';
import * as path from 'node:path';
import { RUN_FILES } from '../../core/runFiles';
import type { RunRecord, SavedModelMeta } from '../../core/runRecord';
import type { EngineName } from '../../core/engineChoice';
import { inThreadForward, openBatchForward, type BatchForward, type FrozenSetting } from './batchForward';
import type { Tf } from '../engine/engine';
import { decodeBatches, type ImageDecodeError } from '../images/imagePipeline';
import { BadInputError, log, throwIfCancelled, type JobContext } from '../runtime/jobContext';
import { modelJsonPath, readModelArtifacts } from '../model/modelFiles';
import { readCompletedRun } from '../runs/runWriter';
import { averageViews, expandViews, ttaViews, type TtaMode } from '../../core/testTimeAugmentation';

export { BadInputError };

export type { SavedModelMeta };

export interface SavedModel {
  dir: string; run: RunRecord; meta: SavedModelMeta; model: tfType.LayersModel;
  /** Its model.json, from which forward workers load their copies. */
  jsonPath?: string;
}

/**
 * Loads a completed run's model/. Its files are checked against the checksums run.json recorded (see modelFiles);
 * a run saved before those were recorded still loads, with a warning on `ctx` that it could not be verified.
 */
export async function loadSavedModel(tf: Tf, runDir: string, ctx?: JobContext): Promise<SavedModel> {
  const run = await readCompletedRun(runDir, 'only a completed run has a saved model');
  const jsonPath = modelJsonPath(path.join(runDir, RUN_FILES.model));
  if (!run.files && ctx) warnUnverified(ctx, runDir);
  // Read and checked once, before anything in it is believed, the metadata included.
  const artifacts = await readModelArtifacts(jsonPath);
  const meta = artifacts.userDefinedMetadata as Partial<SavedModelMeta> | undefined;
  // Runs on graph backbones save only the head in model/ (no metadata): there is no image → probabilities model to run.
  if (
    !meta ||
    !Array.isArray(meta.classes) ||
    typeof meta.inputSize !== 'number' ||
    typeof meta.preprocessing !== 'string'
  ) {
    throw new BadInputError(
      `${jsonPath} is not a full image classifier (no classes, input size and preprocessing in its metadata).`,
      jsonPath,
      'Runs on graph-model backbones save only the head; train on a layers backbone to evaluate or predict.',
    );
  }
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  return { dir: runDir, run, meta: { ...meta, resize: meta.resize ?? 'cover' } as SavedModelMeta, model, jsonPath };
}

/**
 * Reads and checks one model folder of a completed run (head/, say) before a job builds on it, so a damaged file
 * stops the job before any work, naming the file; warns when the run has no checksums to check against.
 */
export async function checkRunFolder(runDir: string, run: RunRecord, folder: string, ctx: JobContext): Promise<void> {
  await readModelArtifacts(path.join(runDir, folder));
  if (!run.files) warnUnverified(ctx, runDir);
}

/** For a run saved by a version that did not record checksums: it loads, but nothing proves its files intact. */
export function warnUnverified(ctx: JobContext, runDir: string): void {
  log(ctx, `${runDir} was saved without checksums (by an older version), so its model files could not be verified; ` +
    'if its results look wrong, train it again.', 'warn');
}

export interface PredictedBatch {
  files: string[];
  /** probabilities[i] belongs to files[i], one value per class. */
  probabilities: Float32Array[];
  skipped: ImageDecodeError[];
  /** Files handled so far, including this batch (decoded or not). */
  done: number;
  /** The frozen-pass engine that computed it ('onnxruntime-cpu', 'tfjs'…), once known. */
  engine?: string;
}

/** The engine a worker should load to match this thread's tfjs backend. */
export function engineOf(tf: Tf): EngineName {
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu' ? backend : 'tfjs-node';
}

/** Image → model output rows, on forward workers when `jsonPath` is known and they help. */
export function classifierForward(
  tf: Tf,
  saved: Pick<SavedModel, 'model' | 'meta' | 'jsonPath'>,
  workers: number | 'auto',
  ctx: JobContext,
  frozen?: FrozenSetting,
): BatchForward {
  const { inputSize: size, preprocessing } = saved.meta;
  const dim = saved.model.outputs[0].shape.at(-1) as number;
  return openBatchForward({
    tf,
    // The whole classifier is frozen here: it converts in ~40 ms, so it is not worth a cache entry per run.
    ...(frozen ? { onnx: { preference: frozen.preference, model: () => saved.model, size, preprocessing } } : {}),
    engine: engineOf(tf),
    workers,
    ctx,
    spec: saved.jsonPath ? { kind: 'classifier', modelJson: saved.jsonPath, size, preprocessing } : undefined,
    inThread: () => inThreadForward(tf, dim, size, preprocessing, (x) => saved.model.predict(x) as tfType.Tensor),
  });
}

/**
 * Decodes and predicts `files` in order, a batch at a time; decoding the next batches overlaps the forward passes
 * (one batch per forward thread in flight), and at most a few batches of pixels exist at once however many files
 * there are. With `tta`, each image's views go through the same pass, `batchSize` views per call, and its
 * probabilities are their mean.
 */
export async function* predictFiles(
  tf: Tf,
  saved: Pick<SavedModel, 'model' | 'meta' | 'jsonPath'>,
  files: readonly string[],
  batchSize: number,
  ctx: JobContext,
  workers: number | 'auto',
  frozen?: FrozenSetting,
  tta: TtaMode = 'none',
): AsyncGenerator<PredictedBatch> {
  const { inputSize: size, resize, classes } = saved.meta;
  const forward = classifierForward(tf, saved, workers, ctx, frozen);
  const views = ttaViews(tta);
  const pending: Promise<PredictedBatch>[] = [];
  try {
    for await (const batch of decodeBatches(files, { size, resize, batchSize, signal: ctx.signal })) {
      throwIfCancelled(ctx);
      const done = Math.min(batch.start + batchSize, files.length);
      const images = views.length === 1 ? batch.images : expandViews(batch.images, size, views);
      const predicted = runInParts(forward, images, batchSize).then((out) => {
        const files = views.length === 1 ? batch.files : batch.files.flatMap((f) => views.map(() => f));
        checkFinite(out, files, saved.jsonPath);
        const rows = rowsOf(out, files.length, classes.length);
        const probabilities = views.length === 1 ? rows : averageViews(rows, views.length);
        return { files: batch.files, probabilities, skipped: batch.skipped, done, engine: forward.engine };
      });
      predicted.catch(() => undefined); // awaited below, in order; this only keeps a later failure from counting as unhandled
      pending.push(predicted);
      while (pending.length > forward.threads) yield await pending.shift()!;
    }
    while (pending.length) yield await pending.shift()!;
  } finally {
    await forward.dispose();
  }
  throwIfCancelled(ctx);
}

/**
 * The images `per` at a time: one call for a plain batch, and a batch's TTA views (32 images × 7) in passes of a
 * batch each rather than one of 224.
 */
async function runInParts(forward: BatchForward, images: Uint8Array[], per: number): Promise<Float32Array> {
  if (images.length <= per) return images.length ? forward.run(images) : new Float32Array(0);
  const parts: Float32Array[] = [];
  for (let i = 0; i < images.length; i += per) parts.push(await forward.run(images.slice(i, i + per)));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** NaN is never a prediction: a model that gives one is damaged or diverged, and the job fails naming it. */
function checkFinite(out: Float32Array, files: string[], jsonPath: string | undefined): void {
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad < 0) return;
  const file = files[Math.floor(bad / (out.length / files.length))];
  const model = jsonPath ? `The model at ${jsonPath}` : 'The model';
  throw new BadInputError(`${model} gave a value that is not a number for ${file}; its weights are damaged or its ` +
    'training diverged, so no prediction was written.', jsonPath,
    'Train the run again (with a lower learning rate if its loss diverged).');
}

/** Output rows as probabilities per class: a binary model's single sigmoid p becomes [1 − p, p]. */
export function rowsOf(out: Float32Array, n: number, classes: number): Float32Array[] {
  const per = out.length / Math.max(n, 1);
  return Array.from({ length: n }, (_, i) =>
    per === 1 && classes === 2 ? Float32Array.of(1 - out[i], out[i]) : out.slice(i * per, (i + 1) * per),
  );
}
