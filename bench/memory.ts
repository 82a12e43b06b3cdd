// Peak memory of a feature-extractor run on 5,000 and on 25,000 generated photos (500×375 JPEG mosaics of the
// shared Dogs vs Cats photos, bench/lib/photoMosaics.ts), to show memory stays bounded by the batch, not the
// dataset. The trainer is forked exactly as the extension forks it (TrainerJob from src/extension/trainerClient.ts
// → dist/trainer.js over IPC), so both sides are measured: the trainer child's VmHWM (peak RSS, from /proc) and
// this process's RSS while it receives the events, standing in for the extension host.
// To keep 25k images within minutes on 2 cores: MobileNet v1 0.25 with its input set to 128 px
// (bench/lib/resizedModel.ts), --epochs 1 --augment 0; the 5k run uses the same settings, so the two compare.
// Frozen passes run where the jobs run them by default (`frozen` auto: ONNX Runtime); TL_BENCH_MEMORY_FROZEN=tfjs
// (or onnxruntime) puts that in the job's config instead. Each run records the engine its embeddings ran on.
// Prepare runs through the CLI (its peak RSS is reported too). Needs npm run build.
// Run: node --import tsx bench/memory.ts        (TL_BENCH_MEMORY_COUNTS=5000,25000 by default)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TrainerJob } from '../src/extension/trainerClient';
import { runCli } from './lib/cliRun';
import { DOGS_VS_CATS, ROOT, SHARED } from './lib/paths';
import { writeMosaics } from './lib/photoMosaics';
import { withInputSize } from './lib/resizedModel';
import { loadAverage, ratio, round } from './lib/stats';
import { peakRssMb } from './lib/cliRun';

const COUNTS = (process.env.TL_BENCH_MEMORY_COUNTS ?? '5000,25000').split(',').map(Number);
const SIZE = 128;
const MODEL = 'mobilenet_v1_0.25_224_layers';
const TARGET_MB = 1536;
const FROZEN = process.env.TL_BENCH_MEMORY_FROZEN;

/** The child's current resident set (VmRSS) in MB, 0 once it has exited. */
function rssMb(pid: number | undefined): number {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function trainForked(config: Record<string, unknown>) {
  const job = new TrainerJob(path.join(ROOT, 'dist/trainer.js'), 'train', config);
  const t0 = process.hrtime.bigint();
  const now = () => Number(process.hrtime.bigint() - t0) / 1e9;
  let child = 0;
  let parent = 0;
  let events = 0;
  // Where the peak happens: the child's RSS every 100 ms, placed in the job's stages afterwards from the moment its
  // 'layers' event arrived (the embedding stage starts right after it) and the job's own seconds per stage.
  const samples: [number, number][] = [];
  let layersAt: number | undefined;
  job.on('event', (e: { type?: string }) => {
    events++;
    if (e.type === 'layers') layersAt ??= now();
  });
  const timer = setInterval(() => {
    child = Math.max(child, peakRssMb(job.pid));
    parent = Math.max(parent, process.memoryUsage().rss / 2 ** 20);
    samples.push([now(), rssMb(job.pid)]);
  }, 100);
  const outcome = await job.outcome;
  clearInterval(timer);
  if (outcome.status !== 'done') throw new Error(`trainer ${outcome.status}: ${JSON.stringify(outcome).slice(0, 600)}`);
  const r = outcome.result as { seconds: Record<string, number>; best: { valAcc: number }; counts: { train: number[]; val: number[] }; frozenEngine?: string };
  const stages: [string, number][] = [['setup', layersAt ?? 0], ['embedding', r.seconds.embedding], ['training', r.seconds.training], ['saving', r.seconds.saving]];
  const peakRssByStageMb: Record<string, number> = {};
  let start = 0;
  for (const [name, length] of [...stages, ['after', Infinity] as [string, number]]) {
    const end = start + length;
    const inside = samples.filter(([t, mb]) => t >= start && t < end && mb > 0).map(([, mb]) => mb);
    if (inside.length) peakRssByStageMb[name] = round(Math.max(...inside));
    start = end;
  }
  return {
    seconds: round(now(), 1), phases: Object.fromEntries(Object.entries(r.seconds).map(([k, v]) => [k, round(v, 1)])),
    trainerPeakRssMb: round(child), peakRssByStageMb, extensionSideRssMb: round(parent), events, valAcc: round(r.best.valAcc, 3),
    frozenEngine: r.frozenEngine ?? 'not reported', images: [...r.counts.train, ...r.counts.val].reduce((a, b) => a + b, 0),
  };
}

async function runFor(work: string, all: string, count: number, model: string) {
  const src = path.join(work, `src-${count}`, 'train');
  fs.mkdirSync(src, { recursive: true });
  // The first `count` mosaics: cat.0…, dog.0… in equal numbers.
  for (let i = 0; i < count; i++) {
    const name = `${i % 2 ? 'dog' : 'cat'}.${i >> 1}.jpg`;
    fs.linkSync(path.join(all, 'train', name), path.join(src, name));
  }
  const prepared = path.join(work, `prepared-${count}`);
  const prep = await runCli(['prepare', path.dirname(src), '--out', prepared]);
  const train = await trainForked({
    mode: 'feature-extractor', dataset: prepared, backbone: model, size: SIZE, epochs: 1, augment: 0,
    runsDir: path.join(work, `runs-${count}`), cacheDir: path.join(work, `cache-${count}`), ...(FROZEN ? { frozen: FROZEN } : {}),
  });
  return { prepare: { seconds: round(prep.wallSeconds, 1), peakRssMb: prep.peakRssMb }, featureExtractor: train };
}

async function main() {
  if (process.argv[2] === '--generate') {
    // Runs as its own process so the decoded tiles never count towards the extension-side RSS measured above.
    const dir = path.join(DOGS_VS_CATS, 'train');
    const sources = fs.readdirSync(dir).sort().map((f) => path.join(dir, f));
    const bytes = await writeMosaics(process.argv[3], Number(process.argv[4]), sources);
    process.stdout.write(JSON.stringify({ bytes }) + '\n');
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-memory-'));
  try {
    const all = path.join(work, 'all');
    const max = Math.max(...COUNTS);
    const t = process.hrtime.bigint();
    const gen = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--generate', all, String(max)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (gen.status !== 0) throw new Error('generating the mosaics failed');
    const generated = { images: max, seconds: round(Number(process.hrtime.bigint() - t) / 1e9, 1), meanKb: round(JSON.parse(gen.stdout).bytes / max / 1024) };
    const model = withInputSize(path.join(SHARED, 'models', MODEL), SIZE, path.join(work, 'model'));
    const runs: Record<string, Awaited<ReturnType<typeof runFor>>> = {};
    for (const n of COUNTS) {
      runs[n] = await runFor(work, all, n, model);
      process.stderr.write(`memory ${n}: ${JSON.stringify(runs[n])}\n`);
    }
    const [small, large] = [runs[Math.min(...COUNTS)], runs[max]];
    process.stdout.write(JSON.stringify({
      bench: 'memory', date: new Date().toISOString(), cpus: os.availableParallelism(), node: process.version, totalMemMb: round(os.totalmem() / 2 ** 20), loadAverage: loadAverage(),
      setup: `${MODEL} with its input set to ${SIZE} px (not 224: 25k images at 224 would take ~15 min here), feature extractor, --epochs 1 --augment 0, batch 32, val 20%, ` +
        `frozen ${FROZEN ?? 'auto (the default)'}`,
      generated, runs,
      targetMb: TARGET_MB,
      largeVsSmall: {
        trainerPeakRss: ratio(large.featureExtractor.trainerPeakRssMb, small.featureExtractor.trainerPeakRssMb),
        extensionSideRss: ratio(large.featureExtractor.extensionSideRssMb, small.featureExtractor.extensionSideRssMb),
        images: ratio(large.featureExtractor.images, small.featureExtractor.images),
      },
    }) + '\n');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
