// bench/out/results.json (written by bench/run.mjs) → bench/results.md: tables of every figure and ratio, the
// machine they came from, and where each speed/memory goal stands. bench/run.mjs runs this last.
// A bench missing from results.json (not run on this machine since bench/out was cleared, or a subset run) keeps
// the section and goal rows the previous results.md showed for it, so a partial run never erases other figures.
// Run alone: node --import tsx bench/report.ts
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { goals } from './lib/goals';
import { kerasAppsSection } from './lib/kerasAppsReport';

/* eslint-disable @typescript-eslint/no-explicit-any -- the results are whatever each bench printed */
type Json = any;

const OUT = path.join(__dirname, 'results.md');
const results: Record<string, Json> = JSON.parse(fs.readFileSync(path.join(__dirname, 'out/results.json'), 'utf8'));
const previous = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';

/** The previous report's sections by bench name (from the `bench/<name>.ts` in each heading), as written. */
const previousSections = new Map(previous.split(/^(?=## )/m).flatMap((block) => {
  const name = block.split('\n', 1)[0].match(/^## .*`bench\/(\w+)\.ts`/)?.[1];
  return name ? [[name, block.trim()] as const] : [];
}));
/** The previous report's goal rows by goal text. */
const previousGoals = new Map(previous.split(/^## /m).find((b) => b.startsWith('Goals'))?.split('\n')
  .filter((l) => l.startsWith('| ') && !l.startsWith('| goal |') && !l.startsWith('| ---'))
  .map((l) => l.slice(2, -2).split(' | ')).filter((c) => c.length === 3).map((c) => [c[0], c] as const) ?? []);
const carried = [...previousSections.keys()].filter((n) => !results[n]);
/**
 * Written by hand under the goals table (what moved a goal, what was tried and dropped): kept as it was, since no
 * bench writes it. It is what lies between the table and the fixed paragraph on PyTorch below.
 */
const GOALS_FOOTER = 'Goals against PyTorch use the faster';
const handNotes = (() => {
  const goalsBlock = previous.split(/^## /m).find((b) => b.startsWith('Goals')) ?? '';
  const afterTable = goalsBlock.split('\n').filter((_, i, lines) => !lines.slice(0, i + 1).every((l) => l.startsWith('| ') || !l.trim() || l.startsWith('Goals')));
  const text = afterTable.join('\n');
  const end = text.indexOf(GOALS_FOOTER);
  return (end < 0 ? '' : text.slice(0, end)).trim();
})();

const fmt = (v: unknown, d = 1): string => (typeof v === 'number' ? String(Math.round(v * 10 ** d) / 10 ** d) : v === undefined || v === null ? '–' : String(v));
const times = (v: unknown) => (typeof v === 'number' ? `${fmt(v, 2)}×` : '–');
const table = (head: string[], rows: unknown[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map((c) => String(c)).join(' | ')} |`)].join('\n');

function machine(): string {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = cpuinfo.match(/model name\s*:\s*(.+)/)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const loads = Object.values(results).flatMap((r) => [r.loadAverage?.[0], ...(r.loadAverageRange ?? [])]).filter((l) => typeof l === 'number') as number[];
  // Carried sections ran under the load the previous report stated for them (or for all its benches).
  const before = previous.match(/their load average ([\d.]+)–([\d.]+)/) ?? previous.match(/load average ([\d.]+)–([\d.]+)/);
  return [
    `- CPU: ${model}, ${os.availableParallelism()} cores; RAM ${fmt(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${os.type()} ${os.release()}`,
    `- Engine: ${results.pipeline?.engine ?? 'wasm'} (no native TensorFlow here); reference: ${results.forward?.reference?.versions ? `PyTorch ${results.forward.reference.versions} (Debian python3-torch, CPU, 2 threads)` : 'none'}`,
    `- Shared machine: 1-minute load average ${loads.length ? `${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))}` : 'unknown'} on ${os.availableParallelism()} cores while the benches ran, so absolute figures are noisy; every tfjs side and its reference ran interleaved, run by run, in the same bench.`,
    ...(carried.length ? [`- Not rerun for this report, so kept as the previous results.md showed them (each heading has its date${before ? `; their load average ${before[1]}–${before[2]}` : ''}): ${carried.map((n) => `\`${n}\``).join(', ')}.`] : []),
  ].join('\n');
}

/** Forward sides, the jobs' engines first; a side that did not run in this bench gets no column. */
const FORWARD_SIDES = ['ort-2threads', 'ort-2sessions', 'ort-1thread', 'ort-2sessions-samethread', 'wasm-workers', 'wasm',
  'wasm-setThreadsCount', 'wasm-threads', 'cpu', 'wasm-teachable'];

function forward(r: Json): string {
  const rows0 = Object.entries(r.results as Record<string, Json>);
  const engines = FORWARD_SIDES.filter((e) => rows0.some(([, v]) => v[e]));
  const label = (e: string) => {
    const g = r.engines?.[e];
    if (g?.sessions) return `${e} (${g.sessions} session${g.sessions > 1 ? 's' : ''} × ${g.threads} thr${g.workerThreads ? ', worker threads' : g.sessions > 1 ? ', one JS thread' : ''})`;
    const t = g?.workers ?? g?.threads;
    return `${e}${t ? ` (${t} thr)` : ''}`;
  };
  const jobsOrt: string = r.jobsOrt ?? 'ort-2threads';
  const best = (v: Json) => Math.max(v.pytorch?.imgPerS ?? 0, v['pytorch-1thread']?.imgPerS ?? 0) || undefined;
  const head = ['config', 'PyTorch (2 threads)', 'PyTorch 1 thread', ...engines.map(label), `${jobsOrt} / faster PyTorch`];
  const rows = rows0.map(([k, v]) => [k, fmt(v.pytorch?.imgPerS), v['pytorch-1thread'] ? `${fmt(v['pytorch-1thread'].imgPerS)} (${times(v['pytorch-1thread'].vsPytorch)})` : '–',
    ...engines.map((e) => (v[e] ? `${fmt(v[e].imgPerS)} (${times(v[e].vsPytorch)})` : '–')),
    v[jobsOrt] && best(v) ? `**${times(v[jobsOrt].imgPerS / best(v)!)}**` : '–']);
  const ortVersion = (Object.values(r.engines ?? {}) as Json[]).find((g) => g?.sessions)?.version;
  const sessions = Object.entries((r.sessions ?? {}) as Record<string, Json>).map(([k, v]) => [k, fmt(v.oneSession2Threads), fmt(v.twoSessions1Thread),
    fmt(v.twoSessionsSameThread), times(v.twoSessionsVsOne)]);
  // One row per config and model: every ORT side runs the same graph, so the row holds the worst of them.
  const checkRows = Object.entries((r.checks ?? {}) as Record<string, Record<string, Json>>).flatMap(([k, sides]) =>
    ([['builtModel', 'built (random weights)'], ['teachable', 'Teachable Machine export']] as const).flatMap(([which, what]) => {
      const cs = Object.values(sides).map((c) => c[which]).filter(Boolean);
      if (!cs.length) return [];
      const worst = cs.reduce((a, b) => (b.maxAbs / b.maxAbsTfjs > a.maxAbs / a.maxAbsTfjs ? b : a));
      return [[k, what, Object.keys(sides).length, worst.images, worst.maxAbs.toExponential(1), worst.maxAbsTfjs.toExponential(1), (worst.maxAbs / worst.maxAbsTfjs).toExponential(1)]];
    }));
  return `img/s, batch ${r.batch}, median of ${r.runs} interleaved runs after ${r.warmup} warm-up; (×) = vs PyTorch on 2 threads; the last column is the jobs' ORT side over the faster of PyTorch's two settings (what the goals read).
\`ort-*\` is the jobs' frozen-forward engine, ONNX Runtime${ortVersion ? ` ${ortVersion}` : ''} (CPU provider): the same tfjs-built model converted by the product's converter (\`src/trainer/model/onnx/layersToOnnx.ts\`), opened by \`openOrtSession\` and run through \`ortForward\`, JS preprocessing from uint8 pixels included, as the jobs run it.
\`${jobsOrt}\` is what the jobs run (one session, intra-op threads = cores); \`ort-2sessions\` is two single-threaded sessions, one per worker thread, each taking half the batch; \`ort-2sessions-samethread\` is two sessions in one JS thread (onnxruntime-node's async \`run()\` computes on the calling thread, so they take turns); \`ort-1thread\` is one single-threaded session.
\`wasm-workers\` is the tfjs path (where ORT does not load): the trainer's forward workers (\`src/trainer/forward/batchForward.ts\`), one single-threaded wasm instance per thread, each taking half the batch; \`wasm\` is one wasm thread; \`wasm-teachable\` is the real Teachable Machine 0.35@224 export on one wasm thread.
${r.extraVariants ? `Other tfjs variants (\`wasm-setThreadsCount\`, \`wasm-threads\`, \`cpu\`): ${r.extraVariants}.` : ''}
${Object.keys(r.failed ?? {}).length ? `\nFailed: ${JSON.stringify(r.failed)}\n` : ''}
${table(head, rows)}
${sessions.length ? `
One ORT session using both cores (what the jobs run) vs two single-threaded sessions each taking half the batch, img/s.
The order depends on how busy the machine is: ORT's intra-op threads meet at every op, so a 2-thread session loses most
when other processes take a core. In a run at 1-minute load 6–10 on these 2 cores (2026-12-04) two sessions were
1.1–2.2× faster than one, and one single-threaded session was fastest of all.

${table(['config', 'one session, 2 intra-op threads', 'two 1-thread sessions, worker threads', 'two 1-thread sessions, one JS thread', 'two on worker threads / one'], sessions)}
` : ''}${checkRows.length ? `
ORT against tfjs at setup: the same model and the same uint8 pixels, tfjs (wasm, \`toBatchTensor\` + \`embed\`) vs ORT (\`ortForward\`); max abs difference${r.checkMaxAbs ? ` over all (built ${fmt(r.checkMaxAbs.builtModel?.toExponential?.(1))}, Teachable Machine ${fmt(r.checkMaxAbs.teachable?.toExponential?.(1))})` : ''}. The built model's random weights give tiny features, so the real-weight Teachable Machine export is checked too (at 0.35@224).

${table(['config', 'model', 'ORT sides', 'images', 'max abs ORT − tfjs', 'max abs tfjs value', 'max abs / max tfjs'], checkRows)}
` : ''}`.trimEnd();
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
${r.activationsImgPerS ? `Filling the activation cache (${r.activationsImgPerS.what}): ONNX Runtime (the jobs' default) ${fmt(r.activationsImgPerS.onnxruntime)} img/s, tfjs wasm forward workers (--frozen tfjs) ${fmt(r.activationsImgPerS.tfjs)} img/s, ${times(r.activationsImgPerS.onnxruntimeVsTfjs)}; the training steps above run on tfjs either way.\n` : ''}Ratios: ours / naive tfjs cpu ${times(ra.oursVsNaiveCpu)}, ours / naive wasm ${times(ra.oursVsNaiveWasm)}, ours on 2 wasm threads / ours ${times(ra.oursWasmThreadsVsOurs)}, ours / PyTorch from cached activations ${times(ra.oursVsPytorchCached)} (1 thread: ${times(ra.oursVsPytorchCached1thread)}), ours / PyTorch end to end ${times(ra.oursVsPytorchEndToEnd)}.`;
}

function e2e(r: Json): string {
  const settings = (p: Json) => (p ? Object.entries(p).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${v}`).join(', ') : '–');
  const runs: [string, string][] = [['onnxruntime', 'first'], ['tfjs', 'first'], ['onnxruntime', 'rerun'], ['tfjs', 'rerun']];
  const side = (name: string) => r.sides?.[name];
  const label = (name: string, which: string) => `${name === 'onnxruntime' ? 'ORT (default)' : '--frozen tfjs'} ${which === 'first' ? 'first run' : 'rerun (cached)'}`;
  const cell = (p: Json) => (p ? `${fmt(p.wall)} s${p.peakRssMb ? `, ${fmt(p.peakRssMb, 0)} MB` : ''}${p.valAcc !== undefined ? `, val_acc ${fmt(p.valAcc, 3)}` : ''}` : '–');
  const phases = ['prepare', 'featureExtractor', 'evaluate', 'predict', 'withoutFineTune', 'fineTune', 'total'];
  const names: Record<string, string> = { withoutFineTune: '**prepare → FE → evaluate → predict**', total: 'all five' };
  const walls = table(['phase', ...runs.map(([n, w]) => label(n, w)), 'tfjs / ORT first', 'tfjs / ORT rerun'],
    phases.map((p) => [names[p] ?? p, ...runs.map(([n, w]) => cell(side(n)?.[w]?.[p])), times(r.tfjsVsOnnxruntime?.first?.[p]), times(r.tfjsVsOnnxruntime?.rerun?.[p])]));
  const tl = ['processAndEngine', 'backboneDataAndRun', 'embedding', 'training', 'saveHeadAndModel', 'valCheck', 'thumbnailsAndDashboard', 'completeRun', 'exit'];
  const jobRows = ['featureExtractor', 'fineTune'].flatMap((job) => runs.map(([n, w]) => {
    const p = side(n)?.[w]?.[job];
    const t = p?.timeline ?? {};
    return [`${job === 'featureExtractor' ? 'FE' : 'fine-tune'}, ${label(n, w)}`, fmt(p?.wall), ...tl.map((k) => (k === 'training' && p?.epochs ? `${fmt(t[k], 2)} (${p.epochs} × ${fmt(p.medianEpochSeconds, 2)})` : fmt(t[k], 2))),
      p?.epochs ? fmt(p.trainImgPerSPerEpoch) : '–', p?.frozenEngine ?? '–'];
  }));
  const st = r.startup ?? {};
  return `${r.model}; ${r.data}. ${r.recipe ?? ''}.
Two sides, each in its own work and cache folders, run interleaved in this order: ${(r.order ?? []).join(', ')}. ORT (default): no \`--frozen\` flag (the jobs' default, \`frozen\` auto → ONNX Runtime); \`--frozen tfjs\`: every command with that flag (today's tfjs wasm forward workers), the same-run reference. 1-minute load average ${r.loadAverageRange ? `${fmt(r.loadAverageRange[0])}–${fmt(r.loadAverageRange[1])}` : fmt(r.loadAverage?.[0])} over the runs.${r.quick ? ` **${r.quick}**` : ''}
Feature extractor: ${settings(side('onnxruntime')?.settings?.featureExtractor)}; fine-tune: ${settings(side('onnxruntime')?.settings?.fineTune)}.

Wall seconds through \`dist/cli.js\` (process start included), peak RSS, val_acc (evaluate and predict read the feature extractor's run; fine-tune starts from it after them):

${walls}

Where each train job's wall time went, in seconds (from its stderr \`engine:\` line and the mtimes of what it wrote, on the spawn's clock; embedding and training are the job's own \`seconds\`): process + engine = node start, the bundle, tfjs wasm init; backbone, data, run = backbone loaded, dataset.json read, run folder made; val check = the saved model over the 280 val images (decode + frozen pass, incl. opening the ONNX session); complete = every file's sha256 and run.json.

${table(['job', 'wall', 'process + engine', 'backbone, data, run', 'embedding', 'training (epochs × median s)', 'save head + model', 'val check', 'thumbnails + dashboard', 'complete', 'exit', 'train img/s per epoch', '`frozenEngine` in --json'], jobRows)}

Process start alone (median of 3): \`node -e 0\` ${fmt(st.nodeBare, 2)} s, \`dist/cli.js help\` ${fmt(st.cliUsage, 2)} s, \`require('onnxruntime-node')\` ${fmt(st.requireOnnxruntime, 2)} s, \`dist/cli.js doctor\` (loads tfjs wasm and probes ONNX Runtime) ${fmt(st.doctor, 2)} s.
Rerun / first (ORT): feature extractor ${times(side('onnxruntime')?.rerunVsFirst?.featureExtractor)}, fine-tune ${times(side('onnxruntime')?.rerunVsFirst?.fineTune)}; --frozen tfjs: ${times(side('tfjs')?.rerunVsFirst?.featureExtractor)}, ${times(side('tfjs')?.rerunVsFirst?.fineTune)}.`;
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
    `${fmt(v.featureExtractor.seconds)} s${v.featureExtractor.phases ? ` (${Object.entries(v.featureExtractor.phases).map(([k, x]) => `${k} ${fmt(x)}`).join(', ')})` : ''}`,
    v.featureExtractor.frozenEngine ?? '–', fmt(v.featureExtractor.trainerPeakRssMb, 0),
    v.featureExtractor.peakRssByStageMb ? Object.entries(v.featureExtractor.peakRssByStageMb).map(([k, x]) => `${k} ${fmt(x, 0)}`).join(', ') : '–',
    fmt(v.featureExtractor.extensionSideRssMb, 0)]);
  return `${r.setup}. 1-minute load average ${fmt(r.loadAverage?.[0])} at the end. Generated ${r.generated?.images} JPEGs (mean ${fmt(r.generated?.meanKb, 0)} KB) in ${fmt(r.generated?.seconds)} s.

${table(['images', 'prepare (CLI)', 'feature extractor (forked trainer)', 'frozen passes on', 'trainer peak RSS MB', 'trainer peak RSS by stage, MB (sampled every 100 ms)', 'extension-side RSS MB'], rows)}

Largest / smallest: trainer peak RSS ${times(r.largeVsSmall?.trainerPeakRss)}, extension side ${times(r.largeVsSmall?.extensionSideRss)}, for ${times(r.largeVsSmall?.images)} the images${slope(r)}.`;
}

const sections: Record<string, [string, (r: Json) => string]> = {
  forward: ['Backbone forward vs PyTorch (`bench/forward.ts`)', forward],
  pipeline: ['Decode → preprocess → forward pipeline (`bench/pipeline.ts`)', pipeline],
  finetune: ['Fine-tuning the top block (`bench/finetune.ts`)', finetune],
  e2e: ['End to end through the CLI (`bench/e2e.ts`)', e2e],
  memory: ['Memory at 5k and 25k images (`bench/memory.ts`)', memory],
  kerasApps: ['VGG16 and ResNet50: forward and block5 fine-tune vs PyTorch (`bench/kerasApps.ts`)', kerasAppsSection],
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

const known = (n: string) => n in results || previousSections.has(n);
const order = [...Object.keys(sections), ...[...Object.keys(results), ...carried].filter((n) => !(n in sections)).sort()].filter(known);
const render = (n: string) => (results[n] ? section(n, results[n]) : previousSections.get(n)!);
const goalRows = goals(results).map((g) => (g.benches.some((b) => results[b]) ? [g.goal, g.measured, g.status] : previousGoals.get(g.goal) ?? [g.goal, g.measured, g.status]));
const md = `# Benchmark results

Generated by \`bench/report.ts\` from \`bench/out/results.json\` (\`npm run bench\`), ${new Date().toISOString().slice(0, 10)}.

${machine()}

## Goals

${table(['goal', 'measured', 'status'], goalRows)}
${handNotes ? `\n${handNotes}\n` : ''}
${GOALS_FOOTER} of its 2-thread run (the reference as specified) and its 1-thread run: on this
shared 2-core machine its two OpenMP threads often lost a core to other jobs and ran slower than one, and a goal
should not pass on that. Both figures are in the tables below.

${order.map(render).join('\n\n')}
`;
fs.writeFileSync(OUT, md);
process.stderr.write(`wrote ${path.relative(process.cwd(), OUT)}\n`);
