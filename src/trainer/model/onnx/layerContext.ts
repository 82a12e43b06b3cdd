// What a layer converter gets and gives back, the one error for "this stays on TF.js", and the layout rule.
//
// Layout rule: a rank-4 tensor is NCHW in the ONNX graph (what Conv, pooling and BatchNormalization take, and
// what TensorRT and OpenVINO run fastest), every other rank keeps TF's layout. Shapes carried along are always
// TF's, so a converter reads sizes the way the Keras config means them and maps axes with onnxAxis().
import type * as tfType from '@tensorflow/tfjs';
import type { GraphBuilder } from './onnxGraphBuilder';

type Layer = tfType.layers.Layer;
export type Shape = readonly (number | null)[];

export interface OnnxValue {
  name: string;
  /** TF's shape (NHWC for rank 4), whatever the ONNX layout. */
  shape: Shape;
}

export interface LayerCall {
  layer: Layer;
  config: Record<string, unknown>;
  inputs: OnnxValue[];
  outputShapes: Shape[];
  b: GraphBuilder;
}

/** Emits the layer's nodes and returns the ONNX names of its outputs, in the layer's output order. */
export type LayerConverter = (c: LayerCall) => string[];

/** A layer (or a layer setting) we cannot express in ONNX: the caller keeps that model on TF.js. */
export class UnsupportedLayerError extends Error {
  constructor(readonly layerName: string, readonly className: string, reason?: string) {
    super(reason
      ? `layer "${layerName}" (${className}) cannot be converted to ONNX: ${reason}`
      : `layer "${layerName}" (${className}) has no ONNX conversion yet`);
    this.name = 'UnsupportedLayerError';
  }
}

export const unsupported = (c: LayerCall, reason: string) =>
  new UnsupportedLayerError(c.layer.name, c.layer.getClassName(), reason);

export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;
export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;

/** TF axis (negative allowed) → the same axis in the ONNX layout of a tensor of this rank. */
export function onnxAxis(tfAxis: number, rank: number): number {
  const a = tfAxis < 0 ? tfAxis + rank : tfAxis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`internal: no axis ${tfAxis} in rank ${rank}`);
  return rank === 4 ? NHWC_TO_NCHW.indexOf(a as 0 | 1 | 2 | 3) : a;
}

/** The value in TF's element order: rank 4 transposed back to NHWC, anything else as is. */
export function inTfLayout(b: GraphBuilder, v: OnnxValue, hint: string): string {
  return v.shape.length === 4 ? b.transpose(v.name, NCHW_TO_NHWC, hint) : v.name;
}

/** A value in TF's element order brought into the graph's layout for its rank. */
export function fromTfLayout(b: GraphBuilder, name: string, rank: number, hint: string): string {
  return rank === 4 ? b.transpose(name, NHWC_TO_NCHW, hint) : name;
}

/** A Keras size setting, given as one number or one per spatial axis. */
export function pair(c: LayerCall, key: string, fallback?: number): [number, number] {
  const v = c.config[key] ?? fallback;
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : undefined;
  if (!p || !p.every((x) => Number.isInteger(x) && x > 0)) throw unsupported(c, `${key} ${JSON.stringify(v)}`);
  return [p[0], p[1]];
}

export function num(c: LayerCall, key: string, fallback: number): number {
  const v = c.config[key];
  if (v == null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw unsupported(c, `${key} ${JSON.stringify(v)}`);
  return v;
}

export interface LayerWeight { shape: number[]; read: () => Float32Array }

/**
 * A weight by its Keras name (kernel, bias, gamma, moving_mean…), not its position: the order of getWeights()
 * changes when some of a layer's variables are non-trainable, as a frozen BatchNorm's are. Read lazily, so a
 * layer called twice is read once (GraphBuilder.weight caches what it made).
 */
export function weight(c: LayerCall, role: string): LayerWeight | undefined {
  const v = c.layer.weights.find((w) => w.originalName === role || w.originalName.endsWith(`/${role}`));
  if (!v) return undefined;
  return { shape: [...v.shape] as number[], read: () => v.read().dataSync() as Float32Array };
}

export function requireWeight(c: LayerCall, role: string): LayerWeight {
  const w = weight(c, role);
  if (!w) throw unsupported(c, `it has no "${role}" weight (is the layer built?)`);
  return w;
}
