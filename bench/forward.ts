// Backbone forward throughput: MobileNetV2 α 1.0 and 0.35 at 224 and 128 px, batch 32, on every tfjs engine
// that loads here, against PyTorch on the CPU (torchvision's MobileNetV2, same shapes, 2 threads, eval, no_grad).
// All sides run random weights through the feature layers + global average pooling (no classifier); the real
// Teachable Machine 0.35@224 export runs beside the built 0.35@224 to show the built model costs the same.
// Every side is a long-lived process and the runs are interleaved round-robin after a warm-up (lib/interleaved.ts),
// so load from other jobs on this shared machine lands on all sides alike; each figure is batch / median run time.
// The cpu backend needs ~10 s per 4 images at 1.0@224, so it runs batch 2 and 3 runs (said in the JSON).
// Run: node --import tsx bench/forward.ts        (TL_BENCH_QUICK=1 skips cpu)
import * as os from 'node:os';
import * as path from 'node:path';
import { interleavedSeconds, setUp } from './lib/interleaved';
import { LineWorker } from './lib/lineWorker';
import { ensureTorch, referenceWorker } from './lib/pytorch';
import { loadAverage, median, ratio, round } from './lib/stats';

const CONFIGS: [number, number][] = [[1.0, 224], [0.35, 224], [1.0, 128], [0.35, 128]];
const BATCH = 32;
const RUNS = 5;
const WARMUP = 1;
const THREADS = 2;
const CPU = { batch: 2, runs: 3 };
const WASM_VARIANTS = ['wasm', 'wasm-workers', 'wasm-setThreadsCount', 'wasm-threads'];

interface Side { name: string; worker: LineWorker; batch: number; runs: number; threads?: number; model?: string; only?: string }

const nodeWorker = (variant: string) =>
  new LineWorker(variant, process.execPath, ['--import', 'tsx', path.join(__dirname, 'lib/forwardWorker.ts'), variant]);

async function main() {
  const quick = process.env.TL_BENCH_QUICK === '1';
  const torch = ensureTorch();
  const sides: Side[] = [
    ...(torch.ok ? [{ name: 'pytorch', worker: referenceWorker('forward.py'), batch: BATCH, runs: RUNS }] : []),
    // Not the reference: PyTorch's 2 OpenMP threads suffer most when other jobs take a core, so 1 thread is shown too.
    ...(torch.ok ? [{ name: 'pytorch-1thread', worker: referenceWorker('forward.py'), batch: BATCH, runs: RUNS, threads: 1 }] : []),
    ...WASM_VARIANTS.map((v) => ({ name: v, worker: nodeWorker(v), batch: BATCH, runs: RUNS })),
    { name: 'wasm-teachable', worker: nodeWorker('wasm'), batch: BATCH, runs: RUNS, model: 'teachable', only: '0.35@224' },
    ...(quick ? [] : [{ name: 'cpu', worker: nodeWorker('cpu'), ...CPU }]),
  ];
  const failed: Record<string, string> = {};
  const results: Record<string, Record<string, { imgPerS: number; vsPytorch: number | null }>> = {};
  const setups: Record<string, Record<string, unknown>> = {};
  for (const [alpha, size] of CONFIGS) {
    const key = `${alpha.toFixed(alpha === 1 ? 1 : 2)}@${size}`;
    const active = await setUp(sides.filter((s) => !failed[s.name] && (!s.only || s.only === key)), async (s) => {
      const setup = await s.worker.request({ cmd: 'setup', alpha, size, batch: s.batch, threads: s.threads ?? THREADS, warmup: WARMUP, model: s.model });
      setups[s.name] ??= setup;
    }, failed);
    const times = await interleavedSeconds(active, RUNS, (s) => s.runs,
      async (s) => (await s.worker.request<{ seconds: number }>({ cmd: 'run' })).seconds, failed);
    const imgPerS = Object.fromEntries(active.filter((s) => times.get(s)!.length).map((s) => [s.name, s.batch / median(times.get(s)!)]));
    results[key] = Object.fromEntries(Object.entries(imgPerS).map(([n, v]) => [n, { imgPerS: round(v, 2), vsPytorch: n === 'pytorch' ? null : ratio(v, imgPerS.pytorch) }]));
    process.stderr.write(`forward ${key}: ${JSON.stringify(results[key])}\n`);
  }
  for (const s of sides) s.worker.close();

  process.stdout.write(JSON.stringify({
    bench: 'forward', date: new Date().toISOString(), cpus: os.availableParallelism(), node: process.version, loadAverage: loadAverage(),
    what: 'MobileNetV2 features + global average pool, random weights; tfjs model built by bench/lib/mobilenetV2.ts, PyTorch torchvision.models.mobilenet_v2',
    batch: BATCH, warmup: WARMUP, runs: RUNS, interleaved: true, cpu: quick ? 'skipped (TL_BENCH_QUICK)' : { ...CPU, why: 'cpu backend ~10 s per 4 images at 1.0@224' },
    engines: Object.fromEntries(Object.entries(setups).map(([n, s]) => [n, { backend: s.backend, threads: s.wasmThreads ?? s.threads, ...(s.workers ? { workers: s.workers } : {}) }])),
    reference: torch.ok ? { engine: 'pytorch cpu', versions: torch.torch, threads: THREADS } : null,
    ...(torch.ok ? {} : { referenceUnavailable: torch.reason }),
    failed, results,
  }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
