// Weights out of a Keras HDF5 file, by layer, in the order Keras saved them. Three layouts exist:
//
//   Keras 2 full model (model.save('x.h5'))      model_weights/<layer>/<weight name>, attrs layer_names, weight_names
//   Keras 2 weights only (save_weights, the       the same, at the root: keras-applications' *_notop.h5 files
//     keras-applications downloads)
//   Keras 3 (.weights.h5, model.weights.h5        layers/<snake_case class>[_n]/vars/<i>, nested models as
//     inside a .keras zip)                        layers/functional/layers/conv2d/vars/0; no layer names at all
//
// A layer that is itself a model (Teachable Machine nests MobileNetV2 in a Sequential) is one group whose
// weight_names name the inner layers ('Conv1/kernel:0', 'bn_Conv1/gamma:0'), trainable ones first: Keras 2 loads
// a full model by position, in the order `layer.trainable_weights + layer.non_trainable_weights` gives.
import { BadInputError } from '../../runtime/jobContext';
import {
  float32Values, h5wasm, isDataset, isGroup, stringListAttr, withH5, type H5, type H5File, type H5Group,
} from './h5File';

export interface KerasWeight {
  /** As Keras saved it: 'block1_conv1/kernel:0' (Keras 2), or '<layer>/vars/<i>' (Keras 3). */
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * Layer name → its weights in saved order. For a Keras 3 file read without its config the keys are the saved paths
 * ('layers/conv2d_1', 'layers/functional/layers/dense'); `keras3ByLayerName` names them from the config.
 */
export type KerasWeights = Map<string, KerasWeight[]>;

export type KerasWeightsLayout = 'keras2-model' | 'keras2-weights' | 'keras3';

/** Every layer's weights in `file` (any of the three layouts). */
export async function readKerasWeights(file: string): Promise<KerasWeights> {
  const h5 = await h5wasm();
  return withH5(file, (f) => weightsOf(h5, f, file).weights);
}

export function weightsOf(h5: H5, f: H5File, file: string): { layout: KerasWeightsLayout; weights: KerasWeights } {
  const keys = f.keys();
  if (keys.includes('model_weights')) {
    return { layout: 'keras2-model', weights: keras2Weights(h5, child(h5, f, 'model_weights', file), file, 'model_weights/') };
  }
  if (stringListAttr(f, 'layer_names')) return { layout: 'keras2-weights', weights: keras2Weights(h5, f, file, '') };
  if (keys.includes('layers')) return { layout: 'keras3', weights: keras3Weights(h5, f, file) };
  throw new BadInputError(`${file} holds no Keras weights: it has no model_weights group, no layer_names attribute ` +
    'and no layers group', file);
}

function child(h5: H5, g: H5Group, name: string, file: string): H5Group {
  const obj = tryGet(g, name);
  if (!isGroup(h5, obj)) throw new BadInputError(`${file} is damaged: ${pathIn(g, name)} is missing or not a group`, file);
  return obj;
}

function tryGet(g: H5Group, name: string): unknown {
  try {
    return g.get(name);
  } catch {
    return undefined;
  }
}

const pathIn = (g: H5Group, name: string) => `${g.path === '/' ? '' : g.path.slice(1) + '/'}${name}`;

function keras2Weights(h5: H5, root: H5Group, file: string, where: string): KerasWeights {
  const out: KerasWeights = new Map();
  const layerNames = stringListAttr(root, 'layer_names');
  if (!layerNames) throw new BadInputError(`${file} is damaged: ${where || 'the root'} has no layer_names attribute`, file);
  for (const layer of layerNames) {
    const g = child(h5, root, layer, file);
    const names = stringListAttr(g, 'weight_names') ?? [];
    out.set(layer, names.map((name) => {
      const ds = tryGet(g, name);
      if (!isDataset(h5, ds)) {
        throw new BadInputError(`${file} is damaged: layer "${layer}" lists weight ${name}, but ${pathIn(g, name)} ` +
          'is not in the file', file);
      }
      return { name, shape: ds.shape?.map(Number) ?? [], data: float32Values(ds, `${file}: ${pathIn(g, name)}`) };
    }));
  }
  return out;
}

/** Keras 3: every group under layers/ that holds a vars group, by path, its vars in index order. */
function keras3Weights(h5: H5, f: H5File, file: string): KerasWeights {
  const out: KerasWeights = new Map();
  const visit = (g: H5Group, at: string) => {
    for (const key of g.keys()) {
      const obj = tryGet(g, key);
      if (!isGroup(h5, obj)) continue;
      if (key === 'vars') {
        const vars = obj.keys().filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
        if (vars.length === 0) continue;
        out.set(at, vars.map((k) => {
          const ds = tryGet(obj, k);
          if (!isDataset(h5, ds)) throw new BadInputError(`${file} is damaged: ${at}/vars/${k} is not a dataset`, file);
          return { name: `${at}/vars/${k}`, shape: ds.shape?.map(Number) ?? [], data: float32Values(ds, `${file}: ${at}/vars/${k}`) };
        }));
      } else {
        visit(obj, `${at}/${key}`);
      }
    }
  };
  // Only the model's layers: optimizer/ holds the optimizer's slots, which inference has no use for.
  visit(child(h5, f, 'layers', file), 'layers');
  return out;
}
