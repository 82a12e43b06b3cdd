// A complete classifier given as a file instead of a run: a Keras `.h5` (Keras 2) or `.keras` (Keras 3), or a TF.js
// `model.json`, such as Teachable Machine exports. Predict runs it like a run's saved model; what a run records in
// its metadata (classes, input size, preprocessing) comes from the file and what lies beside it: a TF.js model's
// userDefinedMetadata, or the root attributes of a Keras file that `export --format keras` wrote.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { metadataFromAttributes } from '../../core/modelCard';
import { isModelFileName } from '../../core/runFiles';
import type { SavedModelMeta } from '../../core/runRecord';
import type { Preprocessing } from '../../core/zooCatalog';
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from '../engine/engine';
import { loadKerasModelFile } from '../model/keras/kerasH5';
import { fileSystemLoader } from '../model/modelFiles';
import { BadInputError, log, type JobContext } from '../runtime/jobContext';
import type { SavedModel } from './savedModel';

const PREPROCESSINGS: readonly Preprocessing[] = ['minus1to1', 'zero1', 'caffe'];

/** Whether a job's `runDir` names a model file (a `.h5`/`.hdf5`/`.keras` file or a TF.js `model.json`) to run instead. */
export async function isModelFile(p: string): Promise<boolean> {
  return isModelFileName(p) && (await fs.stat(p).catch(() => undefined))?.isFile() === true;
}

/**
 * Class names in output order: Teachable Machine's labels.txt ("0 cardboard" per line) beside the file, else the
 * TF.js model's own metadata; a model whose outputs cannot be named is refused (a CSV of unnamed columns helps no one).
 */
async function classNames(file: string, metadata: Partial<SavedModelMeta> | undefined): Promise<string[]> {
  const labels = path.join(path.dirname(file), 'labels.txt');
  const text = await fs.readFile(labels, 'utf8').catch(() => undefined);
  if (text !== undefined) {
    const names = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((l) => l.replace(/^\d+\s+/, ''));
    if (names.length) return names;
  }
  if (Array.isArray(metadata?.classes) && metadata.classes.every((c) => typeof c === 'string')) return metadata.classes;
  throw new BadInputError(`${file} does not say what its outputs are: no labels.txt beside it and no class names in ` +
    'its metadata.', file, 'Put a labels.txt beside it with one class name per line, in output order ' +
    '(Teachable Machine exports have one).');
}

/** Loads the model file and works out how to feed it and name its outputs. */
export async function loadModelFile(
  tf: Tf, file: string, ctx: JobContext, preprocessing?: Preprocessing,
): Promise<Pick<SavedModel, 'model' | 'meta'>> {
  let model: tfType.LayersModel, metadata: Partial<SavedModelMeta> | undefined;
  if (/\.json$/i.test(file)) {
    model = await tf.loadLayersModel(fileSystemLoader(path.dirname(file)));
    metadata = (model.getUserDefinedMetadata?.() ?? undefined) as Partial<SavedModelMeta> | undefined;
  } else {
    const read = await loadKerasModelFile(tf, file);
    model = read.model;
    metadata = metadataFromAttributes(read.attributes);
  }
  try {
    const classes = await classNames(file, metadata);
    const out = model.outputs[0].shape.at(-1);
    if (out !== classes.length && !(out === 1 && classes.length === 2)) {
      throw new BadInputError(`${file} gives ${out} values per image but names ${classes.length} classes ` +
        `(${classes.join(', ')}).`, file, 'Check that labels.txt belongs to this model.');
    }
    const [, h, w] = model.inputs[0].shape;
    const inputSize = typeof h === 'number' && h === w ? h : metadata?.inputSize ?? 224;
    const given = preprocessing ?? metadata?.preprocessing;
    const chosen = given && PREPROCESSINGS.includes(given) ? given : 'minus1to1';
    if (!given) {
      log(ctx, `${path.basename(file)} does not record its preprocessing; using pixels scaled to [-1, 1] ` +
        '(Teachable Machine\'s and MobileNet\'s). Pass --preprocessing if it was trained otherwise.', 'warn');
    }
    // Teachable Machine crops the centre square before resizing, which is 'cover'.
    return { model, meta: { classes, inputSize, preprocessing: chosen, resize: metadata?.resize ?? 'cover' } };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
