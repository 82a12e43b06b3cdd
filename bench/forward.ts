// Backbone forward throughput: MobileNetV2 α 1.0 and 0.35 at 224 and 128 px, batch 32, on the engines the jobs run
// (ONNX Runtime for the frozen passes; tfjs wasm on forward workers where ORT does not load) against PyTorch on the
// CPU (torchvision's MobileNetV2, same shapes, 2 threads and 1 thread, eval, no_grad).
// The ORT sides convert the same tfjs-built model with the product's converter (model/onnx/layersToOnnx.ts), open it
// with ortEngine.openOrtSession and run it through ortForward, JS preprocessing from uint8 pixels included, as the
// jobs do; each checks its output against tfjs on the same model and pixels at setup (`checks` in the JSON).
// ort-2threads (one session, intra-op = cores) is what the jobs run; ort-2sessions (two single-threaded sessions,
// one per worker thread, half the batch each) is the alternative it is weighed against.
// All sides run random weights through the feature layers + global average pooling (no classifier); the real
// Teachable Machine 0.35@224 export runs beside the built 0.35@224 to show the built model costs the same.
// Every side is a long-lived process and the runs are interleaved round-robin after a warm-up (lib/interleaved.ts),
// so load from other jobs on this shared machine lands on all sides alike; each figure is batch / median run time.
// The tfjs variants that are neither the jobs' engine nor its baseline (wasm-setThreadsCount, wasm-threads, and the
// cpu backend, which needs ~10 s per 4 images at 1.0@224 and so runs batch 2 and 3 runs) run only with
// TL_BENCH_FORWARD_ALL=1 (TL_BENCH_QUICK=1 still skips cpu).
// TL_BENCH_FORWARD_SIDES=ort-2threads,ort-2sessions runs only the named sides (PyTorch's are pytorch, pytorch-1thread).
// Run: node --import tsx bench/forward.ts
import * as os from 'node:os';
import * as path from 'node:path';
import { interleavedSeconds, setUp } from './lib/interleaved';
import { LineWorker } from './lib/lineWorker';
import { ensureTorch, referenceWorker } from './lib/pytorch';
import { loadAverage, median, ratio, round } from './lib/stats';

const CONFIGS: [number, number][] = [[1.0, 224], [0.35, 224], [1.0, 128], [0.35, 128]];
const BATCH = 32;
/** TL_BENCH_FORWARD_RUNS overrides (more runs for a focused look at a few sides, with TL_BENCH_FORWARD_SIDES). */
const RUNS = Number(process.env.TL_BENCH_FORWARD_RUNS) || 7;
const WARMUP = 1;
const THREADS = 2;
const CPU = { batch: 2, runs: 3 };
const WASM_VARIANTS = ['wasm', 'wasm-workers'];
const WASM_EXTRA = ['wasm-setThreadsCount', 'wasm-threads'];
const ORT_VARIANTS = ['ort-1thread', 'ort-2threads', 'ort-2sessions', 'ort-2sessions-samethread'];
/** What the jobs' frozen passes run: one session with intra-op threads = cores (src/trainer/forward/batchForward.ts). */
const JOBS_ORT = 'ort-2threads';

interface Side { name: string; worker: LineWorker; batch: number; runs: number; threads?: number; model?: string; only?: string }

const nodeWorker = (variant: string) =>
  new LineWorker(variant, process.execPath, ['--import', 'tsx', path.join(__dirname, 'lib/forwardWorker.ts'), variant]);

async function main() {
  const started = process.hrtime.bigint();
  const quick = process.env.TL_BENCH_QUICK === '1';
  const all = process.env.TL_BENCH_FORWARD_ALL === '1';
  // The 1-minute load average at the start and after each config: other jobs on this machine skew multi-threaded
  // sides most, so the report states the range the figures were taken under.
  const loads = [loadAverage()[0]];
  const torch = ensureTorch();
  const only = process.env.TL_BENCH_FORWARD_SIDES?.split(',').map((n) => n.trim()).filter(Boolean);
  // Workers start only for the sides that run.
  const specs: (Omit<Side, 'worker'> & { start: () => LineWorker })[] = [
    ...(torch.ok ? [{ name: 'pytorch', start: () => referenceWorker('forward.py'), batch: BATCH, runs: RUNS }] : []),
    // Not the reference: PyTorch's 2 OpenMP threads suffer most when other jobs take a core, so 1 thread is shown too.
    ...(torch.ok ? [{ name: 'pytorch-1thread', start: () => referenceWorker('forward.py'), batch: BATCH, runs: RUNS, threads: 1 }] : []),
    ...[...WASM_VARIANTS, ...(all ? WASM_EXTRA : []), ...ORT_VARIANTS].map((v) => ({ name: v, start: () => nodeWorker(v), batch: BATCH, runs: RUNS })),
    { name: 'wasm-teachable', start: () => nodeWorker('wasm'), batch: BATCH, runs: RUNS, model: 'teachable', only: '0.35@224' },
    ...(all && !quick ? [{ name: 'cpu', start: () => nodeWorker('cpu'), ...CPU }] : []),
  ];
  const sides: Side[] = specs.filter((x) => !only || only.includes(x.name)).map(({ start, ...x }) => ({ ...x, worker: start() }));
  const failed: Record<string, string> = {};
  const results: Record<string, Record<string, { imgPerS: number; vsPytorch: number | null }>> = {};
  const setups: Record<string, Record<string, unknown>> = {};
  /** ORT vs tfjs on the same model and pixels, per config and ORT side (max abs difference, max |tfjs value|). */
  const checks: Record<string, Record<string, unknown>> = {};
  for (const [alpha, size] of CONFIGS) {
    const key = `${alpha.toFixed(alpha === 1 ? 1 : 2)}@${size}`;
    const active = await setUp(sides.filter((s) => !failed[s.name] && (!s.only || s.only === key)), async (s) => {
      const setup = await s.worker.request({ cmd: 'setup', alpha, size, batch: s.batch, threads: s.threads ?? THREADS, warmup: WARMUP, model: s.model });
      setups[s.name] ??= setup;
      if (setup.check) (checks[key] ??= {})[s.name] = { builtModel: setup.check, ...(setup.teachableCheck ? { teachable: setup.teachableCheck } : {}) };
    }, failed);
    const times = await interleavedSeconds(active, RUNS, (s) => s.runs,
      async (s) => (await s.worker.request<{ seconds: number }>({ cmd: 'run' })).seconds, failed);
    const imgPerS = Object.fromEntries(active.filter((s) => times.get(s)!.length).map((s) => [s.name, s.batch / median(times.get(s)!)]));
    results[key] = Object.fromEntries(Object.entries(imgPerS).map(([n, v]) => [n, { imgPerS: round(v, 2), vsPytorch: n === 'pytorch' ? null : ratio(v, imgPerS.pytorch) }]));
    loads.push(loadAverage()[0]);
    process.stderr.write(`forward ${key} (load ${loads.at(-1)}): ${JSON.stringify(results[key])}\n`);
  }
  for (const s of sides) s.worker.close();
  // The jobs' choice: one session with intra-op = cores vs two single-threaded sessions on worker threads.
  const sessions = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, {
    oneSession2Threads: v[JOBS_ORT]?.imgPerS ?? null, twoSessions1Thread: v['ort-2sessions']?.imgPerS ?? null,
    twoSessionsSameThread: v['ort-2sessions-samethread']?.imgPerS ?? null,
    twoSessionsVsOne: ratio(v['ort-2sessions']?.imgPerS, v[JOBS_ORT]?.imgPerS),
  }]));
  const maxAbs = (which: 'builtModel' | 'teachable') => Math.max(...Object.values(checks).flatMap((c) => Object.values(c))
    .map((c) => (c as Record<string, { maxAbs?: number }>)[which]?.maxAbs).filter((v): v is number => typeof v === 'number'));

  process.stdout.write(JSON.stringify({
    bench: 'forward', date: new Date().toISOString(), cpus: os.availableParallelism(), node: process.version, loadAverage: loadAverage(),
    loadAverageRange: [Math.min(...loads), Math.max(...loads)],
    what: 'MobileNetV2 features + global average pool, random weights; tfjs model built by bench/lib/mobilenetV2.ts, PyTorch torchvision.models.mobilenet_v2',
    batch: BATCH, warmup: WARMUP, runs: RUNS, interleaved: true,
    cpu: !all ? 'skipped (TL_BENCH_FORWARD_ALL=1 runs it)' : quick ? 'skipped (TL_BENCH_QUICK)' : { ...CPU, why: 'cpu backend ~10 s per 4 images at 1.0@224' },
    seconds: round(Number(process.hrtime.bigint() - started) / 1e9, 1),
    ...(only ? { onlySides: only } : {}),
    extraVariants: all ? 'run (TL_BENCH_FORWARD_ALL=1)' : `skipped: ${[...WASM_EXTRA, 'cpu'].join(', ')} (TL_BENCH_FORWARD_ALL=1 runs them)`,
    engines: Object.fromEntries(Object.entries(setups).map(([n, s]) => [n, s.backend === 'onnxruntime'
      ? { backend: s.engine, version: s.version, threads: s.intraOpThreads, sessions: s.sessions, workerThreads: s.workerThreads, onnxMb: round(Number(s.onnxMb), 2) }
      : { backend: s.backend, threads: s.wasmThreads ?? s.threads, ...(s.workers ? { workers: s.workers } : {}) }])),
    jobsOrt: JOBS_ORT,
    checks, checkMaxAbs: { builtModel: maxAbs('builtModel'), teachable: maxAbs('teachable') },
    sessions,
    reference: torch.ok ? { engine: 'pytorch cpu', versions: torch.torch, threads: THREADS } : null,
    ...(torch.ok ? {} : { referenceUnavailable: torch.reason }),
    failed, results,
  }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
