// `transfer-lab learning-curve`, `advise` and `lr-find`: the guidance jobs from the terminal.
import * as path from 'node:path';
import type { Evidence, Recommendation } from '../../core/protocol';
import type { CliCommand } from './commands';
import { printJson, runCliJob, UsageError } from './cliJob';

const str = { type: 'string' as const };
const shared = {
  json: { type: 'boolean' as const, default: false },
  backbone: str,
  cut: str,
  size: str,
  resize: str,
  batch: str,
  seed: str,
  'max-per-class': str,
  cache: str,
  'model-cache': str,
  engine: str,
  frozen: str,
  workers: str,
  out: str,
};
const SHARED_HELP =
  '[--cut LAYER] [--size PX] [--resize cover|fill|contain] [--batch 32] [--seed 42] [--max-per-class N]\n' +
  '         [--cache DIR] [--model-cache DIR] [--engine auto|wasm|cpu|...] [--frozen auto|onnxruntime|tfjs]\n' +
  '         [--workers N] [--out FILE] [--json]';

const abs = (p: unknown) => (typeof p === 'string' ? path.resolve(p) : undefined);
const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));

function sharedConfig(v: Record<string, unknown>, dataset: string | undefined) {
  return {
    dataset: abs(dataset), backbone: v.backbone, cut: v.cut, size: v.size, resize: v.resize, batch: v.batch,
    seed: v.seed, maxPerClass: v['max-per-class'], cacheDir: abs(v.cache), modelCacheDir: abs(v['model-cache']),
    engine: v.engine, frozen: v.frozen, workers: v.workers, out: abs(v.out),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const stat = (s?: { mean: number; std: number }) =>
  s ? `${pct(s.mean).padStart(6)} ±${(100 * s.std).toFixed(1)}` : '';

function formatAdvice(label: string, summary: string, evidence: Evidence[], actions: Recommendation[]): string {
  const width = Math.max(...evidence.map((e) => e.name.length));
  return (
    [
      `${label}: ${summary}`,
      'evidence:',
      ...evidence.map(
        (e) =>
          `  ${e.name.padEnd(width)}  ${Number.isInteger(e.value) ? e.value : e.value.toFixed(4)}${e.note ? `  (${e.note})` : ''}`,
      ),
      'recommendations:',
      ...actions.map((a, i) => `  ${i + 1}. ${a.title}: ${a.why}${a.command ? `  [${a.command}]` : ''}`),
    ].join('\n') + '\n'
  );
}

export const guidanceCommands: Record<string, CliCommand> = {
  'learning-curve': {
    summary: 'train the head on growing subsets and diagnose bias, variance or data mismatch',
    help:
      'usage: transfer-lab learning-curve <prepared-dir> --backbone <zoo-id|path|url> [--sizes 5%,10%,…|56,112,…|0.05,…]\n' +
      '         [--repeats 3] [--desired-error 0.05] [--head recipe|linear] [--dropout R] [--lr 0.001] [--steps 200]\n         ' +
      SHARED_HELP,
    options: {
      ...shared,
      sizes: str,
      repeats: str,
      'desired-error': str,
      head: str,
      dropout: str,
      lr: str,
      steps: str,
    },
    async run(v, positionals) {
      if (positionals.length !== 1 || !v.backbone)
        throw new UsageError('a prepared dataset folder and --backbone are required');
      const config = defined({
        ...sharedConfig(v, positionals[0]),
        sizes: v.sizes,
        repeats: v.repeats,
        desiredError: v['desired-error'],
        head: v.head,
        dropout: v.dropout,
        lr: v.lr,
        steps: v.steps,
      });
      const r = await runCliJob('learning-curve', config);
      const d = r.diagnosis;
      if (v.json) {
        printJson({
          points: r.points,
          diagnosis: d.label,
          summary: d.summary,
          evidence: d.evidence,
          actions: d.recommendations,
          moreDataLikelyHelps: d.moreDataLikelyHelps,
          desiredError: r.desiredError,
          total: r.total,
          backbone: r.backbone,
          cut: r.cut,
          head: r.head,
          repeats: r.repeats,
          engine: r.engine,
          seconds: r.seconds,
          cache: r.cache,
        });
      } else {
        const rows = r.points.map((p) =>
          ['  ' + String(p.size).padStart(6), stat(p.train).padEnd(14), stat(p.dev).padEnd(14), stat(p.trainDev)].join(
            '  ',
          ),
        );
        const header = `    size  train error     dev error       ${r.points[0]?.trainDev ? 'train-dev error' : ''}`;
        process.stdout.write(`${header}\n${rows.join('\n')}\n\n`);
        process.stdout.write(formatAdvice(d.label, d.summary, d.evidence, d.recommendations));
      }
      return 0;
    },
  },
  advise: {
    summary: 'measure size and similarity to ImageNet, and recommend a transfer-learning strategy',
    help:
      'usage: transfer-lab advise <prepared-dir> --backbone <zoo-id|path|url> [--early-cut LAYER] [--sample 60]\n         ' +
      SHARED_HELP,
    options: { ...shared, 'early-cut': str, sample: str },
    async run(v, positionals) {
      if (positionals.length !== 1 || !v.backbone)
        throw new UsageError('a prepared dataset folder and --backbone are required');
      const config = defined({ ...sharedConfig(v, positionals[0]), earlyCut: v['early-cut'], sample: v.sample });
      const r = await runCliJob('advise', config);
      const a = r.advice;
      if (v.json) {
        printJson({
          scenario: a.label,
          cut: a.cut,
          unfreezeFrom: a.unfreezeFrom,
          head: a.head,
          large: a.large,
          similar: a.similar,
          summary: a.summary,
          evidence: a.evidence,
          actions: a.recommendations,
          imagesPerClass: r.imagesPerClass,
          imagenet: r.imagenet ?? null,
          probe: r.probe ?? null,
          engine: r.engine,
          seconds: r.seconds,
        });
      } else process.stdout.write(formatAdvice(a.label, a.summary, a.evidence, a.recommendations));
      return 0;
    },
  },
  'lr-find': {
    summary:
      'sweep the learning rate over ~100 mini-batches and suggest one (on a new head, or --from RUN to fine-tune)',
    help:
      'usage: transfer-lab lr-find <prepared-dir> --backbone <zoo-id|path|url> [--head recipe|linear] [--dropout R]\n' +
      '       transfer-lab lr-find --from RUN_DIR [--unfreeze-from BLOCK]   (writes RUN_DIR/lr-find.json for fine-tuning)\n' +
      '         [--start 1e-7] [--end 10] [--steps 100] ' +
      SHARED_HELP,
    options: { ...shared, from: str, 'unfreeze-from': str, head: str, dropout: str, start: str, end: str, steps: str },
    async run(v, positionals) {
      if (positionals.length > 1)
        throw new UsageError(`expected one prepared dataset folder, got ${positionals.length}`);
      if (!v.from && (positionals.length !== 1 || !v.backbone))
        throw new UsageError('a prepared dataset folder and --backbone are required, or --from RUN_DIR');
      const r = await runCliJob(
        'lr-find',
        defined({
          ...sharedConfig(v, positionals[0]),
          from: abs(v.from),
          unfreezeFrom: v['unfreeze-from'],
          head: v.head,
          dropout: v.dropout,
          start: v.start,
          end: v.end,
          steps: v.steps,
        }),
      );
      if (v.json) {
        printJson({
          suggestion: r.suggestion,
          rule: r.rule,
          minLr: r.minLr,
          falling: r.falling,
          mode: r.mode,
          optimizer: r.optimizer,
          unfreezeFrom: r.unfreezeFrom ?? null,
          file: r.file ?? null,
          lrs: r.lrs,
          losses: r.losses,
          images: r.images,
          engine: r.engine,
        });
      } else {
        const what = r.unfreezeFrom ? `, unfreezing from ${r.unfreezeFrom}` : ', new head';
        const how = r.falling
          ? `  the loss falls from ${r.falling[0].toPrecision(2)} to ${r.falling[1].toPrecision(2)}; ` +
            `lowest at ${r.minLr.toPrecision(2)}\n`
          : '  the loss was flat (the model already fits), so this is a tenth of the rate where it starts to rise\n';
        process.stdout.write(
          `suggested learning rate: ${r.suggestion.toPrecision(2)} (${r.optimizer}${what})\n${how}` +
            (r.file ? `  saved ${r.file}\n` : ''),
        );
      }
      return 0;
    },
  },
};
