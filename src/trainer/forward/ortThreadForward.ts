// The jobs' frozen pass on ONNX Runtime, its session on a worker thread (ortWorker.ts). This thread preprocesses
// a batch (as toBatchTensor does for tfjs) and hands it over, transferred, while the worker computes the one
// before: two batches in flight. On the job's own thread, session.run() held it for the whole pass, and the
// augmentation and preprocessing of the next batch waited: the feature extractor's embedding stage on the shared
// Dogs vs Cats photos spent 5.8 s of its 12 s inside run() with nothing else moving (bench/e2e.ts).
import type { Worker } from 'node:worker_threads';
import type { FrozenEngineInfo, FrozenPreference, SkippedFrozenEngine } from '../../core/frozenEngineChoice';
import type { Preprocessing } from '../../core/zooCatalog';
import { preprocessBatch } from '../images/imagePipeline';
import type { BatchForward } from './batchForward';
import type { FromOrtWorker, OrtWorkerData, ToOrtWorker } from './ortWorker';
import { startWorkerThread } from './workerThread';

export interface OrtThreadOptions {
  preference: FrozenPreference;
  /** Values per image in the output. */
  dim: number;
  size: number;
  preprocessing: Preprocessing;
  /** The session's intra-op threads. */
  threads: number;
}

export type OrtThreadOpened =
  | { forward: BatchForward; info: FrozenEngineInfo }
  /** No ONNX Runtime provider opened the graph: the reasons, as openOrtSession gives them. */
  | { skipped: SkippedFrozenEngine[] }
  /** The worker itself did not start or died while opening: the caller may open the session in its own thread. */
  | { workerFailed: string };

/** How long a closing worker may take to finish its run before it is terminated anyway. */
const CLOSE_TIMEOUT_MS = 60_000;

interface Pending { n: number; resolve(v: Float32Array): void; reject(e: Error): void }

export async function openOrtThread(graph: Uint8Array, o: OrtThreadOptions): Promise<OrtThreadOpened> {
  let worker: Worker;
  try {
    worker = startWorkerThread('ortWorker', { graph, preference: o.preference, threads: o.threads } satisfies OrtWorkerData);
  } catch (e) {
    return { workerFailed: (e as Error).message };
  }
  const first = await new Promise<FromOrtWorker | Error>((resolve) => {
    const exited = (code: number) => resolve(new Error(`the ONNX Runtime worker exited (code ${code}) before it was ready`));
    const settle = (v: FromOrtWorker | Error) => {
      worker.off('message', settle).off('error', settle).off('exit', exited);
      resolve(v);
    };
    worker.on('message', settle).on('error', settle).on('exit', exited);
  });
  if (first instanceof Error || first.type === 'failed' || first.type === 'done') {
    await worker.terminate();
    return { workerFailed: first instanceof Error ? first.message : first.type === 'failed' ? first.message : 'unexpected' };
  }
  if (first.type === 'unavailable') {
    await worker.terminate();
    return { skipped: first.skipped };
  }
  return { forward: new OrtThreadForward(worker, o), info: first.info };
}

class OrtThreadForward implements BatchForward {
  readonly dim: number;
  /** Batches in flight: one computing on the worker while this thread prepares the next. */
  readonly threads = 2;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private broken: Error | undefined;

  constructor(private readonly worker: Worker, private readonly o: OrtThreadOptions) {
    this.dim = o.dim;
    worker.on('message', (m: FromOrtWorker) => this.answered(m));
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`the ONNX Runtime worker exited (code ${code})`)));
    // Idle, it must not keep the process alive; with a pass owed, it must.
    worker.unref();
  }

  async run(images: Uint8Array[]): Promise<Float32Array> {
    if (this.broken) throw this.broken;
    const x = preprocessBatch(images, this.o.size, this.o.preprocessing);
    const id = this.nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { n: images.length, resolve, reject });
      this.worker.ref();
      const message: ToOrtWorker = { type: 'run', id, x, dims: [images.length, this.o.size, this.o.size, 3] };
      this.worker.postMessage(message, [x.buffer]);
    });
  }

  private answered(m: FromOrtWorker): void {
    if (m.type !== 'done' && m.type !== 'failed') return;
    if (m.id === undefined) return this.fail(new Error(m.type === 'failed' ? m.message : 'unexpected'));
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (!this.pending.size) this.worker.unref();
    if (m.type === 'failed') return p.reject(new Error(m.message));
    if (m.data.length !== p.n * this.dim) {
      return p.reject(new Error(`the ONNX graph returned ${m.outputType} [${m.outputDims.join(', ')}], ` +
        `expected float32 with ${this.dim} values per image`));
    }
    p.resolve(m.data);
  }

  private fail(e: Error): void {
    this.broken ??= e;
    for (const p of this.pending.values()) p.reject(this.broken);
    this.pending.clear();
  }

  /**
   * Asks the worker to release its session after the run in progress and end; waits for it, so the process never
   * exits (or terminates the thread) while ONNX Runtime is inside a run: that aborts the process (SIGABRT, seen
   * when a cancelled job exited mid-pass). A run that never returns is terminated after CLOSE_TIMEOUT_MS.
   */
  async dispose(): Promise<void> {
    this.fail(new Error('the frozen pass was closed'));
    this.worker.removeAllListeners('exit');
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref();
    this.worker.postMessage({ type: 'close' } satisfies ToOrtWorker);
    const stuck = setTimeout(() => void this.worker.terminate(), CLOSE_TIMEOUT_MS);
    await exited;
    clearTimeout(stuck);
  }
}
