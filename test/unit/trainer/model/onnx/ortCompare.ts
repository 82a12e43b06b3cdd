// Runs a converted model in onnxruntime-node next to TF.js, for the converter's tests.
import assert from 'node:assert/strict';
import type * as tfType from '@tensorflow/tfjs';
import { convertLayersModel, type OnnxConversion } from '../../../../../src/trainer/model/onnx/layersToOnnx';

type Tf = typeof tfType;
type Ort = typeof import('onnxruntime-node');

let ort: Ort | undefined;
let ortMissing = '';

/** onnxruntime-node is an optional dependency: undefined (and a reason) where it did not install. */
export async function loadOrt(): Promise<Ort | undefined> {
  if (ort || ortMissing) return ort;
  try {
    ort = await import('onnxruntime-node');
  } catch (e) {
    ortMissing = `onnxruntime-node is not installed: ${(e as Error).message.split('\n')[0]}`;
  }
  return ort;
}
export const whyNoOrt = () => ortMissing;

export async function runOnnx(conv: OnnxConversion, x: tfType.Tensor): Promise<{ data: Float32Array; dims: number[] }> {
  const rt = (await loadOrt())!;
  const session = await rt.InferenceSession.create(Buffer.from(conv.bytes), { intraOpNumThreads: 2 });
  try {
    const feeds = { [conv.inputName]: new rt.Tensor('float32', x.dataSync() as Float32Array, x.shape) };
    const out = (await session.run(feeds))[conv.outputName];
    return { data: out.data as Float32Array, dims: out.dims.map(Number) };
  } finally {
    await session.release();
  }
}

export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same number of values');
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Converts `model`, runs both on `x`, and returns the largest difference (asserting shape and layout agree). */
export async function compareOnBatch(model: tfType.LayersModel, x: tfType.Tensor): Promise<number> {
  const conv = convertLayersModel(model);
  const ref = model.predict(x) as tfType.Tensor;
  const got = await runOnnx(conv, x);
  assert.deepEqual(got.dims, ref.shape, 'ONNX output shape (and so layout) is TF.js\'');
  const d = maxAbs(ref.dataSync(), got.data);
  ref.dispose();
  return d;
}

/**
 * Every weight replaced by seeded random values, BatchNorm moving statistics included (fresh layers have mean 0
 * and variance 1, which would hide a mean or variance read from the wrong place). Variances and gammas stay
 * positive and away from 0, as trained ones are.
 */
export function randomizeWeights(tf: Tf, model: tfType.LayersModel, seed: number): void {
  let s = seed;
  for (const layer of model.layers) {
    if (Array.isArray((layer as Partial<tfType.LayersModel>).layers)) {
      randomizeWeights(tf, layer as tfType.LayersModel, s += 101);
      continue;
    }
    const values = layer.weights.map((w) => {
      const shape = w.shape as number[];
      return /moving_variance|gamma/.test(w.originalName)
        ? tf.randomUniform(shape, 0.5, 1.5, 'float32', s++)
        : tf.randomNormal(shape, 0, 0.5, 'float32', s++);
    });
    if (values.length) layer.setWeights(values);
    tf.dispose(values);
  }
}
