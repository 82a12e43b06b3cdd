// A binary classifier's single sigmoid p, as the two class probabilities [1 − p, p]: two nodes appended to a
// converted graph, so whoever loads the export reads one probability per class whatever the number of classes.
// The added column is the trainer's own: ONNX's float32 1 − p equals Math.fround(1 - p) in JS, because a double
// carries more than twice float32's precision and so rounding a difference through it first never changes the float.
import { AttributeType, DataType, decodeModel, encodeModel, float32Bytes } from './onnxProto';

const P = 'tl_sigmoid_p';
const ONE = 'tl_one';
const NOT_P = 'tl_one_minus_p';

/** `bytes` with its [N, 1] output `outputName` replaced by [N, 2] = [1 − p, p], under the same name. */
export function twoClassOutput(bytes: Uint8Array, outputName: string): Uint8Array {
  const model = decodeModel(bytes);
  const g = model.graph;
  const out = g.output.find((o) => o.name === outputName);
  const dims = out?.type.tensorType.shape.dim;
  if (!out || !dims || dims.length !== 2 || !('dimValue' in dims[1]) || dims[1].dimValue !== 1) {
    throw new Error(`internal: the graph's output ${outputName} is not [N, 1]`);
  }
  const taken = new Set([
    ...g.node.flatMap((n) => [n.name, ...n.input, ...n.output]), ...g.initializer.map((t) => t.name),
  ]);
  for (const name of [P, ONE, NOT_P]) if (taken.has(name)) throw new Error(`internal: the graph already has ${name}`);
  // The node that made the output (named after it, as the converter names nodes) now makes p.
  for (const n of g.node) {
    if (!n.output.includes(outputName)) continue;
    n.output = n.output.map((o) => (o === outputName ? P : o));
    if (n.name === outputName) n.name = P;
  }
  g.initializer.push({ name: ONE, dims: [], dataType: DataType.FLOAT, rawData: float32Bytes([1]) });
  g.node.push(
    { name: NOT_P, opType: 'Sub', input: [ONE, P], output: [NOT_P], attribute: [] },
    {
      name: outputName, opType: 'Concat', input: [NOT_P, P], output: [outputName],
      attribute: [{ name: 'axis', type: AttributeType.INT, i: 1 }],
    },
  );
  dims[1] = { dimValue: 2 };
  return encodeModel(model);
}
