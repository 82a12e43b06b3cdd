// `transfer-lab evaluate` and `transfer-lab predict`: a saved run's model on its val split, or on new images.
import * as path from 'node:path';
import type { CliCommand } from './commands';
import { printJson, runCliJob, UsageError } from './cliJob';
import type { EvaluateResult } from '../../core/jobs/evaluate';
import { isModelFileName, RUN_FILES } from '../../core/runFiles';

const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));
const fixed = (x: number | undefined, d = 4) => (x === undefined ? 'n/a' : x.toFixed(d));

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    '  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)];
}

export function formatEvaluation(s: EvaluateResult): string {
  const lines = [
    `run ${s.runId}: ${s.count} val images${s.skipped.length ? ` (${s.skipped.length} skipped)` : ''}`,
    `accuracy  ${fixed(s.accuracy)}${s.runValAcc !== undefined ? `   (the run's best val_acc: ${fixed(s.runValAcc)})` : ''}`,
    `log loss  ${fixed(s.logLoss)}`,
  ];
  if (s.auc !== undefined) lines.push(`ROC AUC   ${fixed(s.auc)}   (P(${s.classes[1]}))`);
  if (s.tta) lines.push(`test-time augmentation: ${s.tta} (probabilities averaged over the views)`);
  lines.push('', 'confusion matrix (rows: truth, columns: predicted):',
    ...table(['', ...s.classes], s.confusion.map((row, i) => [s.classes[i], ...row.map(String)])));
  lines.push(
    '',
    ...table(
      ['class', 'precision', 'recall', 'f1', 'support'],
      [
        ...s.perClass.map((c) => [
          c.class,
          ...(c.noSupport ? ['n/a', 'n/a', 'n/a'] : [fixed(c.precision), fixed(c.recall), fixed(c.f1)]),
          String(c.support),
        ]),
        ['macro avg', fixed(s.macro.precision), fixed(s.macro.recall), fixed(s.macro.f1), String(s.count)],
        ['weighted avg', fixed(s.weighted.precision), fixed(s.weighted.recall), fixed(s.weighted.f1), String(s.count)],
      ],
    ),
  );
  for (const n of s.notes) lines.push(`note: ${n}`);
  for (const w of s.warnings ?? []) lines.push(`warning: ${w}`);
  if (s.mostConfused?.length)
    lines.push('', 'most confused:', ...s.mostConfused.map((p) => `  ${p.truth} → ${p.predicted}: ${p.count}`));
  if (s.topLosses.length) {
    lines.push(
      '',
      `top ${s.topLosses.length} losses (most confidently wrong):`,
      ...table(
        ['file', 'truth', 'predicted', 'p'],
        s.topLosses.map((t) => [t.file, t.truth, t.predicted, fixed(t.probability)]),
      ),
    );
  }
  for (const k of s.skipped) lines.push(`skipped ${k.file}: ${k.reason}`);
  // A model file is evaluated in place (a run is a folder): nothing is written beside it.
  if (!isModelFileName(s.runDir)) lines.push('', `wrote ${path.join(s.runDir, RUN_FILES.evaluation)}`);
  return lines.join('\n') + '\n';
}

export const evaluateCommands: Record<string, CliCommand> = {
  evaluate: {
    summary: "measure a saved run's model on its val split: accuracy, log loss, AUC, confusion, per-class, top losses",
    help:
      'usage: transfer-lab evaluate <run-dir> [--top-losses 16] [--batch 32] [--engine auto|wasm|cpu|...] ' +
      '\n       transfer-lab evaluate <model.h5|model.keras|model.json> --dataset <prepared-dir> ' +
      '[--preprocessing minus1to1|zero1|caffe] ' +
      '[--frozen auto|onnxruntime|tfjs] [--workers N] [--tta none|flip|flip+crops] [--json]',
    options: {
      json: { type: 'boolean', default: false },
      'top-losses': { type: 'string' },
      dataset: { type: 'string' },
      preprocessing: { type: 'string' },
      batch: { type: 'string' },
      engine: { type: 'string' },
      frozen: { type: 'string' },
      workers: { type: 'string' },
      tta: { type: 'string' },
    },
    async run(v, positionals) {
      if (!positionals[0]) throw new UsageError('a run folder (or a model file with --dataset) is required');
      const s = await runCliJob(
        'evaluate',
        defined({
          runDir: path.resolve(positionals[0]),
          topLosses: v['top-losses'],
          dataset: typeof v.dataset === 'string' ? path.resolve(v.dataset) : undefined,
          preprocessing: v.preprocessing,
          batch: v.batch,
          engine: v.engine,
          frozen: v.frozen,
          workers: v.workers,
          tta: v.tta,
        }),
      );
      // A model file is measured in place: nothing is written beside it, so there is no evaluation.json to name.
      const wrote = !isModelFileName(s.runDir);
      if (v.json) printJson({ ...s, ...(wrote ? { evaluation: path.join(s.runDir, RUN_FILES.evaluation) } : {}) });
      else process.stdout.write(formatEvaluation(s));
      return 0;
    },
  },
  predict: {
    summary: "predict a folder of images with a saved run's model (or a Keras .h5/.keras or TF.js model file) into a Kaggle-style CSV",
    help:
      'usage: transfer-lab predict <run-dir | model.h5 | model.keras | model.json> <images-dir> [--out FILE] [--clip X]\n' +
      '         [--positive CLASS] [--preprocessing minus1to1|zero1|caffe] [--batch 32]\n' +
      '         [--engine auto|wasm|cpu|...] [--frozen auto|onnxruntime|tfjs] [--workers N]\n' +
      '         [--tta none|flip|flip+crops] [--json]',
    options: {
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      clip: { type: 'string' },
      positive: { type: 'string' },
      preprocessing: { type: 'string' },
      batch: { type: 'string' },
      engine: { type: 'string' },
      frozen: { type: 'string' },
      workers: { type: 'string' },
      tta: { type: 'string' },
    },
    async run(v, positionals) {
      if (positionals.length < 2) {
        throw new UsageError('a run folder (or a model file: .h5, .keras, model.json) and an images folder are required');
      }
      const r = await runCliJob(
        'predict',
        defined({
          runDir: path.resolve(positionals[0]),
          images: path.resolve(positionals[1]),
          out: typeof v.out === 'string' ? path.resolve(v.out) : undefined,
          clip: v.clip,
          positive: v.positive,
          preprocessing: v.preprocessing,
          batch: v.batch,
          engine: v.engine,
          frozen: v.frozen,
          workers: v.workers,
          tta: v.tta,
        }),
      );
      if (v.json) printJson(r);
      else {
        const what = r.positive ? `label = P(${r.positive})` : `columns ${r.columns.join(', ')}`;
        const skipped = r.skipped.map((s) => `skipped ${s.file}: ${s.reason}\n`).join('');
        process.stdout.write(`wrote ${r.rows} rows to ${r.out} (${what})\n${skipped}`);
      }
      return 0;
    },
  },
};
