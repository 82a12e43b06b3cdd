// Shared set-up for the store*.test.ts reliability tests: a small prepared dogs-vs-cats copy in a temp folder,
// a quick MobileNet v1 0.25 run, and the CLI (dist/cli.js, so `npm run build` first) run as a user runs it.
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, cliJson, SHARED } from '../fixtures/cliRun';

export { cliJson, SHARED };
export const V1 = path.join(SHARED, 'models/mobilenet_v1_0.25_224_layers');

export const tempDir = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `tl-${tag}-`));

/** 30 cats and 30 dogs copied from the shared data into `work`, prepared into `work/prepared`. */
export function preparedDataset(work: string): string {
  const source = path.join(work, 'source');
  fs.mkdirSync(source, { recursive: true });
  for (const c of ['cat', 'dog']) {
    for (let i = 0; i < 30; i++) {
      const name = `${c}.${i}.jpg`;
      fs.copyFileSync(path.join(SHARED, 'data/dogs-vs-cats/train', name), path.join(source, name));
    }
  }
  const prepared = path.join(work, 'prepared');
  // Only the prepared folder matters here; prepare's own exit code and output are tested elsewhere.
  const r = cli(['prepare', source, '--out', prepared, '--copy', '--json']);
  if (!fs.existsSync(path.join(prepared, 'dataset.json'))) {
    throw new Error(`prepare failed (exit ${r.status}):\n${r.stderr.slice(-3000)}`);
  }
  return prepared;
}

export interface TrainResult {
  dir: string;
  best: { epoch: number; valLoss: number; valAcc: number };
  cache: { computed: number; fromCache: number; corrupt?: number };
}

/** A two-epoch feature-extractor run on 10 images per class (about 4 s). */
export function trainSmall(prepared: string, work: string, extra: string[] = []) {
  const r = cliJson(['train', prepared, '--backbone', V1, '--max-per-class', '10', '--epochs', '2',
    '--runs', path.join(work, 'runs'), '--cache', path.join(work, 'cache'), ...extra, '--json']);
  return { ...r, result: r.json as TrainResult };
}

/** Runs `transfer-lab <args>` without asserting its exit code. */
export function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20, env });
}

/** Every file under `dir`, sorted. */
export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

/** Replaces a file's bytes with random ones of the same length. */
export function fillWithGarbage(file: string): void {
  fs.writeFileSync(file, crypto.randomBytes(fs.statSync(file).size));
}

export function truncate(file: string, keep = 0.5): void {
  fs.truncateSync(file, Math.floor(fs.statSync(file).size * keep));
}

export const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
