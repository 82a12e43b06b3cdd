// The frozen pass's ONNX Runtime session, on a worker thread of its own. onnxruntime-node's session.run() computes
// synchronously on the thread that calls it (its promise only defers the call), so on the job's thread every
// forward pass stopped everything else the job does between passes: augmenting the next images, preprocessing
// them, storing the last vectors. Here the session computes while the job's thread prepares the next batch.
// It receives preprocessed float32 batches (transferred, not copied) and answers each with its output rows.
import { parentPort, workerData } from 'node:worker_threads';
import type { FrozenEngineInfo, FrozenPreference, SkippedFrozenEngine } from '../../core/frozenEngineChoice';
import { openOrtSession } from '../engine/ortEngine';

export interface OrtWorkerData { graph: Uint8Array; preference: FrozenPreference; threads: number }
export type ToOrtWorker = { type: 'run'; id: number; x: Float32Array; dims: number[] } | { type: 'close' };
export type FromOrtWorker =
  | { type: 'ready'; info: FrozenEngineInfo; inputName: string; outputName: string }
  | { type: 'unavailable'; skipped: SkippedFrozenEngine[] }
  | { type: 'done'; id: number; data: Float32Array; outputType: string; outputDims: number[] }
  | { type: 'failed'; id?: number; message: string };

async function main(): Promise<void> {
  const port = parentPort!;
  const d = workerData as OrtWorkerData;
  const opened = await openOrtSession(d.graph, d.preference, d.threads);
  if (!('session' in opened)) {
    port.postMessage({ type: 'unavailable', skipped: opened.skipped } satisfies FromOrtWorker);
    return;
  }
  const { ort, session } = opened;
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  // One batch at a time, in arrival order: the session already spreads a batch over every core.
  let queue = Promise.resolve();
  port.on('message', (m: ToOrtWorker) => {
    if (m.type === 'close') {
      // After the run in progress: a thread terminated inside session.run() aborts the whole process (the addon
      // throws into an environment that is going away). Closing the port lets this thread end by itself.
      queue = queue.then(() => session.release()).catch(() => undefined).finally(() => port.close());
      return;
    }
    queue = queue.then(async () => {
      try {
        const y = (await session.run({ [inputName]: new ort.Tensor('float32', m.x, m.dims) }))[outputName];
        if (!(y.data instanceof Float32Array)) throw new Error(`the ONNX graph returned ${y.type}, expected float32`);
        // A copy of our own to transfer: the tensor's buffer may belong to the addon.
        const data = y.data.slice();
        port.postMessage(
          { type: 'done', id: m.id, data, outputType: y.type, outputDims: [...y.dims].map(Number) } satisfies FromOrtWorker,
          [data.buffer as ArrayBuffer],
        );
      } catch (e) {
        port.postMessage({ type: 'failed', id: m.id, message: (e as Error).message ?? String(e) } satisfies FromOrtWorker);
      }
    });
  });
  port.postMessage({ type: 'ready', info: opened.info, inputName, outputName } satisfies FromOrtWorker);
}

main().catch((e: unknown) =>
  parentPort!.postMessage({ type: 'failed', message: (e as Error)?.message ?? String(e) } satisfies FromOrtWorker));
