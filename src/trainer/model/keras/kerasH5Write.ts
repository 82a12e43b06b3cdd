// A TF.js LayersModel as a Keras 2 HDF5 full-model file, laid out as Keras 2.4's model.save('x.h5') lays it out
// (the Teachable Machine export in shared/models/teachable_keras_h5_waste is the reference):
//
//   /                        attrs keras_version "2.4.0", backend "tensorflow" (UTF-8), model_config (the JSON)
//   /model_weights           attrs layer_names (fixed-length strings), backend, keras_version
//   /model_weights/<layer>   attr weight_names; datasets <inner layer>/<weight>:0, float32, contiguous
//
// Keras 2 loads a full model's weights by position: for each layer that has weights, in model order, the values
// listed in weight_names go to `layer.trainable_weights + layer.non_trainable_weights`. For a nested model that is
// every inner layer's trainable weights first, then every inner layer's non-trainable ones (the Teachable Machine
// file lists all gammas and betas before the first moving mean), and which ones are trainable is what the written
// config says. weight_names is written in exactly that order.
//
// keras_version: Keras' loaders read it only to convert Keras 1 files (a version starting with '1'); "2.4.0" is
// the version whose layout and config this copies, and the config holds only what Keras 2.2+ reads (TF.js writes a
// functional model's class as 'Model', which Keras 2.2–2.x and Keras 3's legacy .h5 loader all accept, where
// 'Functional' needs 2.4+).
import type * as tfType from '@tensorflow/tfjs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { tempNameFor } from '../../runtime/atomicFile';
import { fsError } from '../../runtime/fsErrors';
import { h5wasm, hdf5Reason, type H5Group } from './h5File';
import { leafLayers } from './kerasLoad';

type Tf = typeof tfType;
type Layer = tfType.layers.Layer;
type LayerVariable = Layer['weights'][number];

export const WRITTEN_KERAS_VERSION = '2.4.0';

/** Attributes Keras itself reads at the root; metadata may not use these names. */
const KERAS_ROOT_ATTRS = new Set(['model_config', 'keras_version', 'backend', 'training_config']);

/** Keras' HDF5_OBJECT_HEADER_LIMIT: a list attribute past this many bytes is split into name0, name1, … */
const HEADER_LIMIT = 64512;

export interface WriteKerasH5Options {
  /** Extra root attributes (UTF-8 strings): the classes, the preprocessing, … Keras ignores them. */
  metadata?: Record<string, string>;
}

/**
 * Writes `model` to `file` atomically (a temp file beside it, fsync, rename). `_tf` is the engine, taken as every
 * model function here takes it; the weights are read from the model's own variables.
 */
export async function writeKerasH5(
  _tf: Tf, model: tfType.LayersModel, file: string, o: WriteKerasH5Options = {},
): Promise<void> {
  for (const key of Object.keys(o.metadata ?? {})) {
    if (KERAS_ROOT_ATTRS.has(key)) throw new Error(`metadata cannot use "${key}": Keras reads that attribute itself`);
  }
  const modelConfig = kerasModelConfig(model);
  const tmp = tempNameFor(file);
  try {
    await fsp.mkdir(path.dirname(file), { recursive: true });
  } catch (e) {
    throw await fsError(e, { file });
  }
  try {
    const h5 = await h5wasm();
    let f;
    try {
      f = new h5.File(tmp, 'w');
    } catch (e) {
      // HDF5 opens through its own file driver, so the errno is gone: Node says what is wrong with the folder.
      await fsp.writeFile(tmp, '');
      throw new Error(`cannot create ${file}: ${hdf5Reason(e)}`);
    }
    try {
      f.create_attribute('keras_version', WRITTEN_KERAS_VERSION);
      f.create_attribute('backend', 'tensorflow');
      f.create_attribute('model_config', JSON.stringify(modelConfig), null, 'A');
      for (const [k, v] of Object.entries(o.metadata ?? {})) f.create_attribute(k, v);
      const mw = f.create_group('model_weights');
      writeWeights(mw, model);
      f.close();
    } catch (e) {
      try {
        f.close();
      } catch {
        // Already closed, or the failure left nothing to close: the first error is the one to report.
      }
      // A full disk reaches HDF5's own driver, not Node: its error stack is reduced to the innermost reason.
      throw new Error(`cannot write ${file}: ${hdf5Reason(e)}`);
    }
    const handle = await fsp.open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw await fsError(e, { file });
  }
}

/** TF.js' own Keras config of `model`, less the two fields TF.js adds that are not Keras' (its own version). */
export function kerasModelConfig(model: tfType.LayersModel): { class_name: string; config: unknown } {
  const json = model.toJSON(null, false) as unknown as { class_name: string; config: unknown };
  return { class_name: json.class_name, config: json.config };
}

/** The layers Keras lists under model_weights: model.layers, without a Sequential's own InputLayer (Keras 2 hides it). */
function kerasLayers(model: tfType.LayersModel): Layer[] {
  const isSequential = model.getClassName() === 'Sequential';
  return model.layers.filter((l) => !(isSequential && l.getClassName() === 'InputLayer'));
}

/**
 * Keras' `layer.trainable_weights + layer.non_trainable_weights` for `layer` as the written config describes it:
 * the trainable weights of every leaf inside it in model order, then all the others. TF.js writes no `trainable`
 * for a model (Container.getConfig leaves it out), so Keras builds every nested model trainable and only the
 * leaves' flags count; a weight is trainable when its leaf is and it was created trainable (kernel, gamma, not a
 * moving statistic), whatever TF.js' freezing has since set on the variable itself.
 */
export function kerasWeightOrder(layer: Layer): LayerVariable[] {
  const leaves = [...new Set(leafLayers(layer))];
  const trainable = new Set(leaves.flatMap((l) => {
    const created = (l as unknown as { _trainableWeights?: LayerVariable[] })._trainableWeights ?? [];
    return l.trainable ? l.weights.filter((v) => created.includes(v)) : [];
  }));
  return [...trainable, ...leaves.flatMap((l) => l.weights.filter((v) => !trainable.has(v)))];
}

function writeWeights(mw: H5Group, model: tfType.LayersModel): void {
  const layers = kerasLayers(model);
  writeStringList(mw, 'layer_names', layers.map((l) => l.name));
  mw.create_attribute('backend', 'tensorflow', null, 'A');
  mw.create_attribute('keras_version', WRITTEN_KERAS_VERSION, null, 'A');
  for (const layer of layers) {
    const g = mw.create_group(layer.name);
    const owner = new Map(leafLayers(layer).flatMap((l) => l.weights.map((v) => [v, l] as const)));
    const ordered = kerasWeightOrder(layer);
    const names = ordered.map((v) => `${owner.get(v)!.name}/${(v.originalName ?? v.name).split('/').at(-1)}:0`);
    writeStringList(g, 'weight_names', names);
    ordered.forEach((v, i) => {
      const [inner] = names[i].split('/');
      if (!g.keys().includes(inner)) g.create_group(inner);
      const data = v.read().dataSync() as Float32Array;
      g.create_dataset({ name: names[i], data, shape: v.shape as number[] });
    });
  }
}

/**
 * A list of strings as Keras' save_attributes_to_hdf5_group writes it: fixed-length byte strings (an empty list as
 * an empty float64 array, numpy's dtype for []), split into name0, name1, … past the object header limit.
 */
function writeStringList(g: H5Group, name: string, values: string[]): void {
  if (values.length === 0) {
    g.create_attribute(name, new Float64Array(0), [0]);
    return;
  }
  const width = Math.max(...values.map((v) => Buffer.byteLength(v))) + 1;
  let chunks = 1;
  while (Math.ceil(values.length / chunks) * width > HEADER_LIMIT) chunks++;
  if (chunks === 1) {
    g.create_attribute(name, values, [values.length], `A${width}`);
    return;
  }
  // numpy.array_split: the first (n mod chunks) parts get one more item.
  const base = Math.floor(values.length / chunks), extra = values.length % chunks;
  let at = 0;
  for (let i = 0; i < chunks; i++) {
    const part = values.slice(at, at + base + (i < extra ? 1 : 0));
    at += part.length;
    g.create_attribute(`${name}${i}`, part, [part.length], `A${width}`);
  }
}
