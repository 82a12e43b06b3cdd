// A Keras application from the zoo: Keras' weights file fetched into the model cache (with Keras' own md5 where
// Keras has one), the network built in TF.js layers, and every weight set by layer name as Keras' load_weights
// does, so a file from Keras itself loads whatever order its groups are stored in.
import type * as tfType from '@tensorflow/tfjs';
import type { KerasZooEntry } from '../../../core/kerasZoo';
import type { Tf } from '../../engine/engine';
import { BadInputError } from '../../runtime/jobContext';
import { fetchFile, type FetchFileOptions } from '../fileDownload';
import { buildKerasApplication } from './applications/kerasApplications';
import { readKerasWeights, type KerasWeights } from './kerasWeights';

export type FetchKerasWeightsOptions = Omit<FetchFileOptions, 'id' | 'md5' | 'sha256'>;

/** The entry's weights file, downloaded into the model cache under the entry's id unless a checked copy is there. */
export function fetchKerasWeights(entry: KerasZooEntry, o: FetchKerasWeightsOptions = {}): Promise<string> {
  return fetchFile(entry.weights.url, { ...o, id: entry.id, md5: entry.weights.md5 });
}

export interface LoadKerasApplicationOptions {
  /** Square input size; the entry's (224) by default. Any size from 32 takes the same weights. */
  inputSize?: number;
}

/** Builds the entry's network and fills it from `weightsFile` (Keras' HDF5) by layer name. */
export async function loadKerasApplication(
  tf: Tf, entry: KerasZooEntry, weightsFile: string, o: LoadKerasApplicationOptions = {},
): Promise<tfType.LayersModel> {
  const weights = await readKerasWeights(weightsFile);
  const model = buildKerasApplication(tf, entry.application, {
    alpha: entry.alpha, inputSize: o.inputSize ?? entry.inputSize,
  });
  try {
    setWeightsByName(tf, model, weights, weightsFile);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/** 'block1_conv1/kernel:0' → 'kernel'; Keras 1 names ('block1_conv1_W_1:0') give no short name to check. */
const shortName = (saved: string) => saved.split('/').at(-1)!.replace(/:\d+$/, '');
const shape = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * Sets every weight of every layer that has some from the saved weights of the layer with the same name, in the
 * order Keras saved them (kernel, bias; gamma, beta, moving_mean, moving_variance), as Keras' by-name loading does.
 * A layer missing from the file, a different number of weights, a weight of another shape, or weights saved in
 * another order is refused with the layer and weight named, before any layer is changed; layers in the file that
 * the model lacks (a classifier, when the file has one) are ignored.
 */
export function setWeightsByName(tf: Tf, model: tfType.LayersModel, saved: KerasWeights, source: string): void {
  const plan: [tfType.layers.Layer, Float32Array[]][] = [];
  for (const layer of model.layers) {
    const want = layer.weights;
    if (!want.length) continue;
    const got = saved.get(layer.name);
    if (!got) {
      throw new BadInputError(`${source} has no weights for layer "${layer.name}" (${layer.getClassName()}): ` +
        'it was not saved from this network', source);
    }
    if (got.length !== want.length) {
      throw new BadInputError(`${source}: layer "${layer.name}" has ${got.length} weights in the file ` +
        `(${got.map((w) => w.name).join(', ')}), the network has ${want.length} ` +
        `(${want.map((w) => shortName(w.originalName)).join(', ')})`, source);
    }
    const ours = want.map((w) => shortName(w.originalName));
    want.forEach((w, i) => {
      const file = got[i];
      const name = `layer "${layer.name}" weight ${ours[i]}`;
      if (ours.includes(shortName(file.name)) && shortName(file.name) !== ours[i]) {
        throw new BadInputError(`${source}: ${name} has ${file.name} in its place: the file keeps this layer's ` +
          'weights in another order', source);
      }
      if (shape(file.shape) !== shape(w.shape as number[])) {
        throw new BadInputError(`${source}: ${name} has shape ${shape(file.shape)} in the file (${file.name}), the ` +
          `network needs ${shape(w.shape as number[])}: the file was saved from another variant of it`, source);
      }
      if (file.data.length !== (w.shape as number[]).reduce((a, b) => a * b, 1)) {
        throw new BadInputError(
          `${source}: ${name} holds ${file.data.length} values for shape ${shape(file.shape)}`, source);
      }
    });
    plan.push([layer, got.map((w) => w.data)]);
  }
  for (const [layer, values] of plan) {
    const tensors = values.map((v, i) => tf.tensor(v, layer.weights[i].shape as number[], 'float32'));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
}
