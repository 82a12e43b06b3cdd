// A TF.js layers model → an ONNX model (opset 13) that gives the same outputs for the same preprocessed images.
//
// The walk starts at the model's output and follows each tensor to the call (inbound node) that made it, so only
// what the output depends on is converted: the backbone's feature model and a fine-tuning split's frozen bottom
// are sub-models over a bigger graph. It follows exactly the tensors that flattenModel() captures, but per
// call rather than per layer, so it still works after splitAt() re-applied layers (a second inbound node on each,
// where flattenModel() refuses), and a layer called twice becomes two nodes sharing one set of weights.
// A nested model is reached through its call node either way: one whose graph its parent adopted (Teachable
// Machine's Sequential(Sequential(MobileNetV2, GAP), head)) is walked through as if inlined; one applied as a
// layer (TM's head, on the pooled features) is converted from its own graph, fed with its call's inputs.
//
// The image arrives NHWC, as TF.js takes it, and is transposed to NCHW once; a rank-4 output is transposed back,
// so the ONNX output has TF.js' layout and values.
import type * as tfType from '@tensorflow/tfjs';
import { isInputLayer, isModel } from '../modelFlatten';
import { CONVERTERS } from './layerConverters';
import { NCHW_TO_NHWC, NHWC_TO_NCHW, UnsupportedLayerError, type OnnxValue, type Shape } from './layerContext';
import { GraphBuilder, valueInfo } from './onnxGraphBuilder';
import { encodeModel } from './onnxProto';

export { UnsupportedLayerError } from './layerContext';

type SymbolicTensor = tfType.SymbolicTensor;
type Layer = tfType.layers.Layer;
type LayersModel = tfType.LayersModel;

/**
 * ai.onnx opset 13 with IR 7, the pair ONNX 1.8 (2020) shipped: new enough for every op we write, old enough that
 * TensorRT's and OpenVINO's parsers of the last years read it.
 */
export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;

export interface OnnxConversion {
  bytes: Uint8Array;
  inputName: string;
  outputName: string;
  /** TF's shapes, NHWC for images; the batch (null) is the symbol 'N' in the file. */
  inputShape: (number | null)[];
  outputShape: (number | null)[];
}

export interface ConvertOptions {
  /** Written as the model's metadata_props (labels, preprocessing, the source run…). */
  metadata?: Record<string, string>;
  graphName?: string;
}

const INPUT = 'image';
const OUTPUT = 'output';

export function convertLayersModel(model: LayersModel, o: ConvertOptions = {}): OnnxConversion {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(`${model.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; ` +
      'the ONNX export takes one image input and one output');
  }
  const b = new GraphBuilder([INPUT, OUTPUT]);
  const input = model.inputs[0];
  const inputShape = [...input.shape];
  const x: OnnxValue = {
    name: inputShape.length === 4 ? b.transpose(INPUT, NHWC_TO_NCHW, `${INPUT}_nchw`) : INPUT,
    shape: inputShape,
  };
  const [y] = convertGraph(b, model, [x]);
  if (y.shape.length === 4) b.nodeTo('Transpose', [y.name], OUTPUT, { perm: [...NCHW_TO_NHWC] });
  else b.nodeTo('Identity', [y.name], OUTPUT);
  const outputShape = [...model.outputs[0].shape];

  const bytes = encodeModel({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'transfer-lab',
    graph: {
      name: o.graphName ?? model.name,
      node: b.nodes,
      initializer: b.initializers,
      input: [valueInfo(INPUT, inputShape)],
      output: [valueInfo(OUTPUT, outputShape)],
    },
    metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return { bytes, inputName: INPUT, outputName: OUTPUT, inputShape, outputShape };
}

/** Converts what `model`'s outputs need, given ONNX values for its inputs; returns values for its outputs. */
function convertGraph(b: GraphBuilder, model: LayersModel, inputs: readonly OnnxValue[]): OnnxValue[] {
  const values = new Map<SymbolicTensor, OnnxValue>();
  model.inputs.forEach((t, i) => values.set(t, inputs[i]));
  const producer = (t: SymbolicTensor) => {
    const layer = t.sourceLayer;
    if (isInputLayer(layer)) {
      throw new Error(`${model.name} reads "${layer.name}", which is not its input: a model with several inputs`);
    }
    const node = layer.inboundNodes[t.nodeIndex];
    if (!node) throw new Error(`internal: ${layer.name} has no call #${t.nodeIndex}`);
    return { layer, node };
  };
  // Depth-first from the outputs with an explicit stack: a deep network would overflow a recursive walk.
  const expanded = new Set<SymbolicTensor>();
  for (const out of model.outputs) {
    const stack = [out];
    while (stack.length) {
      const t = stack[stack.length - 1];
      if (values.has(t)) {
        stack.pop();
        continue;
      }
      const { layer, node } = producer(t);
      const pending = node.inputTensors.filter((i) => !values.has(i));
      if (pending.length) {
        if (expanded.has(t)) throw new Error(`internal: a cycle through ${layer.name}`);
        expanded.add(t);
        stack.push(...pending);
        continue;
      }
      stack.pop();
      const ins = node.inputTensors.map((i) => values.get(i)!);
      const outs = isModel(layer)
        ? convertGraph(b, layer, ins).map((v) => v.name)
        : convertLayer(b, layer, ins, node.outputTensors.map((o) => o.shape));
      node.outputTensors.forEach((o, i) => values.set(o, { name: outs[i], shape: o.shape }));
    }
  }
  return model.outputs.map((t) => values.get(t)!);
}

function convertLayer(b: GraphBuilder, layer: Layer, inputs: OnnxValue[], outputShapes: Shape[]): string[] {
  const className = layer.getClassName();
  const converter = Object.hasOwn(CONVERTERS, className) ? CONVERTERS[className] : undefined;
  if (!converter) throw new UnsupportedLayerError(layer.name, className);
  const config = layer.getConfig() as Record<string, unknown>;
  if (config.dataFormat != null && config.dataFormat !== 'channelsLast') {
    throw new UnsupportedLayerError(layer.name, className, `data_format ${String(config.dataFormat)}`);
  }
  const outs = converter({ layer, config, inputs, outputShapes, b });
  if (outs.length !== outputShapes.length) {
    throw new Error(`internal: ${layer.name} made ${outs.length} outputs, tfjs has ${outputShapes.length}`);
  }
  return outs;
}
