// bench/out/results.json (written by bench/run.mjs) → bench/results.md: tables of every figure and ratio, the
// machine they came from, and where each speed/memory goal stands. bench/run.mjs runs this last.
// Run alone: node --import tsx bench/report.ts
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { goals } from './lib/goals';

/* eslint-disable @typescript-eslint/no-explicit-any -- the results are whatever each bench printed */
type Json = any;

const OUT = path.join(__dirname, 'results.md');
const results: Record<string, Json> = JSON.parse(fs.readFileSync(path.join(__dirname, 'out/results.json'), 'utf8'));

const fmt = (v: unknown, d = 1): string => (typeof v === 'number' ? String(Math.round(v * 10 ** d) / 10 ** d) : v === undefined || v === null ? '–' : String(v));
const times = (v: unknown) => (typeof v === 'number' ? `${fmt(v, 2)}×` : '–');
const table = (head: string[], rows: unknown[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map((c) => String(c)).join(' | ')} |`)].join('\n');

function machine(): string {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = cpuinfo.match(/model name\s*:\s*(.+)/)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const loads = Object.values(results).map((r) => r.loadAverage?.[0]).filter((l) => typeof l === 'number') as number[];
  return [
    `- CPU: ${model}, ${os.availableParallelism()} cores; RAM ${fmt(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${os.type()} ${os.release()}`,
    `- Engine: ${results.pipeline?.engine ?? 'wasm'} (no native TensorFlow here); reference: ${results.forward?.reference?.versions ? `PyTorch ${results.forward.reference.versions} (Debian python3-torch, CPU, 2 threads)` : 'none'}`,
    `- Shared machine: 1-minute load average ${loads.length ? `${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))}` : 'unknown'} on ${os.availableParallelism()} cores while the benches ran, so absolute figures are noisy; every tfjs side and its reference ran interleaved, run by run, in the same bench.`,
  ].join('\n');
}

function forward(r: Json): string {
  const engines = ['wasm', 'wasm-workers', 'wasm-setThreadsCount', 'wasm-threads', 'cpu', 'wasm-teachable'];
  const threads = (e: string) => r.engines?.[e]?.workers ?? r.engines?.[e]?.threads;
  const head = ['config', 'PyTorch (2 threads)', 'PyTorch 1 thread', ...engines.map((e) => `${e}${threads(e) ? ` (${threads(e)} thr)` : ''}`)];
  const rows = Object.entries(r.results as Record<string, Json>).map(([k, v]) => [k, fmt(v.pytorch?.imgPerS), v['pytorch-1thread'] ? `${fmt(v['pytorch-1thread'].imgPerS)} (${times(v['pytorch-1thread'].vsPytorch)})` : '–',
    ...engines.map((e) => (v[e] ? `${fmt(v[e].imgPerS)} (${times(v[e].vsPytorch)})` : '–'))]);
  return `img/s, batch ${r.batch} (cpu: batch ${r.cpu?.batch ?? '–'}, ${r.cpu?.runs ?? '–'} runs), median of ${r.runs} runs after ${r.warmup} warm-up; (×) = vs PyTorch.
\`wasm\` is one wasm thread; \`wasm-workers\` is what the jobs run: the trainer's forward workers (\`src/trainer/forward/batchForward.ts\`), one single-threaded wasm instance per thread, each taking half the batch;
\`wasm-setThreadsCount\` calls setThreadsCount(2) first (tfjs still runs 1 thread in Node, tfjs#3830);
\`wasm-threads\` is the bench-only workaround in \`bench/lib/wasmThreads.ts\`; \`wasm-teachable\` is the real Teachable Machine 0.35@224 export.
${Object.keys(r.failed ?? {}).length ? `\nFailed: ${JSON.stringify(r.failed)}\n` : ''}
${table(head, rows)}`;
}

function pipeline(r: Json): string {
  const i = r.imgPerS;
  return `${r.images} Dogs vs Cats photos, ${r.model}, median of ${r.rounds} rounds.

${table(['end to end', 'decode only', 'decodeBatches (4 in flight)', 'compute only (preprocess + forward + cache)', 'forward only', 'overlap', 'end to end / forward', `end to end on ${r.forwardWorkers ?? '–'} forward workers`, 'compute only, workers', 'workers / one thread'],
    [[i.endToEnd, i.decodeOnly, i.decodeBatchesConcurrency4, i.computeOnly, i.forwardOnly, fmt(r.overlap, 2), times(r.endToEndVsForward), i.endToEndWorkers ?? '–', i.computeOnlyWorkers ?? '–', times(r.workersVsOneThread)]])}

overlap = (decode + compute − end to end) / decode: the share of decoding hidden under compute.`;
}

function finetune(r: Json): string {
  const s = r.stepImgPerS ?? {};
  const side = (n: string) => r.sides?.[n];
  const rows = ['ours', 'oursWasmThreads', 'naiveWasm', 'naiveCpu', 'pytorchCached', 'pytorchCached1thread', 'pytorchEndToEnd'].filter((n) => s[n] !== undefined)
    .map((n) => [n, side(n)?.mode, side(n)?.batch, fmt(s[n], 2), side(n)?.trainableParams]);
  const ra = r.ratios ?? {};
  return `${r.what}; img/s = batch / median step (${r.steps} interleaved steps; naive cpu ${r.naiveCpu?.steps ?? '–'}).

${table(['side', 'input', 'batch', 'img/s per step', 'trainable params'], rows)}

Ours through the job's epoch loop (fitModel with early stopping, ${r.oursEpoch?.train} train + ${r.oursEpoch?.val} val per epoch): **${fmt(r.oursEpoch?.imgPerSPerEpoch)} img/s per epoch**.
Feature-extractor head alone (recipe head on ${r.headOnlyEpochSeconds?.train} pooled vectors + ${r.headOnlyEpochSeconds?.val} val, median of ${r.headOnlyEpochSeconds?.epochs} epochs): wasm ${fmt(r.headOnlyEpochSeconds?.wasm, 3)} s, wasm 2 threads ${fmt(r.headOnlyEpochSeconds?.wasmThreads, 3)} s, cpu ${fmt(r.headOnlyEpochSeconds?.cpu, 3)} s per epoch (the cpu backend runs this loop at ${times(r.headOnlyEpochSeconds?.cpuVsWasm)} wasm's speed).
Ratios: ours / naive tfjs cpu ${times(ra.oursVsNaiveCpu)}, ours / naive wasm ${times(ra.oursVsNaiveWasm)}, ours on 2 wasm threads / ours ${times(ra.oursWasmThreadsVsOurs)}, ours / PyTorch from cached activations ${times(ra.oursVsPytorchCached)} (1 thread: ${times(ra.oursVsPytorchCached1thread)}), ours / PyTorch end to end ${times(ra.oursVsPytorchEndToEnd)}.`;
}

function e2e(r: Json): string {
  const phases = ['prepare', 'featureExtractor', 'fineTune', 'evaluate', 'predict', 'withoutFineTune', 'total'];
  const cell = (p: Json) => (p ? `${fmt(p.wall)} s${p.peakRssMb ? `, ${fmt(p.peakRssMb, 0)} MB` : ''}${p.valAcc !== undefined ? `, val_acc ${fmt(p.valAcc, 3)}` : ''}` +
    `${p.seconds && Object.keys(p.seconds).length ? ` (${Object.entries(p.seconds).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')})` : ''}` +
    `${p.epochs ? `; ${p.epochs} epochs, ${fmt(p.trainImgPerSPerEpoch)} train img/s per epoch` : ''}` : '–');
  const settings = (p: Json) => (p ? Object.entries(p).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${v}`).join(', ') : '–');
  return `${r.model}; ${r.data}. Wall seconds through \`dist/cli.js\`, peak RSS, val_acc.
Feature extractor: ${settings(r.settings?.featureExtractor)}; fine-tune: ${settings(r.settings?.fineTune)}.

${table(['phase', 'first run', 'rerun (cached)'], phases.map((p) => [p, cell(r.first?.[p]), cell(r.rerun?.[p])]))}

Rerun / first: feature extractor ${times(r.rerunVsFirst?.featureExtractor)}, fine-tune ${times(r.rerunVsFirst?.fineTune)}.`;
}

/** Trainer RSS growth per extra image between the smallest and largest run, in KB. */
function slope(r: Json): string {
  const runs = Object.entries(r.runs ?? {}).map(([n, v]: [string, Json]) => [Number(n), v.featureExtractor.trainerPeakRssMb] as const).sort((a, b) => a[0] - b[0]);
  if (runs.length < 2) return '';
  const [[n0, m0], [n1, m1]] = [runs[0], runs.at(-1)!];
  return `: the trainer grows ${fmt(((m1 - m0) * 1024) / (n1 - n0), 1)} KB per extra image`;
}

function memory(r: Json): string {
  const rows = Object.entries(r.runs ?? {}).map(([n, v]: [string, Json]) => [n, `${fmt(v.prepare.seconds)} s, ${fmt(v.prepare.peakRssMb, 0)} MB`,
    `${fmt(v.featureExtractor.seconds)} s`, fmt(v.featureExtractor.trainerPeakRssMb, 0), fmt(v.featureExtractor.extensionSideRssMb, 0)]);
  return `${r.setup}. Generated ${r.generated?.images} JPEGs (mean ${fmt(r.generated?.meanKb, 0)} KB) in ${fmt(r.generated?.seconds)} s.

${table(['images', 'prepare (CLI)', 'feature extractor (forked trainer)', 'trainer peak RSS MB', 'extension-side RSS MB'], rows)}

Largest / smallest: trainer peak RSS ${times(r.largeVsSmall?.trainerPeakRss)}, extension side ${times(r.largeVsSmall?.extensionSideRss)}, for ${times(r.largeVsSmall?.images)} the images${slope(r)}.`;
}

const sections: Record<string, [string, (r: Json) => string]> = {
  forward: ['Backbone forward vs PyTorch (`bench/forward.ts`)', forward],
  pipeline: ['Decode → preprocess → forward pipeline (`bench/pipeline.ts`)', pipeline],
  finetune: ['Fine-tuning the top block (`bench/finetune.ts`)', finetune],
  e2e: ['End to end through the CLI (`bench/e2e.ts`)', e2e],
  memory: ['Memory at 5k and 25k images (`bench/memory.ts`)', memory],
};

/** Benches without a renderer of their own: every leaf value as a `key.path | value` row. */
function flat(r: Json, prefix = ''): [string, string][] {
  if (r === null || typeof r !== 'object') return [[prefix, fmt(r, 2)]];
  if (Array.isArray(r) && r.every((v) => typeof v !== 'object')) return [[prefix, r.map((v) => fmt(v, 2)).join(', ')]];
  return Object.entries(r).flatMap(([k, v]) => flat(v, prefix ? `${prefix}.${k}` : k));
}

function section(name: string, r: Json): string {
  const [title, render] = sections[name] ?? [`\`bench/${name}.ts\``, () => ''];
  const when = r.date ? ` (${String(r.date).slice(0, 16).replace('T', ' ')} UTC)` : '';
  if (r.error) return `## ${title}\n\nFailed${when}: ${r.error}`;
  const body = render(r);
  const rows = flat(r).filter(([k]) => !['bench', 'date'].includes(k));
  return `## ${title}${when}\n\n${body || table(['figure', 'value'], rows.map(([k, v]) => [`\`${k}\``, v]))}`;
}

const order = [...Object.keys(sections), ...Object.keys(results).filter((n) => !(n in sections)).sort()].filter((n) => results[n]);
const md = `# Benchmark results

Generated by \`bench/report.ts\` from \`bench/out/results.json\` (\`npm run bench\`), ${new Date().toISOString().slice(0, 10)}.

${machine()}

## Goals

${table(['goal', 'measured', 'status'], goals(results).map((g) => [g.goal, g.measured, g.status]))}

Goals against PyTorch use the faster of its 2-thread run (the reference as specified) and its 1-thread run: on this
shared 2-core machine its two OpenMP threads often lost a core to other jobs and ran slower than one, and a goal
should not pass on that. Both figures are in the tables below.

${order.map((n) => section(n, results[n])).join('\n\n')}
`;
fs.writeFileSync(OUT, md);
process.stderr.write(`wrote ${path.relative(process.cwd(), OUT)}\n`);
