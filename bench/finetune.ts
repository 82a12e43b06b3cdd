// Fine-tuning throughput for MobileNetV2 0.35 @224's top block (block_16 + Conv_1) + the recipe head, SGD 1e-4
// momentum 0.9, frozen BatchNorm, random data (throughput does not depend on the values):
//   ours          the job's path: activations at the cut are cached, each step runs only top + head (wasm);
//                 also whole epochs through the fit loop (fitLoop.fitModel), as the train job runs them;
//   oursWasmThreads  the same on 2 wasm threads (the bench-only workaround in lib/wasmThreads.ts);
//   naive cpu     the whole image → backbone → head model on the cpu backend, same trainable layers: every step
//                 runs the frozen bottom again (batch 8 and 2 timed steps: ~20 s each);
//   naive wasm    the same naive model on wasm (with our gradient kernels): what caching alone buys;
//   pytorch       torchvision's MobileNetV2 0.35 top block + a like head, 2 threads, from cached activations and
//                 end to end from images (bench/reference/finetune.py);
//   activations   what fills the activation cache before those steps: the frozen bottom (image → block_16) of 32
//                 uint8 images through the product's backboneForward, on ONNX Runtime (the jobs' default) and on
//                 tfjs wasm forward workers (--frozen tfjs). The training steps above never touch that engine.
// Every side is a long-lived process; steps are interleaved round-robin after one warm-up step each.
// Last, the feature extractor's head-only epoch loop (1,120 pooled vectors + 280 val) on wasm and on cpu.
// img/s = batch / median step seconds. Run: node --import tsx bench/finetune.ts   (TL_BENCH_QUICK=1 skips naive cpu)
import * as os from 'node:os';
import * as path from 'node:path';
import { interleavedSeconds, setUp } from './lib/interleaved';
import { LineWorker } from './lib/lineWorker';
import { ensureTorch, referenceWorker } from './lib/pytorch';
import { loadAverage, median, ratio, round } from './lib/stats';

const STEPS = 8;
const BATCH = 32;
const NAIVE_CPU = { batch: 8, steps: 2 };
const EPOCH = { train: 512, val: 128, epochs: 3 };
/** The feature extractor's head stage on the shared split's sizes (1,120 × 3 variants drawn 1 per epoch, 280 val). */
const HEAD_EPOCH = { train: 1120, val: 280, epochs: 5 };

interface Side {
  name: string; worker: LineWorker; mode: 'cached' | 'images' | 'bottom'; batch: number; steps: number; threads?: number;
  frozen?: 'onnxruntime' | 'tfjs'; setup?: Record<string, unknown>;
}
const ACTIVATION_SIDES: Record<string, 'onnxruntime' | 'tfjs'> = { activationsOnnxruntime: 'onnxruntime', activationsTfjs: 'tfjs' };

const tfjsWorker = (name: string, engine: string) =>
  new LineWorker(name, process.execPath, ['--import', 'tsx', path.join(__dirname, 'lib/finetuneWorker.ts'), engine]);

async function main() {
  const quick = process.env.TL_BENCH_QUICK === '1';
  const torch = ensureTorch();
  const sides: Side[] = [
    { name: 'ours', worker: tfjsWorker('ours', 'wasm'), mode: 'cached', batch: BATCH, steps: STEPS },
    { name: 'oursWasmThreads', worker: tfjsWorker('oursWasmThreads', 'wasm-threads'), mode: 'cached', batch: BATCH, steps: STEPS },
    { name: 'naiveWasm', worker: tfjsWorker('naiveWasm', 'wasm'), mode: 'images', batch: BATCH, steps: STEPS },
    ...(quick ? [] : [{ name: 'naiveCpu', worker: tfjsWorker('naiveCpu', 'cpu'), mode: 'images' as const, ...NAIVE_CPU }]),
    ...Object.entries(ACTIVATION_SIDES).map(([name, frozen]) => ({ name, worker: tfjsWorker(name, 'wasm'), mode: 'bottom' as const, frozen, batch: BATCH, steps: STEPS })),
  ];
  if (torch.ok) {
    sides.push({ name: 'pytorchCached', worker: referenceWorker('finetune.py'), mode: 'cached', batch: BATCH, steps: STEPS });
    // Not the reference: PyTorch's 2 OpenMP threads suffer most when other jobs take a core, so 1 thread is shown too.
    sides.push({ name: 'pytorchCached1thread', worker: referenceWorker('finetune.py'), mode: 'cached', batch: BATCH, steps: STEPS, threads: 1 });
    sides.push({ name: 'pytorchEndToEnd', worker: referenceWorker('finetune.py'), mode: 'images', batch: BATCH, steps: STEPS });
  }
  const failed: Record<string, string> = {};
  const active = await setUp(sides, async (s) => {
    s.setup = await s.worker.request({ cmd: 'setup', mode: s.mode, batch: s.batch, threads: s.threads ?? 2, frozen: s.frozen });
  }, failed);
  const times = await interleavedSeconds(active, STEPS, (s) => s.steps,
    async (s) => (await s.worker.request<{ seconds: number }>({ cmd: 'step' })).seconds, failed);
  const ours = active.find((s) => s.name === 'ours');
  type Epochs = { medianEpochSeconds: number; epochSeconds: number[] };
  const epochs = ours && !failed.ours ? await ours.worker.request<Epochs>({ cmd: 'epochs', ...EPOCH }) : undefined;
  // Last, because it replaces each worker's model: the head-only loop on wasm and on the cpu backend.
  const headEpochs: Record<string, number> = {};
  for (const s of active.filter((x) => ['ours', 'oursWasmThreads', 'naiveCpu'].includes(x.name) && !failed[x.name])) {
    const r = await s.worker.request<Epochs>({ cmd: 'headEpochs', ...HEAD_EPOCH });
    headEpochs[s.name === 'ours' ? 'wasm' : s.name === 'naiveCpu' ? 'cpu' : 'wasmThreads'] = round(r.medianEpochSeconds, 3);
  }
  for (const s of sides) s.worker.close();

  const allImgPerS = Object.fromEntries(active.filter((s) => times.get(s)!.length).map((s) => [s.name, s.batch / median(times.get(s)!)]));
  const imgPerS = Object.fromEntries(Object.entries(allImgPerS).filter(([k]) => !(k in ACTIVATION_SIDES)));
  const act = (k: string) => allImgPerS[k];
  process.stdout.write(JSON.stringify({
    bench: 'finetune', date: new Date().toISOString(), cpus: os.availableParallelism(), node: process.version, loadAverage: loadAverage(),
    what: 'MobileNetV2 0.35 @224: train block_16 + Conv_1 + recipe head (BatchNorm frozen), SGD 1e-4 m 0.9',
    steps: STEPS, interleaved: true, naiveCpu: quick ? 'skipped (TL_BENCH_QUICK)' : { ...NAIVE_CPU, why: 'the cpu backend takes ~20 s per 8-image step' },
    sides: Object.fromEntries(active.map((s) => [s.name, { mode: s.mode, ...s.setup }])),
    reference: torch.ok ? { engine: 'pytorch cpu', versions: torch.torch, threads: 2 } : null,
    ...(torch.ok ? {} : { referenceUnavailable: torch.reason }),
    failed,
    stepImgPerS: Object.fromEntries(Object.entries(imgPerS).map(([k, v]) => [k, round(v, 2)])),
    activationsImgPerS: {
      what: 'frozen bottom (image → block_16 activation, what fine-tuning caches) of 32 uint8 images, backboneForward',
      onnxruntime: act('activationsOnnxruntime') && round(act('activationsOnnxruntime'), 1),
      tfjs: act('activationsTfjs') && round(act('activationsTfjs'), 1),
      onnxruntimeVsTfjs: ratio(act('activationsOnnxruntime'), act('activationsTfjs')),
    },
    headOnlyEpochSeconds: { ...HEAD_EPOCH, ...headEpochs, cpuVsWasm: ratio(headEpochs.wasm, headEpochs.cpu) },
    oursEpoch: epochs && { ...EPOCH, imgPerSPerEpoch: round(EPOCH.train / epochs.medianEpochSeconds, 1), epochSeconds: epochs.epochSeconds.map((x) => round(x, 2)) },
    ratios: {
      oursVsNaiveCpu: ratio(imgPerS.ours, imgPerS.naiveCpu),
      oursVsNaiveWasm: ratio(imgPerS.ours, imgPerS.naiveWasm),
      oursWasmThreadsVsOurs: ratio(imgPerS.oursWasmThreads, imgPerS.ours),
      oursVsPytorchCached: ratio(imgPerS.ours, imgPerS.pytorchCached),
      oursVsPytorchCached1thread: ratio(imgPerS.ours, imgPerS.pytorchCached1thread),
      oursVsPytorchEndToEnd: ratio(imgPerS.ours, imgPerS.pytorchEndToEnd),
    },
  }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
