// Splits a backbone into a frozen bottom and a trainable top, which is how fine-tuning stays affordable on a CPU:
// the bottom runs once per image and its activations are cached; each epoch runs only the top and the head.
//
// The top is rebuilt on a new Input by re-applying the original layer objects in order (walking the inbound
// tensors captured at load), so it shares their weights: training the top trains the backbone's own layers,
// and the feature model and a later full model see the new weights without copying. MobileNetV2's residual
// Adds are why this is a graph walk and not a slice of a layer list.
import type * as tfType from '@tensorflow/tfjs';
import { freezeBatchNorm, isBatchNorm, unfreezeBatchNorm } from './batchNormFreeze';
import { ancestorsOf, isInputLayer, type FlatGraph, type FlatLayer } from './modelFlatten';

type Tf = typeof tfType;
type SymbolicTensor = tfType.SymbolicTensor;

export interface SplitOptions {
  /**
   * 'frozen' (default): BatchNorm layers in the top stay in inference mode with fixed gamma/beta, as Keras
   * advises for fine-tuning. 'train': tfjs' default, batch statistics and moving-average updates.
   */
  batchNorm?: 'frozen' | 'train';
}

export interface BackboneSplit {
  /** First layer of the top. */
  unfreezeFrom: string;
  /** Layer whose output is the cached activation (the input of the top); the input layer when all of it trains. */
  boundaryLayer: string;
  /** Shape of one cached activation, without the batch dimension. */
  boundaryShape: number[];
  /** Image → activation at the boundary. Its layers are set non-trainable. */
  frozenBottom: tfType.LayersModel;
  /** Activation → pooled feature vector (global average pooling when the cut output is 4-D). */
  trainableTop: tfType.LayersModel;
  topLayers: string[];
  /** BatchNorm layers of the top kept in inference mode. */
  frozenBatchNorm: string[];
}

/** The tensors from outside `top` that `top` reads; a clean split point has exactly one. */
function externalInputs(graph: FlatGraph, top: readonly FlatLayer[]): SymbolicTensor[] {
  const inside = new Set(top);
  const outside = new Set<SymbolicTensor>();
  for (const leaf of top) {
    for (const t of leaf.inputs) {
      const r = graph.resolve(t);
      const src = graph.leafOf(r);
      if (!src || !inside.has(src)) outside.add(r);
    }
  }
  return [...outside];
}

function resolveStart(backbone: readonly FlatLayer[], unfreezeFrom: string, blockOf: (n: string) => string): number {
  let k = backbone.findIndex((l) => l.layer.name === unfreezeFrom);
  if (k < 0) k = backbone.findIndex((l) => blockOf(l.layer.name) === unfreezeFrom);
  if (k < 0) {
    const blocks = [...new Set(backbone.map((l) => blockOf(l.layer.name)))];
    throw new Error(`"${unfreezeFrom}" is neither a layer nor a block of this backbone; blocks: ${blocks.join(', ')}`);
  }
  while (k < backbone.length && isInputLayer(backbone[k].layer)) k++;
  return k;
}

/** Layers where splitting leaves a single boundary tensor: the starts of blocks, in practice. */
export function validSplitPoints(graph: FlatGraph, backbone: readonly FlatLayer[]): string[] {
  const out: string[] = [];
  for (let k = 0; k < backbone.length; k++) {
    if (isInputLayer(backbone[k].layer)) continue;
    if (externalInputs(graph, backbone.slice(k)).length === 1) out.push(backbone[k].layer.name);
  }
  return out;
}

export function splitBackbone(
  tf: Tf,
  graph: FlatGraph,
  cut: FlatLayer,
  unfreezeFrom: string,
  blockOf: (n: string) => string,
  options: SplitOptions = {},
): BackboneSplit {
  const backbone = ancestorsOf(graph, cut.outputs[0]);
  const k = resolveStart(backbone, unfreezeFrom, blockOf);
  if (k >= backbone.length) throw new Error(`nothing to train after "${unfreezeFrom}"`);
  const top = backbone.slice(k);
  const boundary = externalInputs(graph, top);
  if (boundary.length !== 1) {
    const valid = validSplitPoints(graph, backbone);
    const before = valid.filter((n) => backbone.findIndex((l) => l.layer.name === n) <= k).at(-1);
    const after = valid.find((n) => backbone.findIndex((l) => l.layer.name === n) > k);
    throw new Error(
      `cannot unfreeze from ${backbone[k].layer.name}: the layers after it also read ` +
        `${boundary.map((t) => t.sourceLayer.name).join(' and ')} (a residual connection crosses this point). ` +
        `Unfreeze from the start of a block instead: ${[before, after].filter(Boolean).join(' or ')}.`,
    );
  }
  const b = boundary[0];
  const bottomLeaf = graph.leafOf(b);

  const bottom = backbone.slice(0, k);
  for (const l of bottom) l.layer.trainable = false;
  const frozenBottom =
    b === graph.input || !bottomLeaf
      ? identityModel(tf, b)
      : tf.model({ inputs: bottomLeaf.owner.inputs, outputs: b, name: 'frozen_bottom' });

  const x = tf.input({ shape: b.shape.slice(1) as number[], name: 'cached_activation' });
  const mapped = new Map<SymbolicTensor, SymbolicTensor>([[b, x]]);
  const frozenBatchNorm: string[] = [];
  for (const leaf of top) {
    if (isBatchNorm(leaf.layer) && (options.batchNorm ?? 'frozen') === 'frozen') {
      freezeBatchNorm(leaf.layer);
      frozenBatchNorm.push(leaf.layer.name);
    } else if (isBatchNorm(leaf.layer)) {
      unfreezeBatchNorm(leaf.layer);
    } else {
      leaf.layer.trainable = true;
    }
    const ins = leaf.inputs.map((t) => {
      const m = mapped.get(graph.resolve(t));
      if (!m) throw new Error(`internal: ${leaf.layer.name} reads ${t.name}, which the top does not compute`);
      return m;
    });
    const out = leaf.layer.apply(ins.length === 1 ? ins[0] : ins, leaf.callArgs) as SymbolicTensor | SymbolicTensor[];
    const outs = Array.isArray(out) ? out : [out];
    leaf.outputs.forEach((o, i) => mapped.set(o, outs[i]));
  }
  let features = mapped.get(graph.resolve(cut.outputs[0]))!;
  if (features.rank === 4)
    features = tf.layers.globalAveragePooling2d({ name: 'features_pool' }).apply(features) as SymbolicTensor;
  const trainableTop = tf.model({ inputs: x, outputs: features, name: 'trainable_top' });

  return {
    unfreezeFrom: top[0].layer.name,
    boundaryLayer: bottomLeaf?.layer.name ?? 'input',
    boundaryShape: b.shape.slice(1) as number[],
    frozenBottom,
    trainableTop,
    topLayers: top.map((l) => l.layer.name),
    frozenBatchNorm,
  };
}

/** tfjs refuses a model whose output is its input, so "nothing frozen" is a model with one no-op layer. */
function identityModel(tf: Tf, b: SymbolicTensor): tfType.LayersModel {
  const x = tf.input({ shape: b.shape.slice(1) as number[], name: 'image' });
  const y = tf.layers.activation({ activation: 'linear', name: 'identity' }).apply(x) as SymbolicTensor;
  return tf.model({ inputs: x, outputs: y, name: 'frozen_bottom' });
}
