// Starts one of the trainer's worker-thread entries: the bundled file beside this one (dist/), or, from the
// TypeScript sources (tests, benches), the .ts entry compiled through tsx as this thread's modules were.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

export function startWorkerThread(entry: 'forwardWorker' | 'ortWorker', workerData?: unknown): Worker {
  const bundled = path.join(__dirname, `${entry}.js`);
  if (existsSync(bundled)) return new Worker(bundled, { workerData });
  const source = path.join(__dirname, `${entry}.ts`);
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true, workerData });
}
