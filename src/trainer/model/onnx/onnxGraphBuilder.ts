// Bookkeeping for one ONNX graph: unique value names, nodes in topological order, and initializers, each weight
// written once however often its layer is called.
import {
  AttributeType, DataType, float32Bytes, int64Bytes,
  type OnnxAttribute, type OnnxDim, type OnnxNode, type OnnxTensor, type OnnxValueInfo,
} from './onnxProto';

/** A float attribute: numbers alone are written as INT/INTS, so floats say so. */
export interface FloatAttr { float: number }
export interface FloatsAttr { floats: number[] }
export type Attr = number | number[] | string | FloatAttr | FloatsAttr;
export const float = (v: number): FloatAttr => ({ float: v });

function attribute(name: string, v: Attr): OnnxAttribute {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return { name, type: AttributeType.INT, i: checkedInt(name, v) };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v.map((x) => checkedInt(name, x)) };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  return { name, type: AttributeType.FLOATS, floats: v.floats };
}

function checkedInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v)) throw new Error(`internal: attribute ${name} must be an integer, got ${v}`);
  return v;
}

/** TF shapes are [batch, ...] with null for sizes not fixed; ONNX gets the batch as the symbol 'N'. */
export function valueInfo(name: string, shape: readonly (number | null)[]): OnnxValueInfo {
  const dim = shape.map((d, i): OnnxDim => (i === 0 ? { dimParam: 'N' } : d == null ? {} : { dimValue: d }));
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim } } } };
}

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();
  private readonly weights = new WeakMap<object, Map<string, string>>();
  private readonly scalars = new Map<string, string>();

  /** `reserved`: the graph's input and output names, kept free of internal values. */
  constructor(reserved: readonly string[] = []) {
    for (const r of reserved) this.used.add(r);
  }

  /** `base`, or `base_1`, `base_2`…: layer names repeat across nested models and a layer may be called twice. */
  uniqueName(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Adds one node with one output; returns the output's name (also the node's name). */
  op(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, hint = opType): string {
    const out = this.uniqueName(hint);
    this.nodeTo(opType, inputs, out, attrs);
    return out;
  }

  /** Adds a node whose output name is already taken by the caller (the graph output). */
  nodeTo(opType: string, inputs: readonly string[], output: string, attrs: Record<string, Attr> = {}): void {
    this.nodes.push({
      name: output, opType, input: [...inputs], output: [output],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
  }

  floatTensor(hint: string, dims: readonly number[], values: ArrayLike<number>): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== values.length) throw new Error(`internal: ${hint} has ${values.length} values for shape [${dims}]`);
    const name = this.uniqueName(hint);
    this.initializers.push({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: float32Bytes(values) });
    return name;
  }

  int64Tensor(hint: string, values: readonly number[]): string {
    const name = this.uniqueName(hint);
    this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: int64Bytes(values) });
    return name;
  }

  /** A float scalar (Clip's bounds, a divisor), shared by every node that needs the same value. */
  scalar(value: number): string {
    const key = String(Math.fround(value));
    let name = this.scalars.get(key);
    if (!name) {
      name = this.uniqueName(`const_${key}`);
      this.initializers.push({ name, dims: [], dataType: DataType.FLOAT, rawData: float32Bytes([value]) });
      this.scalars.set(key, name);
    }
    return name;
  }

  /** An initializer derived from `owner`'s weights, made once: a layer called twice reuses it. */
  weight(owner: object, role: string, hint: string, dims: readonly number[], make: () => ArrayLike<number>): string {
    let byRole = this.weights.get(owner);
    if (!byRole) this.weights.set(owner, (byRole = new Map()));
    let name = byRole.get(role);
    if (!name) byRole.set(role, (name = this.floatTensor(hint, dims, make())));
    return name;
  }

  transpose(x: string, perm: readonly number[], hint: string): string {
    return this.op('Transpose', [x], { perm: [...perm] }, hint);
  }
}
