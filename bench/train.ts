// The training engine's speed and memory on the shared dogs-vs-cats split (560/560 train, 140/140 val), through the
// real CLI. Prints one JSON object: decode img/s, backbone forward img/s, cached-activation fine-tuning img/s,
// seconds per phase for a first run, a cached rerun and a fine-tune, and each trainer's peak RSS.
// Run: npm run build && node --import tsx bench/train.ts
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { loadBackbone } from '../src/trainer/backbone';
import { loadEngine } from '../src/trainer/engine';
import { decodeImage } from '../src/trainer/imagePipeline';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const SHARED = process.env.TL_SHARED ?? path.resolve(ROOT, '../shared');
const TM = path.join(SHARED, 'models/mobilenet_v2_0.35_224_teachable');
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-train-'));

/** Runs the CLI, sampling the child's VmHWM (peak resident set) from /proc until it exits. */
function cliWithPeak(args: string[]): Promise<{ json: Record<string, unknown>; peakMb: number; wall: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    let peakKb = 0;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setInterval(() => {
      try {
        const m = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch { /* exited */ }
    }, 100);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`transfer-lab ${args[0]} exited ${code}`));
      resolve({ json: JSON.parse(out.trim().split('\n').at(-1)!), peakMb: round(peakKb / 1024), wall: round((Date.now() - t0) / 1000) });
    });
  });
}

async function main() {
  const prepared = path.join(work, 'prepared');
  spawnSync(process.execPath, [CLI, 'prepare', path.join(SHARED, 'data/dogs-vs-cats'), '--out', prepared, '--copy', '--json'], { stdio: 'ignore' });
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

  const common = ['--backbone', TM, '--resize', 'fill', '--runs', path.join(work, 'runs'), '--cache', path.join(work, 'cache'), '--json'];
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
