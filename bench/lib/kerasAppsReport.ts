// bench/kerasApps.ts's section of bench/results.md (bench/report.ts calls it): VGG16 and ResNet50 forward img/s
// on ONNX Runtime and wasm workers against PyTorch, and VGG16's block5 fine-tune: caching, the frozen bottom, the
// epoch and the training step.
/* eslint-disable @typescript-eslint/no-explicit-any -- the results are whatever the bench printed */
type Json = any;

const fmt = (v: unknown, d = 1): string => (typeof v === 'number' ? String(Math.round(v * 10 ** d) / 10 ** d) : v === undefined || v === null ? '–' : String(v));
const times = (v: unknown) => (typeof v === 'number' ? `${fmt(v, 2)}×` : '–');
const table = (head: string[], rows: unknown[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map((c) => String(c)).join(' | ')} |`)].join('\n');
const cell = (v: Json) => (v ? `${fmt(v.imgPerS, 2)}${v.vsPytorch !== null && v.vsPytorch !== undefined ? ` (${times(v.vsPytorch)})` : ''}` : '–');
const faster = (v: Json) => (v?.vsFasterPytorch !== null && v?.vsFasterPytorch !== undefined ? `**${times(v.vsFasterPytorch)}**` : '–');

function forward(f: Json): string {
  const ort = f.engines?.['ort-2threads'];
  const rows = Object.entries((f.results ?? {}) as Record<string, Json>).map(([k, v]) => {
    const c = (f.configs as Json[] | undefined)?.find((x) => x.key === k);
    return [k, c?.batch ?? '–', cell(v.pytorch), cell(v['pytorch-1thread']), cell(v['ort-2threads']), cell(v['wasm-workers']),
      faster(v['ort-2threads']), faster(v['wasm-workers']), times(v['ort-2threads'] && v['wasm-workers'] ? v['ort-2threads'].imgPerS / v['wasm-workers'].imgPerS : undefined)];
  });
  const checks = Object.entries((f.checks ?? {}) as Record<string, Json>).map(([k, c]) => `${k} ${c.maxAbs?.toExponential?.(1)} (largest tfjs value ${c.maxAbsTfjs?.toExponential?.(1)})`);
  return `**Forward** (${f.what}): img/s, median of ${f.runs} interleaved runs after ${f.warmup} warm-up; (×) = vs PyTorch on 2 threads.
\`ort-2threads\` is the frozen engine the jobs run: Keras' application built by \`buildKerasApplication\`, converted by \`convertLayersModel\`, one ONNX Runtime${ort?.version ? ` ${ort.version}` : ''} session (\`openOrtSession\`, intra-op threads = cores) run through \`ortForward\`, JS preprocessing ('caffe') from uint8 pixels included. \`wasm-workers\` is today's tfjs path: the trainer's forward workers, one single-threaded wasm instance per core, each taking half the batch. PyTorch: torchvision's \`vgg16().features\` + average pool and \`resnet50()\` without \`fc\`, eval, \`no_grad\`.

${table(['config', 'batch', 'PyTorch (2 threads)', 'PyTorch 1 thread', 'ort-2threads (jobs)', 'wasm-workers (2 thr)', 'ORT / faster PyTorch', 'wasm-workers / faster PyTorch', 'ORT / wasm-workers'], rows)}
${checks.length ? `\nORT against tfjs at setup (same model and uint8 pixels, 8 images), max abs difference: ${checks.join('; ')}.` : ''}`;
}

function finetune(t: Json): string {
  const c = t.caching ?? {};
  const e = t.epoch ?? {};
  const sideRow = (label: string, v: Json) => [label, cell(v), faster(v)];
  const b = t.bottom?.results ?? {};
  const s = t.steps?.results ?? {};
  const minutes = (x: unknown) => (typeof x === 'number' ? `${fmt(x / 60, 1)} min` : '–');
  return `**Fine-tune** (${t.what}), through the product's code: \`buildKerasApplication\` → \`FeatureExtractor.atBoundary('${c.unfreezeFrom}')\` (boundary \`${c.boundaryLayer}\`, [${(c.boundaryShape ?? []).join(', ')}] per image; trainable: ${(c.topLayers ?? []).join(', ')} + the recipe head, ${typeof e.trainableParams === 'number' ? e.trainableParams.toLocaleString('en-US') : '–'} weights) → \`features()\` → \`trainableModel(buildHead(...))\` → \`fitModel\`.

- Activation caching: ${c.images} photos (${c.realPhotos} shared Dogs vs Cats train photos + ${c.mosaics} photo mosaics), decode + frozen bottom on ${c.frozenEngine} + float16 cache entries (${fmt(c.cacheMb, 0)} MB): **${fmt(c.imgPerS, 2)} img/s** (${fmt(c.seconds)} s${c.failed ? `, ${c.failed} failed` : ''}).
- One training epoch of ${e.rows} cached activations, batch ${e.batch} (${e.stepsPerEpoch} steps), SGD 1e-4 momentum 0.9, on tfjs ${e.backend} (the training engine), no validation pass: **${fmt(e.epochSeconds, 0)} s (${minutes(e.epochSeconds)}), ${fmt(e.imgPerSPerEpoch, 2)} img/s**${e.whole ? ', measured whole' : `, extrapolated from the first ${e.measuredSteps} steps (${e.extrapolation}); step seconds ${(e.stepSeconds ?? []).join(', ')}`}. Trainer RSS ${fmt(e.memoryMb, 0)} MB.

The frozen bottom alone (image → ${c.boundaryLayer}, batch ${t.bottom?.batch}, median of ${t.bottom?.runs} interleaved runs; ORT: \`backboneForward\` as caching runs it; PyTorch: \`vgg16().features[:24]\`, eval, \`no_grad\`) and one training step of block5 + head from cached activations (batch ${t.steps?.batch}, median of ${t.steps?.runs} interleaved steps; ours: \`trainOnBatch\` on tfjs wasm, one thread; PyTorch: \`features[24:]\` + a like head, \`bench/reference/kerasApps.py\`), img/s, (×) = vs PyTorch on 2 threads:

${table(['pass', 'side', 'img/s', 'vs faster PyTorch'], [
    ...[['ort', 'ours: ORT (frozen engine)'], ['pytorch', 'PyTorch 2 threads'], ['pytorch1thread', 'PyTorch 1 thread']].map(([k, l]) => ['frozen bottom', ...sideRow(l, b[k])]),
    ...[['ours', 'ours: tfjs wasm (training engine)'], ['pytorchCached', 'PyTorch 2 threads'], ['pytorch1threadCached', 'PyTorch 1 thread']].map(([k, l]) => ['training step', ...sideRow(l, s[k])]),
  ])}`;
}

export function kerasAppsSection(r: Json): string {
  const loads = r.loadAverageRange ? `1-minute load average ${fmt(r.loadAverageRange[0])}–${fmt(r.loadAverageRange[1])} over the run (${(r.loads ?? []).join(', ')} at the start and after each stage)` : '';
  return [
    `Keras' VGG16 and ResNet50 as the product builds them (\`src/trainer/model/keras/applications\`), random weights; ${loads}; ${fmt(r.seconds, 0)} s in all.${Object.keys(r.failed ?? {}).length ? ` Failed: ${JSON.stringify(r.failed)}.` : ''}`,
    r.forward ? forward(r.forward) : '',
    r.finetune ? finetune(r.finetune) : '',
  ].filter(Boolean).join('\n\n');
}
