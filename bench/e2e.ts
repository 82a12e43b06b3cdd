// The whole recipe on the shared Dogs vs Cats photos through the built CLI, as a user runs it: prepare → train a
// feature extractor → fine-tune block_16 → evaluate → predict the test folder, MobileNetV2 0.35 @224 (Teachable
// Machine export). Wall seconds per phase (process start included), for a first run and a rerun of the same
// commands on the same temp work and cache folders (the rerun's prepare finds no change and its feature
// extractor and fine-tune read the embedding/activation cache), with val_acc and each phase's peak RSS.
// Fine-tune runs --epochs 5: it is the part whose speed is measured here, not its best epoch count.
// Run: npm run build && node --import tsx bench/e2e.ts
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, type CliRun } from './lib/cliRun';
import { DOGS_VS_CATS, TEACHABLE } from './lib/paths';
import { loadAverage, median, ratio, round } from './lib/stats';

const FINE_TUNE_EPOCHS = 5;

interface Phase {
  settings?: Record<string, unknown>;
  wall: number; peakRssMb?: number; valAcc?: number; seconds?: Record<string, number>; cache?: unknown;
  epochs?: number; medianEpochSeconds?: number; trainImgPerSPerEpoch?: number;
}

/** Epoch count and speed from the run's run.json (epoch seconds include validation and the checkpoint save). */
function epochStats(r: CliRun): Partial<Phase> {
  if (typeof r.json.dir !== 'string') return {};
  const run = JSON.parse(fs.readFileSync(path.join(r.json.dir, 'run.json'), 'utf8')) as { history?: { seconds: number }[]; config?: Record<string, unknown> };
  const secs = (run.history ?? []).map((h) => h.seconds);
  if (!secs.length) return {};
  const train = ((r.json.counts as { train: number[] }).train ?? []).reduce((a, b) => a + b, 0);
  const c = run.config ?? {};
  return {
    epochs: secs.length, medianEpochSeconds: round(median(secs), 2), trainImgPerSPerEpoch: round(train / median(secs), 1),
    settings: { resize: c.resize, augment: c.augment, epochs: c.epochs, patience: c.patience, batch: c.batch, head: c.head },
  };
}

const phase = (r: CliRun): Phase => {
  const best = r.json.best as { valAcc: number } | undefined;
  const secs = r.json.seconds as Record<string, number> | undefined;
  return {
    wall: round(r.wallSeconds, 1), peakRssMb: r.peakRssMb, valAcc: best?.valAcc ?? (r.json.accuracy as number | undefined),
    seconds: secs && Object.fromEntries(Object.entries(secs).map(([k, v]) => [k, round(v, 1)])), cache: r.json.cache, ...epochStats(r),
  };
};

async function pass(work: string): Promise<{ phases: Record<string, Phase>; settings: Record<string, unknown> }> {
  const prepared = path.join(work, 'prepared');
  const common = ['--runs', path.join(work, 'runs'), '--cache', path.join(work, 'cache')];
  const prepare = await runCli(['prepare', DOGS_VS_CATS, '--out', prepared]);
  const fe = await runCli(['train', prepared, '--backbone', TEACHABLE, ...common]);
  const ft = await runCli(['train', '--from', String(fe.json.dir), '--unfreeze-from', 'block_16', '--epochs', String(FINE_TUNE_EPOCHS), ...common]);
  const evaluate = await runCli(['evaluate', String(ft.json.dir)]);
  const predict = await runCli(['predict', String(ft.json.dir), path.join(DOGS_VS_CATS, 'test'), '--out', path.join(work, 'predictions.csv')]);
  const phases: Record<string, Phase> = { prepare: phase(prepare), featureExtractor: phase(fe), fineTune: phase(ft), evaluate: phase(evaluate), predict: phase(predict) };
  const settings = { featureExtractor: phases.featureExtractor.settings, fineTune: phases.fineTune.settings };
  for (const p of Object.values(phases)) delete p.settings;
  const sum = (names: string[]) => round(names.reduce((s, n) => s + phases[n].wall, 0), 1);
  phases.withoutFineTune = { wall: sum(['prepare', 'featureExtractor', 'evaluate', 'predict']), valAcc: phases.featureExtractor.valAcc };
  phases.total = { wall: sum(['prepare', 'featureExtractor', 'fineTune', 'evaluate', 'predict']), valAcc: phases.fineTune.valAcc };
  return { phases, settings };
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-e2e-'));
  try {
    const first = await pass(work);
    const rerun = (await pass(work)).phases;
    process.stdout.write(JSON.stringify({
      bench: 'e2e', date: new Date().toISOString(), cpus: os.availableParallelism(), node: process.version, loadAverage: loadAverage(),
      data: 'shared dogs-vs-cats: 1,400 train photos (prepare splits 1,120 / 280), 50 test',
      model: 'mobilenet_v2_0.35_224 (Teachable Machine export) @224, every setting at its default except fine-tune --epochs 5',
      settings: first.settings, first: first.phases, rerun,
      rerunVsFirst: {
        featureExtractor: ratio(rerun.featureExtractor.wall, first.phases.featureExtractor.wall),
        fineTune: ratio(rerun.fineTune.wall, first.phases.fineTune.wall),
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
