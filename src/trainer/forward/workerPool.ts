// The main-thread side of the forward workers: each takes one batch at a time; batches queue until one is free.
// Pixels travel as transferred buffers, not copies. A worker that dies fails its batch and every later one,
// so a job never waits on a pass that will not come.
import type { Worker } from 'node:worker_threads';
import type { EngineName } from '../../core/engineChoice';
import type { BatchForward, ForwardSpec } from './batchForward';
import type { ToWorker, FromWorker } from './forwardWorker';
import { startWorkerThread } from './workerThread';

interface Task { images: Uint8Array[]; resolve(v: Float32Array): void; reject(e: Error): void }

const startWorker = () => startWorkerThread('forwardWorker');

export class WorkerPool implements BatchForward {
  private readonly idle: Worker[] = [];
  private readonly queue: Task[] = [];
  private readonly running = new Map<Worker, Task>();
  private broken: Error | undefined;

  private constructor(readonly dim: number, private readonly workers: Worker[]) {}

  get threads(): number {
    return this.workers.length;
  }

  static async open(spec: ForwardSpec, o: { dim: number; threads: number; engine: EngineName }): Promise<WorkerPool> {
    const workers = Array.from({ length: o.threads }, startWorker);
    const pool = new WorkerPool(o.dim, workers);
    try {
      await Promise.all(workers.map((w) => pool.init(w, { type: 'init', spec, engine: o.engine })));
    } catch (e) {
      await pool.dispose();
      throw e;
    }
    return pool;
  }

  private init(w: Worker, message: ToWorker): Promise<void> {
    return new Promise((resolve, reject) => {
      const failed = (e: Error) => reject(e);
      w.once('error', failed);
      w.once('message', (m: FromWorker) => {
        w.off('error', failed);
        if (m.type !== 'ready') return reject(new Error(m.type === 'initError' ? m.message : `unexpected ${m.type}`));
        if (m.dim !== this.dim)
          return reject(new Error(`a worker's model gives ${m.dim} values per image, this thread's ${this.dim}`));
        w.on('message', (r: FromWorker) => this.finished(w, r));
        w.on('error', (e) => this.died(w, e));
        w.on('exit', (code) => this.died(w, new Error(`a forward worker exited (code ${code})`)));
        // An idle worker must not keep the process alive; a busy one must, or the pass it owes is lost.
        w.unref();
        this.idle.push(w);
        resolve();
      });
      w.postMessage(message);
    });
  }

  run(images: Uint8Array[]): Promise<Float32Array> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.queue.push({ images, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop()!;
      const task = this.queue.shift()!;
      this.running.set(w, task);
      w.ref();
      const per = task.images[0]?.length ?? 0;
      const pixels = new Uint8Array(task.images.length * per);
      task.images.forEach((img, i) => pixels.set(img, i * per));
      w.postMessage({ type: 'batch', n: task.images.length, pixels } satisfies ToWorker, [pixels.buffer]);
    }
  }

  private finished(w: Worker, r: FromWorker): void {
    const task = this.running.get(w);
    if (!task) return;
    this.running.delete(w);
    w.unref();
    this.idle.push(w);
    if (r.type === 'done') task.resolve(r.data);
    else task.reject(new Error(r.type === 'failed' ? r.message : `unexpected ${r.type}`));
    this.next();
  }

  private died(w: Worker, e: Error): void {
    this.broken ??= e;
    this.running.get(w)?.reject(e);
    this.running.delete(w);
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    if (!this.idle.length && !this.running.size) for (const t of this.queue.splice(0)) t.reject(e);
  }

  async dispose(): Promise<void> {
    this.broken ??= new Error('the forward workers were closed');
    for (const t of this.queue.splice(0)) t.reject(this.broken);
    await Promise.all(this.workers.map((w) => {
      w.removeAllListeners('exit');
      return w.terminate();
    }));
  }
}
