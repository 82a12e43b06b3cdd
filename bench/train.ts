// The training engine's speed and memory on the shared dogs-vs-cats split (560/560 train, 140/140 val), through the
// real CLI. Prints one JSON object: decode img/s, backbone forward img/s, cached-activation fine-tuning img/s,
// seconds per phase for a first run, a cached rerun and a fine-tune, and each trainer's peak RSS.
// Run: npm run build && node --import tsx bench/train.ts
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { loadBackbone } from '../src/trainer/model/backbone';
import { loadEngine } from '../src/trainer/engine/engine';
import { decodeImage } from '../src/trainer/images/imagePipeline';
import { runCli } from './lib/cliRun';
import { CLI, DOGS_VS_CATS, TEACHABLE as TM } from './lib/paths';
import { round } from './lib/stats';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-train-'));

/** The CLI run with its peak RSS (VmHWM) and wall seconds, as this bench reports them. */
async function cliWithPeak(args: string[]): Promise<{ json: Record<string, unknown>; peakMb: number; wall: number }> {
  const r = await runCli(args);
  return { json: r.json, peakMb: r.peakRssMb, wall: round(r.wallSeconds) };
}

async function main() {
  const prepared = path.join(work, 'prepared');
  spawnSync(process.execPath, [CLI, 'prepare', DOGS_VS_CATS, '--out', prepared, '--copy', '--json'], { stdio: 'ignore' });
  const files = fs.readdirSync(path.join(prepared, 'train/cat')).slice(0, 128).map((f) => path.join(prepared, 'train/cat', f));

  const { tf, info } = await loadEngine();
  let t = performance.now();
  for (let i = 0; i < files.length; i += 8) await Promise.all(files.slice(i, i + 8).map((f) => decodeImage(f, { size: 224, resize: 'fill' })));
  const decodeImgS = files.length / ((performance.now() - t) / 1000);

  const backbone = await loadBackbone({ source: TM });
  const x = tf.randomUniform([32, 224, 224, 3], -1, 1) as tfType.Tensor4D;
  tf.dispose(await backbone.embed(x).data());
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    t = performance.now();
    const y = backbone.embed(x);
    await y.data();
    y.dispose();
    times.push((performance.now() - t) / 1000);
  }
  const forwardImgS = 32 / times.sort((a, b) => a - b)[2];
  backbone.dispose();

  const common = ['--backbone', TM, '--resize', 'fill', '--runs', path.join(work, 'runs'), '--cache', path.join(work, 'cache')];
  const first = await cliWithPeak(['train', prepared, ...common]);
  const rerun = await cliWithPeak(['train', prepared, ...common]);
  const ft = await cliWithPeak(['train', '--from', String(first.json.dir), '--unfreeze-from', 'block_16', '--epochs', '5', ...common.slice(2)]);
  const ftRun = JSON.parse(fs.readFileSync(path.join(String(ft.json.dir), 'run.json'), 'utf8')) as { history: { seconds: number }[] };
  const ftEpoch = ftRun.history.map((h) => h.seconds).sort((a, b) => a - b)[Math.floor(ftRun.history.length / 2)];

  console.log(JSON.stringify({
    bench: 'train', date: new Date().toISOString(), engine: info.engine, cpus: os.availableParallelism(), node: process.version,
    decodeImgPerS: round(decodeImgS), forwardImgPerS: round(forwardImgS), fineTuneCachedImgPerS: round(1120 / ftEpoch),
    featureExtractor: { first: { ...(first.json.seconds as object), wall: first.wall, peakRssMb: first.peakMb, valAcc: (first.json.best as { valAcc: number }).valAcc },
      cachedRerun: { ...(rerun.json.seconds as object), wall: rerun.wall, peakRssMb: rerun.peakMb } },
    fineTune: { ...(ft.json.seconds as object), wall: ft.wall, peakRssMb: ft.peakMb, valAcc: (ft.json.best as { valAcc: number }).valAcc },
  }));
  fs.rmSync(work, { recursive: true, force: true });
}

void main();
