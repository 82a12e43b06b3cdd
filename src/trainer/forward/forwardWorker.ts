// A forward-pass worker thread: loads the engine and the model named in its init message, then answers batches
// of decoded images with their output rows, one batch at a time.
import type * as tfType from '@tensorflow/tfjs';
import { parentPort } from 'node:worker_threads';
import type { EngineName } from '../../core/engineChoice';
import { loadBackbone } from '../model/backbone';
import { forwardInChunks, type ForwardSpec } from './batchForward';
import { loadEngine, type Tf } from '../engine/engine';
import type { Preprocessing } from '../../core/zooCatalog';
import { fileSystemLoader } from '../model/modelFiles';

export type ToWorker =
  | { type: 'init'; spec: ForwardSpec; engine: EngineName }
  | { type: 'batch'; n: number; pixels: Uint8Array };
export type FromWorker =
  | { type: 'ready'; dim: number }
  | { type: 'initError'; message: string }
  | { type: 'done'; data: Float32Array }
  | { type: 'failed'; message: string };

interface Built { dim: number; preprocessing: Preprocessing; size: number; run(x: tfType.Tensor4D): tfType.Tensor }

async function build(tf: Tf, spec: ForwardSpec): Promise<Built> {
  if (spec.kind === 'classifier') {
    const model = await tf.loadLayersModel(fileSystemLoader(spec.modelJson));
    const dim = model.outputs[0].shape.at(-1) as number;
    return { dim, preprocessing: spec.preprocessing, size: spec.size, run: (x) => model.predict(x) as tfType.Tensor };
  }
  const backbone = await loadBackbone(spec.backbone);
  if (!spec.split)
    return {
      dim: backbone.featureDim,
      preprocessing: backbone.preprocessing,
      size: spec.size,
      run: (x) => backbone.embed(x),
    };
  const split = backbone.splitAt(spec.split.unfreezeFrom, spec.split.options);
  return {
    dim: split.boundaryShape.reduce((a, b) => a * b, 1), preprocessing: backbone.preprocessing, size: spec.size,
    run: (x) => split.frozenBottom.predict(x) as tfType.Tensor,
  };
}

function serve(tf: Tf, model: Built): void {
  const per = model.size * model.size * 3;
  parentPort!.on('message', async (m: ToWorker) => {
    if (m.type !== 'batch') return;
    try {
      const images = Array.from({ length: m.n }, (_, i) => m.pixels.subarray(i * per, (i + 1) * per));
      const data = await forwardInChunks(tf, images, model);
      parentPort!.postMessage({ type: 'done', data } satisfies FromWorker, [data.buffer as ArrayBuffer]);
    } catch (e) {
      parentPort!.postMessage({ type: 'failed', message: (e as Error).message } satisfies FromWorker);
    }
  });
}

parentPort?.once('message', async (m: ToWorker) => {
  if (m.type !== 'init') return;
  try {
    const { tf } = await loadEngine(m.engine);
    const model = await build(tf, m.spec);
    serve(tf, model);
    parentPort!.postMessage({ type: 'ready', dim: model.dim } satisfies FromWorker);
  } catch (e) {
    parentPort!.postMessage({ type: 'initError', message: (e as Error).message } satisfies FromWorker);
  }
});
