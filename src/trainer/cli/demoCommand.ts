// `transfer-lab demo <image-folder>`: the main job end to end from the terminal, with the same jobs the
// extension runs: prepare the folder, train a feature extractor, evaluate it, and predict the test folder if any.
import * as path from 'node:path';
import { countsTable } from '../../core/preparePreview';
import { DATASETS_DIR, RUNS_DIR, CACHE_DIR, LAB_DIR } from '../../core/runFiles';
import type { CliCommand } from './commands';
import { printJson, runCliJob, UsageError } from './cliJob';
import type { PredictResult } from '../../core/jobs/predict';

export const demoCommands: Record<string, CliCommand> = {
  demo: {
    summary: 'prepare an image folder, train a feature extractor, evaluate it and predict its test folder',
    help:
      'usage: transfer-lab demo <image-folder> [--backbone <zoo-id|path|url>] [--max-per-class N] [--epochs N] [--work DIR] [--json]\n' +
      '  The prepared copy goes to <work>/datasets/<name> (default work: ./.transfer-lab), never beside the originals.',
    options: {
      backbone: { type: 'string', default: 'mobilenet_v2_0.35_224' },
      'max-per-class': { type: 'string' },
      epochs: { type: 'string' },
      work: { type: 'string', default: LAB_DIR },
      json: { type: 'boolean', default: false },
    },
    async run(v, positionals) {
      const source = positionals[0];
      if (!source) throw new UsageError('name the image folder to train on');
      const work = path.resolve(v.work as string);
      const out = path.join(work, DATASETS_DIR, path.basename(path.resolve(source)));
      const cap = v['max-per-class'] === undefined ? {} : { maxPerClass: v['max-per-class'] };
      const t0 = Date.now();
      process.stderr.write(`1/4 preparing ${source} → ${out}\n`);
      const p = await runCliJob('prepare', { source: path.resolve(source), out, ...cap });
      // Prepare reports an undo only when its config asks for one, which this one does not.
      if ('undo' in p) throw new Error('prepare reported an undo instead of a prepared dataset');
      process.stderr.write(`${p.layoutReason}\n${countsTable(p.counts, p.classes)}\n`);
      process.stderr.write(`2/4 training a feature extractor on ${v.backbone}\n`);
      const t = await runCliJob('train', {
        mode: 'feature-extractor',
        dataset: out,
        backbone: v.backbone,
        runsDir: path.join(work, RUNS_DIR),
        cacheDir: path.join(work, CACHE_DIR),
        ...(v.epochs === undefined ? {} : { epochs: v.epochs }),
      });
      process.stderr.write('3/4 evaluating on the validation split\n');
      const e = await runCliJob('evaluate', { runDir: t.dir });
      const test = path.join(out, 'test');
      let predictions: PredictResult | undefined;
      if (p.counts.test) {
        process.stderr.write(`4/4 predicting ${test}\n`);
        predictions = await runCliJob('predict', { runDir: t.dir, images: test });
      }
      const summary = {
        dataset: out,
        layout: p.layout,
        classes: p.classes,
        counts: p.counts,
        run: t.dir,
        best: t.best,
        evaluation: { accuracy: e.accuracy, logLoss: e.logLoss, auc: e.auc, confusion: e.confusion },
        predictions: predictions ? { rows: predictions.rows, out: predictions.out } : null,
        seconds: { total: (Date.now() - t0) / 1000, prepare: p.seconds, ...t.seconds },
      };
      if (v.json) printJson(summary);
      else {
        process.stdout.write(
          `done in ${summary.seconds.total.toFixed(0)} s: best val_acc ${t.best.valAcc.toFixed(4)} (epoch ${t.best.epoch}); ` +
            `evaluation accuracy ${e.accuracy.toFixed(4)}, log loss ${e.logLoss.toFixed(4)}${e.auc === undefined ? '' : `, AUC ${e.auc.toFixed(4)}`}\n  run: ${t.dir}\n` +
            (predictions ? `  predictions: ${predictions.out} (${predictions.rows} rows)\n` : ''),
        );
      }
      return 0;
    },
  },
};
