// A saved classifier cut at its last convolutional feature map: the frozen bottom (image → feature map) as a layers
// model, and the rest (feature map → class scores and probabilities) as a function evaluated eagerly, so tf.grad can
// differentiate the scores with respect to the feature map. Only what follows the feature map is differentiated (the
// pooling and the head, or a fine-tuned run's layers after its last conv), so no conv gradient is needed and wasm
// serves.
import type * as tfType from '@tensorflow/tfjs';
import type { Tf } from '../engine/engine';
import { isModel } from '../model/modelFlatten';

type SymbolicTensor = tfType.SymbolicTensor;
type Tensor = tfType.Tensor;

export interface ClassScores {
  /** The layer whose output is the feature map. */
  layer: string;
  /** One feature map's shape: [height, width, channels]. */
  shape: [number, number, number];
  /** Image → feature map (the bottom shares the classifier's layers and weights; dispose only the wrapper). */
  bottom: tfType.LayersModel;
  /**
   * Feature maps → class scores, [n, classes]: the logits before the output's softmax, and for a single sigmoid
   * unit [−z, z], so each class's score rises with its probability.
   */
  scores(features: tfType.Tensor4D): tfType.Tensor2D;
  /** Feature maps → the classifier's own output ([n, classes], or [n, 1] for a sigmoid unit). */
  outputs(features: tfType.Tensor4D): tfType.Tensor2D;
}

/**
 * The last 4-D tensor on the way back from the output: the feature map global pooling reads (the cut layer of a
 * feature extractor, the last conv block of a fine-tuned top). Nested models (a Sequential head, a Teachable Machine
 * export) are walked into.
 */
function lastFeatureMap(model: tfType.LayersModel): SymbolicTensor {
  let t: SymbolicTensor = model.outputs[0];
  // A nested model's own input stands for what its call was fed.
  const fed = new Map<number, SymbolicTensor>();
  for (let steps = 0; steps < 10_000; steps++) {
    if (t.rank === 4) return t;
    const layer = t.sourceLayer;
    if (isModel(layer)) {
      layer.inputs.forEach((inner, i) => t.inputs?.[i] && fed.set(inner.id, t.inputs[i]));
      t = layer.outputs[t.tensorIndex];
      continue;
    }
    const next = t.inputs?.[0] ?? fed.get(t.id);
    if (!next) break;
    t = next;
  }
  throw new Error(`${model.name} has no convolutional feature map (a 4-D tensor) before its output`);
}

/** The input of `inner`'s graph that a call of it was fed: the tensors a nested model's own inputs stand for. */
interface Scope { redirect: Map<number, SymbolicTensor> }

function evaluate(
  tf: Tf, t: SymbolicTensor, known: Map<number, Tensor>, scope: Scope, logits: boolean,
): Tensor {
  const hit = known.get(t.id);
  if (hit) return hit;
  const redirected = scope.redirect.get(t.id);
  if (redirected) return evaluate(tf, redirected, known, scope, logits);
  const layer = t.sourceLayer;
  if (isModel(layer)) {
    // A called nested model (the head): its own inputs stand for what the call was fed.
    layer.inputs.forEach((inner, i) => t.inputs[i] && inner !== t.inputs[i] && scope.redirect.set(inner.id, t.inputs[i]));
    return evaluate(tf, layer.outputs[t.tensorIndex], known, scope, logits);
  }
  if (!t.inputs?.length) {
    throw new Error(`the graph after the feature map reads ${t.name}, which comes from before it`);
  }
  const inputs = t.inputs.map((x) => evaluate(tf, x, known, scope, false));
  let out: Tensor;
  const activation = (layer.getConfig() as { activation?: unknown }).activation;
  if (logits && layer.getClassName() === 'Dense' && (activation === 'softmax' || activation === 'sigmoid')) {
    // The class score is the logit: Grad-CAM's y^c before the softmax (Selvaraju et al. 2017, §3).
    const [kernel, bias] = layer.getWeights();
    out = tf.matMul(inputs[0] as tfType.Tensor2D, kernel as tfType.Tensor2D);
    if (bias) out = tf.add(out, bias);
  } else {
    const applied = layer.apply(inputs.length === 1 ? inputs[0] : inputs, t.callArgs);
    out = (Array.isArray(applied) ? applied[t.tensorIndex] : applied) as Tensor;
  }
  known.set(t.id, out);
  return out;
}

/** The layer that computes `t`, looking inside a nested model whose output it is (MobileNet's `out_relu`, not `model1`). */
function innermostName(t: SymbolicTensor): string {
  let at = t;
  while (isModel(at.sourceLayer)) at = at.sourceLayer.outputs[at.tensorIndex];
  return at.sourceLayer.name;
}

/** Every model nested in `model`, outermost first. */
function nestedModels(model: tfType.LayersModel): tfType.LayersModel[] {
  return [model, ...model.layers.filter(isModel).flatMap(nestedModels)];
}

/**
 * Image → feature map. The map may lie inside a nested model (a Teachable Machine export holds MobileNet two
 * Sequentials deep); that model's own input stands for the image when it takes an image of the same shape, which is
 * how such exports feed it.
 */
function bottomOf(tf: Tf, model: tfType.LayersModel, map: SymbolicTensor): tfType.LayersModel {
  const image = JSON.stringify(model.inputs[0].shape);
  let reason = '';
  for (const owner of nestedModels(model)) {
    if (owner.inputs.length !== 1 || JSON.stringify(owner.inputs[0].shape) !== image) continue;
    try {
      return tf.model({ inputs: owner.inputs, outputs: map, name: 'gradcam_bottom' });
    } catch (e) {
      reason ||= (e as Error).message.split('\n')[0];
    }
  }
  throw new Error(`the feature map ${map.name} cannot be computed from the image alone (${reason})`);
}

/** Cuts `model` at its last feature map. */
export function classScoresOf(tf: Tf, model: tfType.LayersModel): ClassScores {
  const map = lastFeatureMap(model);
  const [, h, w, c] = map.shape;
  if (typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number') {
    throw new Error(`the feature map ${map.name} has no fixed size (${JSON.stringify(map.shape)})`);
  }
  const bottom = bottomOf(tf, model, map);
  const output = model.outputs[0];
  const run = (features: tfType.Tensor4D, logits: boolean) => {
    const known = new Map<number, Tensor>([[map.id, features]]);
    return evaluate(tf, output, known, { redirect: new Map() }, logits) as tfType.Tensor2D;
  };
  const singleSigmoid = output.shape.at(-1) === 1;
  return {
    layer: innermostName(map),
    shape: [h, w, c],
    bottom,
    scores: (features) => {
      const z = run(features, true);
      return singleSigmoid ? tf.concat([tf.neg(z), z], 1) : z;
    },
    outputs: (features) => run(features, false),
  };
}
