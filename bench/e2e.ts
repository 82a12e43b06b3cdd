// The whole recipe on the shared Dogs vs Cats photos through the built CLI, as a user runs it: prepare → train a
// feature extractor → evaluate it → predict the test folder (the e2e goal), then fine-tune block_16 from it,
// MobileNetV2 0.35 @224 (Teachable Machine export), every setting at its default except fine-tune --epochs 5.
// Two sides, each in its own work and cache folders:
//   onnxruntime   the jobs' default (`frozen` auto; TRANSFER_LAB_FROZEN unset): frozen passes on ONNX Runtime
//   tfjs          every command with --frozen tfjs: frozen passes on tfjs wasm forward workers, the same-run reference
// Interleaved: onnxruntime first run, tfjs first run, onnxruntime rerun, tfjs rerun (a rerun repeats the same
// commands on the same folders: prepare finds no change, the feature extractor and fine-tune read their cache).
// Per phase: wall seconds (process start included), peak RSS, val_acc, the job's own `seconds`; for each train
// phase also where its wall time went, from the job's stderr lines and the mtimes of the files it wrote (engine
// line, layers.json, model/, val-predictions.json, dashboard/, run.json) on the same clock as the spawn.
// Fine-tune runs --epochs 5: it is the part whose speed is measured here, not its best epoch count.
// TL_BENCH_QUICK=1: feature extractor --epochs 3, fine-tune --epochs 1 (a smoke test, not a figure).
// Run: npm run build && node --import tsx bench/e2e.ts
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, type CliRun } from './lib/cliRun';
import { CLI, DOGS_VS_CATS, TEACHABLE } from './lib/paths';
import { loadAverage, median, ratio, round } from './lib/stats';

const QUICK = process.env.TL_BENCH_QUICK === '1';
const FINE_TUNE_EPOCHS = QUICK ? 1 : 5;
const SIDES = [
  { name: 'onnxruntime', flags: [], what: "the jobs' default (frozen auto): frozen passes on ONNX Runtime" },
  { name: 'tfjs', flags: ['--frozen', 'tfjs'], what: '--frozen tfjs: frozen passes on tfjs wasm forward workers (the reference)' },
] satisfies { name: string; flags: string[]; what: string }[];
type SideName = 'onnxruntime' | 'tfjs';
/** Neither side may inherit a choice from the shell: the default side must be the default. */
const ENV = { TRANSFER_LAB_FROZEN: undefined, TRANSFER_LAB_WORKERS: undefined };

interface Phase {
  settings?: Record<string, unknown>;
  wall: number; peakRssMb?: number; valAcc?: number; seconds?: Record<string, number>; jobSeconds?: number; cache?: unknown;
  frozenEngine?: string; epochs?: number; medianEpochSeconds?: number; trainImgPerSPerEpoch?: number;
  timeline?: Record<string, number | undefined>;
}

const r2 = (x: number | undefined) => (x === undefined ? undefined : round(x, 2));

/** Epoch count and speed from the run's run.json (epoch seconds include validation and the checkpoint save). */
function epochStats(r: CliRun): Partial<Phase> {
  if (typeof r.json.dir !== 'string') return {};
  const run = JSON.parse(fs.readFileSync(path.join(r.json.dir, 'run.json'), 'utf8')) as { history?: { seconds: number }[]; config?: Record<string, unknown>; frozenEngine?: string };
  const secs = (run.history ?? []).map((h) => h.seconds);
  if (!secs.length) return {};
  const train = ((r.json.counts as { train: number[] }).train ?? []).reduce((a, b) => a + b, 0);
  const c = run.config ?? {};
  return {
    epochs: secs.length, medianEpochSeconds: round(median(secs), 3), trainImgPerSPerEpoch: round(train / median(secs), 1),
    settings: { resize: c.resize, augment: c.augment, epochs: c.epochs, patience: c.patience, batch: c.batch, head: c.head, frozen: c.frozen },
  };
}

/**
 * Where a train job's wall time went, in seconds, from the stderr line "engine: …" and the mtimes of what it
 * wrote: layers.json just before the embedding stage starts, model/ when the full model is saved, then
 * val-predictions.json (the saved model's val check), dashboard/ (thumbnails and the predictions grid), and
 * run.json last (`completed`, with every file's sha256). The job's own seconds fill in embedding and training.
 */
function trainTimeline(r: CliRun): Record<string, number | undefined> | undefined {
  const dir = r.json.dir;
  const secs = r.json.seconds as Record<string, number> | undefined;
  if (typeof dir !== 'string' || !secs) return undefined;
  const at = (f: string) => {
    try {
      return (fs.statSync(path.join(dir, f)).mtimeMs - r.startedAt) / 1000;
    } catch {
      return undefined;
    }
  };
  const engine = r.stderrLines.find((l) => l.line.startsWith('engine:'))?.t;
  const runCreated = at('layers.json');
  const modelSaved = at('model/model.json');
  const valChecked = at('val-predictions.json');
  const dashboard = at('dashboard/predictions-val.json');
  const completed = at('run.json');
  const trainingEnd = runCreated === undefined ? undefined : runCreated + secs.embedding + secs.training;
  const d = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : r2(a - b));
  return {
    processAndEngine: r2(engine), // node start, the bundle, tfjs wasm init: up to the "engine:" line
    backboneDataAndRun: d(runCreated, engine), // backbone loaded, dataset.json read, run folder made
    embedding: r2(secs.embedding), // cache reads, or decode + frozen passes
    training: r2(secs.training),
    saveHeadAndModel: d(modelSaved, trainingEnd), // head/ and model/ written
    valCheck: d(valChecked, modelSaved), // the saved model over every val image: decode + frozen pass (+ ONNX conversion)
    thumbnailsAndDashboard: d(dashboard, valChecked),
    completeRun: d(completed, dashboard), // sha256 of every file, run.json `completed`
    exit: d(r.wallSeconds, completed),
    saving: r2(secs.saving),
  };
}

const phase = (r: CliRun, train = false): Phase => {
  const best = r.json.best as { valAcc: number } | undefined;
  const secs = r.json.seconds;
  return {
    wall: round(r.wallSeconds, 1), peakRssMb: r.peakRssMb, valAcc: best?.valAcc ?? (r.json.accuracy as number | undefined),
    ...(typeof secs === 'number' ? { jobSeconds: round(secs, 2) } : {}),
    ...(secs && typeof secs === 'object' ? { seconds: Object.fromEntries(Object.entries(secs).map(([k, v]) => [k, round(v as number, 2)])) } : {}),
    ...(r.json.cache ? { cache: r.json.cache } : {}),
    ...(typeof r.json.frozenEngine === 'string' ? { frozenEngine: r.json.frozenEngine } : {}),
    ...(train ? { ...epochStats(r), timeline: trainTimeline(r) } : {}),
  };
};

async function pass(work: string, flags: readonly string[]): Promise<{ phases: Record<string, Phase>; settings: Record<string, unknown> }> {
  const prepared = path.join(work, 'prepared');
  const common = ['--runs', path.join(work, 'runs'), '--cache', path.join(work, 'cache'), ...flags];
  const quickFe = QUICK ? ['--epochs', '3'] : [];
  // Each phase is read as soon as its command ends: evaluate rewrites files in the feature extractor's run folder.
  const phases: Record<string, Phase> = {};
  phases.prepare = phase(await runCli(['prepare', DOGS_VS_CATS, '--out', prepared], ENV));
  const fe = await runCli(['train', prepared, '--backbone', TEACHABLE, ...quickFe, ...common], ENV);
  phases.featureExtractor = phase(fe, true);
  phases.evaluate = phase(await runCli(['evaluate', String(fe.json.dir), ...flags], ENV));
  phases.predict = phase(await runCli(['predict', String(fe.json.dir), path.join(DOGS_VS_CATS, 'test'), '--out', path.join(work, 'predictions.csv'), ...flags], ENV));
  const ft = ['train', '--from', String(fe.json.dir), '--unfreeze-from', 'block_16', '--epochs', String(FINE_TUNE_EPOCHS), ...common];
  phases.fineTune = phase(await runCli(ft, ENV), true);
  const settings = { featureExtractor: phases.featureExtractor.settings, fineTune: phases.fineTune.settings };
  for (const p of Object.values(phases)) delete p.settings;
  const sum = (names: string[]) => round(names.reduce((s, n) => s + phases[n].wall, 0), 1);
  phases.withoutFineTune = { wall: sum(['prepare', 'featureExtractor', 'evaluate', 'predict']), valAcc: phases.featureExtractor.valAcc };
  phases.total = { wall: sum(['prepare', 'featureExtractor', 'evaluate', 'predict', 'fineTune']), valAcc: phases.fineTune.valAcc };
  return { phases, settings };
}

/** Median wall seconds of a command run 3 times: what starting a process costs before any job work. */
function startupSeconds(args: string[]): number {
  const walls = [0, 1, 2].map(() => {
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, ...ENV } });
    return Number(process.hrtime.bigint() - t) / 1e9;
  });
  return round(median(walls), 2);
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-e2e-'));
  const loads: number[] = [];
  try {
    const startup = {
      nodeBare: startupSeconds(['-e', '0']),
      cliUsage: startupSeconds([CLI, 'help']),
      requireOnnxruntime: startupSeconds(['-e', "require('onnxruntime-node')"]),
      doctor: startupSeconds([CLI, 'doctor', '--json']),
    };
    const runs: Record<SideName, { first?: Awaited<ReturnType<typeof pass>>; rerun?: Record<string, Phase> }> = { onnxruntime: {}, tfjs: {} };
    const order: string[] = [];
    for (const which of ['first', 'rerun'] as const) {
      for (const side of SIDES) {
        loads.push(os.loadavg()[0]);
        const p = await pass(path.join(work, side.name), side.flags);
        if (which === 'first') runs[side.name as SideName].first = p;
        else runs[side.name as SideName].rerun = p.phases;
        order.push(`${side.name} ${which}`);
        process.stderr.write(`e2e ${side.name} ${which}: ${JSON.stringify(p.phases.withoutFineTune)} fe ${p.phases.featureExtractor.wall} s\n`);
      }
    }
    loads.push(os.loadavg()[0]);
    type SideResult = { what: string; flags: string; settings: Record<string, unknown>; first: Record<string, Phase>; rerun: Record<string, Phase>; rerunVsFirst: Record<string, number | null> };
    const sides = Object.fromEntries(SIDES.map((s): [string, SideResult] => {
      const first = runs[s.name as SideName].first!.phases;
      const rerun = runs[s.name as SideName].rerun!;
      return [s.name, {
        what: s.what, flags: s.flags.join(' ') || '(none)', settings: runs[s.name as SideName].first!.settings, first, rerun,
        rerunVsFirst: { featureExtractor: ratio(rerun.featureExtractor.wall, first.featureExtractor.wall), fineTune: ratio(rerun.fineTune.wall, first.fineTune.wall) },
      }];
    })) as Record<SideName, SideResult>;
    const [o, t] = [sides.onnxruntime, sides.tfjs];
    const vs = (which: 'first' | 'rerun', p: string) => ratio(t[which][p]?.wall, o[which][p]?.wall);
    process.stdout.write(JSON.stringify({
      bench: 'e2e', date: new Date().toISOString(), cpus: os.availableParallelism(), node: process.version,
      loadAverage: loadAverage(), loadAverageRange: [round(Math.min(...loads), 2), round(Math.max(...loads), 2)],
      ...(QUICK ? { quick: 'TL_BENCH_QUICK: feature extractor --epochs 3, fine-tune --epochs 1 (a smoke test)' } : {}),
      data: 'shared dogs-vs-cats: 1,400 train photos (prepare splits 1,120 / 280), 50 test',
      model: `mobilenet_v2_0.35_224 (Teachable Machine export) @224, every setting at its default except fine-tune --epochs ${FINE_TUNE_EPOCHS}`,
      recipe: 'prepare → feature extractor → evaluate it → predict test/ (the e2e goal) → fine-tune block_16 from it',
      order, startup, sides,
      // tfjs / onnxruntime wall: how much faster the jobs' default is than today's engine, run by run.
      tfjsVsOnnxruntime: {
        first: Object.fromEntries(['featureExtractor', 'evaluate', 'predict', 'fineTune', 'withoutFineTune'].map((p) => [p, vs('first', p)])),
        rerun: Object.fromEntries(['featureExtractor', 'evaluate', 'predict', 'fineTune', 'withoutFineTune'].map((p) => [p, vs('rerun', p)])),
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
