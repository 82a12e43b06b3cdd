// Keras' VGG16 and ResNet50 (issue 15), as the product builds them (src/trainer/model/keras/applications, random
// weights: throughput does not depend on the values), against PyTorch on the CPU in the same run.
//
// Forward: img/s at 224 px, the pooled features (VGG16 to block5_pool, ResNet50 to conv5_block3_out, + global
// average pool), on
//   ort-2threads  the frozen engine the jobs run: the tfjs model converted by the product's converter
//                 (model/onnx/layersToOnnx.ts), one ONNX Runtime session with intra-op threads = cores
//                 (ortEngine.openOrtSession), run through ortForward, JS preprocessing from uint8 pixels included;
//                 checked against tfjs on 8 images at setup;
//   wasm-workers  today's tfjs path where ORT does not load: the trainer's forward workers, one single-threaded
//                 wasm instance per core, each taking half of the batch;
//   pytorch       torchvision's vgg16().features + global average pool / resnet50() without fc, eval, no_grad, 2
//                 threads (pytorch-1thread: 1 thread; on this shared 2-core machine one thread is sometimes faster).
// The sides are bench/lib/forwardWorker.ts and bench/reference/forward.py, as in bench/forward.ts, interleaved run
// by run after a warm-up (lib/interleaved.ts). VGG16 runs batch 8 (wasm workers ~4 s per 8 images), ResNet50 16.
//
// Fine-tune: VGG16 split at block5_conv1 (the Keras recipe's unfreeze point) through the product's
// FeatureExtractor.atBoundary (bench/lib/kerasAppsWorker.ts):
//   caching    the activations at the boundary ([14, 14, 512] each) of 2,000 distinct photos (the 1,400 shared
//              Dogs vs Cats train photos + 600 photo mosaics), cached as train --mode fine-tune does: decode, frozen
//              bottom on ONNX Runtime, float16 cache entries → img/s end to end;
//   bottom     the frozen bottom alone (backboneForward on ORT, 32 uint8 images) interleaved with PyTorch's
//              features[:24] (bench/reference/kerasApps.py);
//   epoch      block5 + the recipe head, SGD 1e-4 momentum 0.9, batch 32, trained on the cached activations
//              through the product's fit loop on wasm (the training engine): TL_BENCH_KERAS_EPOCH_STEPS steps
//              (default 8; 0 = the whole epoch) and, if stopped early, the epoch extrapolated as first step +
//              median later step × the remaining steps;
//   steps      one trainOnBatch of that model (wasm) interleaved with PyTorch's block5 + head step from cached
//              activations, 2 threads and 1 thread.
// TL_BENCH_KERAS_PARTS=forward or =finetune runs one part. Run: node --import tsx bench/kerasApps.ts
import * as os from 'node:os';
import * as path from 'node:path';
import { interleavedSeconds, setUp } from './lib/interleaved';
import { LineWorker } from './lib/lineWorker';
import { ensureTorch, referenceWorker } from './lib/pytorch';
import { loadAverage, median, ratio, round } from './lib/stats';

const FORWARD_CONFIGS = [
  { key: 'vgg16@224', model: 'vgg16', size: 224, batch: 8 },
  { key: 'resnet50@224', model: 'resnet50', size: 224, batch: 16 },
];
const FORWARD_RUNS = Number(process.env.TL_BENCH_KERAS_RUNS) || 7;
const WARMUP = 1;
const THREADS = 2;
/** TL_BENCH_KERAS_IMAGES overrides (a quick check of the bench itself; the report states the count). */
const IMAGES = Number(process.env.TL_BENCH_KERAS_IMAGES) || 2000;
const BATCH = 32;
const BOTTOM_RUNS = Number(process.env.TL_BENCH_KERAS_RUNS) || 4;
const STEP_RUNS = Number(process.env.TL_BENCH_KERAS_RUNS) || 4;
const EPOCH_STEPS = process.env.TL_BENCH_KERAS_EPOCH_STEPS === undefined ? 8 : Number(process.env.TL_BENCH_KERAS_EPOCH_STEPS);

interface Side { name: string; worker: LineWorker; threads?: number; setup?: Record<string, unknown> }
type Results = Record<string, { imgPerS: number; vsPytorch: number | null; vsFasterPytorch: number | null }>;

const nodeWorker = (variant: string) =>
  new LineWorker(variant, process.execPath, ['--import', 'tsx', path.join(__dirname, 'lib/forwardWorker.ts'), variant]);

/** img/s of each side over its median run, with ratios against PyTorch (2 threads) and the faster of its settings. */
function imgPerS(active: Side[], times: Map<Side, number[]>, batchOf: (s: Side) => number): Results {
  const v = Object.fromEntries(active.filter((s) => times.get(s)!.length).map((s) => [s.name, batchOf(s) / median(times.get(s)!)]));
  const torchName = Object.keys(v).find((n) => /^pytorch/.test(n) && !/1thread/.test(n));
  const torch1Name = Object.keys(v).find((n) => /^pytorch.*1thread/.test(n));
  const faster = Math.max(torchName ? v[torchName] : 0, torch1Name ? v[torch1Name] : 0) || undefined;
  return Object.fromEntries(Object.entries(v).map(([n, x]) => [n, {
    imgPerS: round(x, 2), vsPytorch: n === torchName ? null : ratio(x, torchName ? v[torchName] : undefined),
    vsFasterPytorch: /^pytorch/.test(n) ? null : ratio(x, faster),
  }]));
}

async function forwardPart(torchOk: boolean, failed: Record<string, string>, loads: number[]) {
  const sides: Side[] = [
    ...(torchOk ? [{ name: 'pytorch', worker: referenceWorker('forward.py') }, { name: 'pytorch-1thread', worker: referenceWorker('forward.py'), threads: 1 }] : []),
    { name: 'ort-2threads', worker: nodeWorker('ort-2threads') },
    { name: 'wasm-workers', worker: nodeWorker('wasm-workers') },
  ];
  const results: Record<string, Results> = {};
  const engines: Record<string, unknown> = {};
  const checks: Record<string, unknown> = {};
  for (const c of FORWARD_CONFIGS) {
    const active = await setUp(sides.filter((s) => !failed[s.name]), async (s) => {
      const setup = await s.worker.request({ cmd: 'setup', model: c.model, size: c.size, batch: c.batch, threads: s.threads ?? THREADS, warmup: WARMUP });
      engines[s.name] ??= setup;
      if (setup.check) checks[c.key] = setup.check;
    }, failed);
    const times = await interleavedSeconds(active, FORWARD_RUNS, () => FORWARD_RUNS,
      async (s) => (await s.worker.request<{ seconds: number }>({ cmd: 'run' })).seconds, failed);
    results[c.key] = imgPerS(active, times, () => c.batch);
    loads.push(loadAverage()[0]);
    process.stderr.write(`kerasApps forward ${c.key} (load ${loads.at(-1)}): ${JSON.stringify(results[c.key])}\n`);
  }
  for (const s of sides) s.worker.close();
  return {
    what: 'pooled features at 224 px: VGG16 to block5_pool, ResNet50 to conv5_block3_out, + global average pool; random weights',
    configs: FORWARD_CONFIGS, runs: FORWARD_RUNS, warmup: WARMUP, interleaved: true,
    engines: Object.fromEntries(Object.entries(engines).map(([n, s]) => {
      const g = s as Record<string, unknown>;
      return [n, g.backend === 'onnxruntime'
        ? { backend: g.engine, version: g.version, threads: g.intraOpThreads, sessions: g.sessions, onnxMb: round(Number(g.onnxMb), 1), convertSeconds: round(Number(g.convertSeconds), 2) }
        : g.torch ? { backend: 'pytorch', version: g.torch, threads: g.threads } : { backend: g.backend, threads: g.wasmThreads, workers: g.workers }];
    })),
    checks, results,
  };
}

async function finetunePart(torchOk: boolean, failed: Record<string, string>, loads: number[]) {
  const ours = new LineWorker('kerasApps', process.execPath, ['--import', 'tsx', path.join(__dirname, 'lib/kerasAppsWorker.ts')]);
  const torchSides: Side[] = torchOk
    ? [{ name: 'pytorch', worker: referenceWorker('kerasApps.py') }, { name: 'pytorch1thread', worker: referenceWorker('kerasApps.py'), threads: 1 }]
    : [];
  try {
    const caching = await ours.request<Record<string, unknown> & { imgPerS: number }>({ cmd: 'cache', images: IMAGES, batch: BATCH });
    loads.push(loadAverage()[0]);
    process.stderr.write(`kerasApps caching (load ${loads.at(-1)}): ${round(caching.imgPerS, 2)} img/s\n`);

    // The frozen bottom alone, ORT vs PyTorch, interleaved.
    const bottomSides: Side[] = [{ name: 'ort', worker: ours }, ...torchSides];
    const bActive = await setUp(bottomSides, async (s) => {
      s.setup = await s.worker.request(s.worker === ours ? { cmd: 'bottomSetup', batch: BATCH }
        : { cmd: 'setup', mode: 'bottom', batch: BATCH, threads: s.threads ?? THREADS });
    }, failed);
    const bTimes = await interleavedSeconds(bActive, BOTTOM_RUNS, () => BOTTOM_RUNS,
      async (s) => (await s.worker.request<{ seconds: number }>({ cmd: s.worker === ours ? 'bottom' : 'step' })).seconds, failed);
    const bottom = imgPerS(bActive, bTimes, () => BATCH);
    loads.push(loadAverage()[0]);
    process.stderr.write(`kerasApps bottom (load ${loads.at(-1)}): ${JSON.stringify(bottom)}\n`);

    // The epoch through the fit loop.
    const e = await ours.request<{ stepSeconds: number[]; stepsPerEpoch: number; rows: number; seconds: number; stopped: boolean } & Record<string, unknown>>({ cmd: 'epoch', steps: EPOCH_STEPS });
    const [first, ...rest] = e.stepSeconds;
    const whole = !e.stopped && e.stepSeconds.length === e.stepsPerEpoch;
    const epochSeconds = whole ? e.seconds : first + median(rest) * (e.rows / BATCH - 1);
    loads.push(loadAverage()[0]);
    process.stderr.write(`kerasApps epoch (load ${loads.at(-1)}): ${round(epochSeconds, 1)} s${whole ? '' : ' (extrapolated)'}\n`);

    // Training steps, ours vs PyTorch, interleaved.
    const stepSides: Side[] = [{ name: 'ours', worker: ours }, ...torchSides.map((s) => ({ ...s, name: `${s.name}Cached` }))];
    const sActive = await setUp(stepSides, async (s) => {
      s.setup = await s.worker.request(s.worker === ours ? { cmd: 'stepSetup', batch: BATCH }
        : { cmd: 'setup', mode: 'cached', batch: BATCH, threads: s.threads ?? THREADS });
    }, failed);
    const sTimes = await interleavedSeconds(sActive, STEP_RUNS, () => STEP_RUNS,
      async (s) => (await s.worker.request<{ seconds: number }>({ cmd: 'step' })).seconds, failed);
    const steps = imgPerS(sActive, sTimes, () => BATCH);
    loads.push(loadAverage()[0]);
    process.stderr.write(`kerasApps steps (load ${loads.at(-1)}): ${JSON.stringify(steps)}\n`);

    const { log, ...cachingFigures } = caching;
    return {
      what: `VGG16 (Keras' layers, random weights) split at block5_conv1: activations of ${IMAGES.toLocaleString('en-US')} photos cached, then block5 + the recipe head trained on them`,
      caching: { ...cachingFigures, imgPerS: round(caching.imgPerS, 2), seconds: round(Number(caching.seconds), 1), log },
      bottom: { batch: BATCH, runs: BOTTOM_RUNS, sides: Object.fromEntries(bActive.map((s) => [s.name, s.setup])), results: bottom },
      epoch: {
        ...e, stepSeconds: e.stepSeconds.map((x) => round(x, 2)), seconds: round(e.seconds, 1), measuredSteps: e.stepSeconds.length,
        whole, epochSeconds: round(epochSeconds, 1), imgPerSPerEpoch: round(e.rows / epochSeconds, 2),
        ...(whole ? {} : { extrapolation: `first step + median of the later ${rest.length} steps × ${round(e.rows / BATCH - 1, 2)} (${e.rows} rows / batch ${BATCH} − 1)` }),
      },
      steps: { batch: BATCH, runs: STEP_RUNS, sides: Object.fromEntries(sActive.map((s) => [s.name, s.setup])), results: steps },
    };
  } finally {
    await ours.request({ cmd: 'close' }).catch(() => undefined);
    ours.close();
    for (const s of torchSides) s.worker.close();
  }
}

async function main() {
  const started = performance.now();
  const parts = (process.env.TL_BENCH_KERAS_PARTS ?? 'forward,finetune').split(',').map((p) => p.trim());
  const loads = [loadAverage()[0]];
  const torch = ensureTorch();
  const failed: Record<string, string> = {};
  const forward = parts.includes('forward') ? await forwardPart(torch.ok, failed, loads) : undefined;
  const finetune = parts.includes('finetune') ? await finetunePart(torch.ok, failed, loads) : undefined;
  process.stdout.write(JSON.stringify({
    bench: 'kerasApps', date: new Date().toISOString(), cpus: os.availableParallelism(), node: process.version,
    loadAverage: loadAverage(), loadAverageRange: [Math.min(...loads), Math.max(...loads)], loads,
    seconds: round((performance.now() - started) / 1000, 1), parts,
    reference: torch.ok ? { engine: 'pytorch cpu', versions: torch.torch, threads: THREADS } : null,
    ...(torch.ok ? {} : { referenceUnavailable: torch.reason }),
    failed, forward, finetune,
  }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
