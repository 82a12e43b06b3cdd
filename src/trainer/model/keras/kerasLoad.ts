// A Keras model file as a TF.js LayersModel: TF.js' own Keras deserialiser builds the architecture from the config
// (sanitised in kerasConfig.ts), then every weight is set by layer name and checked for shape. Keras 2 itself loads
// a full model's weights by position, layer after layer; a name-matched load cannot put one layer's kernel into
// another layer of the same shape, and a mismatch says which layer and weight.
import type * as tfType from '@tensorflow/tfjs';
import { BadInputError } from '../../runtime/jobContext';
import { toTfjsTopology } from './kerasConfig';
import { readKerasModelFile } from './kerasModelFile';
import type { KerasWeight, KerasWeights } from './kerasWeights';

type Tf = typeof tfType;
type Layer = tfType.layers.Layer;
type LayerVariable = Layer['weights'][number];

export async function loadKerasModel(tf: Tf, file: string): Promise<tfType.LayersModel> {
  return (await loadKerasModelFile(tf, file)).model;
}

/** The model and the file's other root attributes (see KerasModelFile.attributes). */
export async function loadKerasModelFile(
  tf: Tf, file: string,
): Promise<{ model: tfType.LayersModel; attributes: Record<string, string> }> {
  const read = await readKerasModelFile(file);
  const { topology } = toTfjsTopology(tf, read.modelConfig, file);
  let model: tfType.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: topology } as unknown as tfType.io.ModelJSON);
  } catch (e) {
    throw new BadInputError(`${file}: TensorFlow.js could not build the model: ` +
      `${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`, file);
  }
  try {
    assignKerasWeights(tf, model, read.weights, file);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, attributes: read.attributes };
}

/** The layers that own weights under `layer`: itself, or for a nested model every leaf inside it. */
export function leafLayers(layer: Layer): Layer[] {
  const inner = (layer as { layers?: Layer[] }).layers;
  return Array.isArray(inner) ? inner.flatMap(leafLayers) : [layer];
}

/** A TF.js weight's own name inside its layer: 'kernel' for 'block_1_expand/kernel'. */
const paramOf = (v: LayerVariable) => (v.originalName ?? v.name).split('/').at(-1)!;

/** Where a saved weight belongs: the inner layer it names and either its parameter name (Keras 2) or index (Keras 3). */
function parseWeightName(w: KerasWeight): { layer?: string; param?: string; index?: number } {
  const parts = w.name.replace(/:\d+$/, '').split('/');
  if (parts.length >= 3 && parts.at(-2) === 'vars' && /^\d+$/.test(parts.at(-1)!)) {
    return { layer: parts.at(-3), index: Number(parts.at(-1)) };
  }
  return { layer: parts.length >= 2 ? parts.at(-2) : undefined, param: parts.at(-1) };
}

const shapeText = (s: readonly (number | null)[]) => `[${s.join(', ')}]`;

/**
 * Sets every weight of `model` from `weights` (layer name → weights, as readKerasWeights and readKerasModelFile
 * return them), matching layers by name and each weight by its name in the layer (Keras 3 files: by its index in
 * the layer, which is Keras' and TF.js' creation order). Throws BadInputError naming the layer and weight for a
 * shape mismatch, a weight the model has no place for, and a model weight the file does not hold; `file` names the
 * source in messages. Nothing is written unless every weight matches.
 */
/**
 * The TF.js name of a weight Keras 3 names differently: its legacy .h5 writer calls a DepthwiseConv2D's kernel
 * "kernel" (found saving MobileNetV2 with Keras 3.15.1), where Keras 2 and TF.js say "depthwise_kernel".
 */
function kerasAlias(layer: Layer, param: string | undefined): string | undefined {
  return layer.getClassName() === 'DepthwiseConv2D' && param === 'kernel' ? 'depthwise_kernel' : undefined;
}

export function assignKerasWeights(tf: Tf, model: tfType.LayersModel, weights: KerasWeights, file: string): void {
  const top = new Map(model.layers.map((l) => [l.name, l]));
  const assigned = new Map<LayerVariable, KerasWeight>();
  for (const [group, saved] of weights) {
    if (saved.length === 0) continue;
    const layer = top.get(group);
    if (!layer) {
      throw new BadInputError(`${file} has weights for layer "${group}", and the model has no layer of that name`, file);
    }
    const leaves = leafLayers(layer);
    const isLeaf = leaves.length === 1 && leaves[0] === layer;
    for (const w of saved) {
      const at = parseWeightName(w);
      const leaf = isLeaf ? layer : leaves.find((l) => l.name === at.layer);
      if (!leaf) {
        throw new BadInputError(`${file}: weight ${w.name} of layer "${group}" belongs to a layer "${at.layer}", ` +
          `which "${group}" does not contain`, file);
      }
      const own = leaf.weights;
      const v = at.index !== undefined
        ? own[at.index]
        : own.find((x) => paramOf(x) === at.param) ?? own.find((x) => paramOf(x) === kerasAlias(leaf, at.param));
      if (!v) {
        throw new BadInputError(`${file}: layer "${leaf.name}" (${leaf.getClassName()}) has no weight ` +
          `${at.index !== undefined ? `#${at.index}` : `"${at.param}"`} for ${w.name}; its weights are ` +
          `${own.map(paramOf).join(', ') || 'none'}`, file);
      }
      if (v.shape.length !== w.shape.length || v.shape.some((d, i) => d !== w.shape[i])) {
        throw new BadInputError(`${file}: layer "${leaf.name}" weight "${paramOf(v)}" has shape ${shapeText(w.shape)} ` +
          `in the file, and the model expects ${shapeText(v.shape)}`, file);
      }
      if (assigned.has(v)) {
        throw new BadInputError(`${file}: layer "${leaf.name}" weight "${paramOf(v)}" is given twice ` +
          `(${assigned.get(v)!.name} and ${w.name})`, file);
      }
      assigned.set(v, w);
    }
  }
  const missing = model.layers.flatMap(leafLayers).flatMap((l) =>
    l.weights.filter((v) => !assigned.has(v)).map((v) => `"${l.name}" ${paramOf(v)}`));
  if (missing.length > 0) {
    throw new BadInputError(`${file} holds no value for ${missing.length} weight${missing.length > 1 ? 's' : ''} of ` +
      `the model: ${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ', …' : ''}`, file);
  }
  for (const leaf of new Set(model.layers.flatMap(leafLayers))) {
    if (leaf.weights.length === 0) continue;
    const values = leaf.weights.map((v) => {
      const w = assigned.get(v)!;
      return tf.tensor(w.data, w.shape, 'float32');
    });
    leaf.setWeights(values);
    tf.dispose(values);
  }
}
