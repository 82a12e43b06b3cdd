// A nested Keras model seen as one flat graph of layers, so backbone layers are addressable by name.
//
// Teachable Machine exports are Sequential(Sequential(MobileNetV2 functional 'model2', GAP), Sequential(head)).
// A nested model that is applied straight to its parent's input is inlined: its input *is* the image, so its
// layers can be cut, listed and re-applied as if they sat at the top level. A nested model applied to anything
// else (the TM head, fed by pooled features) stays one opaque layer; inlining it would need the tensor that
// feeds it to be rebuilt in its own graph, and no backbone we know needs that.
//
// Every layer's original input and output tensors are captured here, at load. Later, splitAt() re-applies
// layers to new inputs, which gives them a second inbound node; from then on tfjs' `layer.output` throws
// ("multiple inbound nodes"), so nothing may read it after this point.
import type * as tfType from '@tensorflow/tfjs';

type Layer = tfType.layers.Layer;
type SymbolicTensor = tfType.SymbolicTensor;
type LayersModel = tfType.LayersModel;

export interface FlatLayer {
  layer: Layer;
  /** The model whose graph the layer was built in; its inputs are equivalent to the image input. */
  owner: LayersModel;
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  callArgs: Record<string, unknown>;
}

export interface FlatGraph {
  /** Leaf layers (inlined models expanded) in each model's own order. */
  layers: FlatLayer[];
  byName: Map<string, FlatLayer>;
  /** The image input, in the graph of the innermost inlined model. */
  input: SymbolicTensor;
  /** Maps a tensor to its canonical form: an inlined model's output becomes its inner leaf's output, any inlined input the image input. */
  resolve(t: SymbolicTensor): SymbolicTensor;
  leafOf(t: SymbolicTensor): FlatLayer | undefined;
}

export const isModel = (l: Layer): l is LayersModel =>
  Array.isArray((l as Partial<LayersModel>).layers) && Array.isArray((l as Partial<LayersModel>).inputs);
export const isInputLayer = (l: Layer) => l.getClassName() === 'InputLayer';

/**
 * True when `child` is applied to exactly `parent`'s input, so inlining it keeps the meaning of its layers.
 * tfjs' Sequential.add() adopts a first-layer model's own graph (same input tensor, no call node), which is how
 * TM's Sequentials hold MobileNet; a functional parent calls the child, which leaves a node.
 */
function fedByParentInput(child: LayersModel, parent: LayersModel): boolean {
  return (
    child.inputs[0] === parent.inputs[0] ||
    child.inboundNodes.some(
      (n) => n.inboundLayers.length > 0 && n.inputTensors.length === 1 && n.inputTensors[0] === parent.inputs[0],
    )
  );
}

export function flattenModel(root: LayersModel): FlatGraph {
  if (root.inputs.length !== 1)
    throw new Error(`${root.name} has ${root.inputs.length} inputs; a backbone must take one image input`);
  const layers: FlatLayer[] = [];
  const inlined = new Set<Layer>();
  let input: SymbolicTensor = root.inputs[0];

  const walk = (model: LayersModel) => {
    inlined.add(model);
    input = model.inputs[0];
    for (const layer of model.layers) {
      if (isModel(layer) && layer.inputs.length === 1 && fedByParentInput(layer, model)) {
        walk(layer);
        continue;
      }
      const node = layer.inboundNodes.filter((n) => isInputLayer(layer) || n.inboundLayers.length > 0);
      if (node.length !== 1) {
        throw new Error(
          `layer ${layer.name} is called ${node.length} times in ${model.name}; shared layers cannot be cut or fine-tuned`,
        );
      }
      layers.push({
        layer, owner: model, inputs: node[0].inputTensors.slice(), outputs: node[0].outputTensors.slice(),
        callArgs: { ...(node[0].callArgs ?? {}) },
      });
    }
  };
  walk(root);

  const leafByLayer = new Map<Layer, FlatLayer>(layers.map((l) => [l.layer, l]));
  const resolve = (t: SymbolicTensor): SymbolicTensor => {
    let s = t;
    for (let guard = 0; guard < 64; guard++) {
      const src = s.sourceLayer;
      if (isInputLayer(src)) return input;
      if (!inlined.has(src) || !isModel(src)) return s;
      s = src.outputs[s.tensorIndex ?? 0];
    }
    throw new Error(`cannot resolve tensor ${t.name}: nesting too deep`);
  };
  const byName = new Map<string, FlatLayer>();
  for (const l of layers) if (!byName.has(l.layer.name)) byName.set(l.layer.name, l);
  return { layers, byName, input, resolve, leafOf: (t) => leafByLayer.get(resolve(t).sourceLayer) };
}

/** The leaves `output` depends on, in model order (inputs included). */
export function ancestorsOf(graph: FlatGraph, output: SymbolicTensor): FlatLayer[] {
  const seen = new Set<FlatLayer>();
  const stack = [output];
  while (stack.length) {
    const leaf = graph.leafOf(stack.pop()!);
    if (!leaf || seen.has(leaf)) continue;
    seen.add(leaf);
    if (!isInputLayer(leaf.layer)) stack.push(...leaf.inputs);
  }
  return graph.layers.filter((l) => seen.has(l));
}
