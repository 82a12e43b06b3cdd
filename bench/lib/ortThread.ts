// One single-threaded ONNX Runtime session in a worker thread, for bench/lib/forwardWorker.ts's `ort-2sessions`
// side: onnxruntime-node's session.run() runs the graph synchronously on the calling thread (its promise only
// defers the call with setImmediate), so two sessions in one thread take turns; one per worker thread is how two
// single-threaded sessions would each get a core. Each thread runs the product's path: openOrtSession with 1
// intra-op thread, then ortForward (JS preprocessing from uint8 pixels + session.run) on its share of the batch.
import { parentPort, workerData } from 'node:worker_threads';
import type { Preprocessing } from '../../src/core/zooCatalog';
import { openOrtSession } from '../../src/trainer/engine/ortEngine';
import { ortForward } from '../../src/trainer/forward/ortForward';

export interface OrtThreadData { bytes: Uint8Array; dim: number; size: number; preprocessing: Preprocessing; threads: number }
export type ToOrtThread = { type: 'run'; images: Uint8Array[] } | { type: 'close' };
export type FromOrtThread =
  | { type: 'ready'; engine: string; version: string }
  | { type: 'out'; values: Float32Array }
  | { type: 'error'; message: string };

async function main() {
  const port = parentPort!;
  const d = workerData as OrtThreadData;
  const opened = await openOrtSession(d.bytes, 'onnxruntime', d.threads);
  if (!('session' in opened)) {
    port.postMessage({ type: 'error', message: opened.skipped.map((k) => `${k.engine}: ${k.reason}`).join('; ') } satisfies FromOrtThread);
    return;
  }
  const forward = ortForward({ ort: opened.ort, session: opened.session, dim: d.dim, size: d.size, preprocessing: d.preprocessing, threads: d.threads });
  port.on('message', (m: ToOrtThread) => {
    if (m.type === 'close') {
      void forward.dispose().finally(() => port.close());
      return;
    }
    forward.run(m.images).then(
      (values) => port.postMessage({ type: 'out', values } satisfies FromOrtThread),
      (e: Error) => port.postMessage({ type: 'error', message: String(e?.stack ?? e) } satisfies FromOrtThread),
    );
  });
  port.postMessage({ type: 'ready', engine: opened.info.engine, version: opened.info.version } satisfies FromOrtThread);
}

main().catch((e: Error) => parentPort!.postMessage({ type: 'error', message: String(e?.stack ?? e) } satisfies FromOrtThread));
