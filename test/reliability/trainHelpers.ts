// Shared set-up for the train reliability tests: a small class-folder dataset copied from the shared dogs-vs-cats
// images into a temp folder, and jobs run in-process through runJob (the same code path as the trainer child and
// the CLI), so a test sees the whole result object and every log line.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JobName, TrainerEvent } from '../../src/core/protocol';
import { runJob } from '../../src/trainer/jobs/runJob';

import { ROOT, SHARED, V1 } from '../fixtures/cliRun';

export { ROOT, SHARED, V1 };
const DOGS_VS_CATS = path.join(SHARED, 'data/dogs-vs-cats/train');

/** A fresh temp folder, removed when the test process exits (set TL_KEEP=1 to keep it for a look). */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tlrel-${prefix}-`));
  if (!process.env.TL_KEEP) process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * <dir>/<class>/<file>: for a number n, the first n dogs-vs-cats images named like the class (cat.0.jpg…); for
 * `{ from, start, n }`, n images of that Kaggle class from index `start` (distinct content for an extra class).
 */
export type ClassSpec = number | { from: string; start: number; n: number };

export function classFolders(dir: string, spec: Record<string, ClassSpec>): string {
  for (const [name, s] of Object.entries(spec)) {
    const { from, start, n } = typeof s === 'number' ? { from: name, start: 0, n: s } : s;
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = start; i < start + n; i++) {
      fs.copyFileSync(path.join(DOGS_VS_CATS, `${from}.${i}.jpg`), path.join(dir, name, `${from}.${i}.jpg`));
    }
  }
  return dir;
}

/** Replaces a prepared file with `bytes` and records them in dataset.json, as if prepare had placed them. */
export function replaceListed(prepared: string, file: string, bytes: Buffer): void {
  const manifestFile = path.join(prepared, 'dataset.json');
  type Listed = { path: string; sha256: string; bytes: number };
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { files: Listed[] };
  const rel = path.relative(prepared, file).split(path.sep).join('/');
  const entry = manifest.files.find((f) => f.path === rel);
  if (!entry) throw new Error(`${rel} is not in ${manifestFile}`);
  fs.writeFileSync(file, bytes);
  entry.sha256 = createHash('sha256').update(bytes).digest('hex');
  entry.bytes = bytes.length;
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 1) + '\n');
}

export interface JobRun<T> {
  terminal: TrainerEvent;
  /** The job's result (throws with the error message when the job failed). */
  result: T;
  logs: { level: string; message: string }[];
  error?: { code?: string; message: string; file?: string; hint?: string };
}

/** Runs a job in this process and collects its log lines; never throws, so a test can assert on a failure. */
export async function job<T = Record<string, unknown>>(
  name: JobName, config: Record<string, unknown>,
): Promise<JobRun<T>> {
  const logs: { level: string; message: string }[] = [];
  const emit = (e: TrainerEvent) => {
    if (e.type === 'log') logs.push({ level: e.level, message: e.message });
  };
  const terminal = await runJob(name, config, { emit, signal: new AbortController().signal });
  if (terminal.type === 'done') return { terminal, logs, result: terminal.result as T };
  const error = terminal as { code?: string; message: string; file?: string; hint?: string };
  return {
    terminal, logs, error,
    get result(): T {
      throw new Error(`${name} failed: ${error.message}`);
    },
  };
}

/** A small, quick training config: one forward thread (the machine is shared), no augmentation, 2 epochs. */
export function smallTrain(
  dataset: string, work: string, extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    dataset, backbone: V1, runsDir: path.join(work, 'runs'), cacheDir: path.join(work, 'cache'),
    epochs: 2, augment: 0, batch: 8, workers: 1, ...extra,
  };
}

export async function prepare(source: string, out: string, extra: Record<string, unknown> = {}): Promise<void> {
  const r = await job('prepare', { source, out, placement: 'copy', val: 0.25, seed: 42, ...extra });
  if (r.error) throw new Error(`prepare failed: ${r.error.message}`);
}
