// `transfer-lab demo <image-folder>`: the main job end to end from the terminal, with the same jobs the
// extension runs: prepare the folder, then train a feature extractor on it.
import * as path from 'node:path';
import { countsTable, type PrepareResult } from '../core/preparePreview';
import type { CliCommand } from './cliCommands';
import { exitCodeOf, printJson, runCliJob, UsageError } from './cliJob';
import type { TrainSummary } from './jobs/train';

export const demoCommands: Record<string, CliCommand> = {
  demo: {
    summary: 'prepare an image folder and train a feature extractor on it, end to end',
    help: 'usage: transfer-lab demo <image-folder> [--backbone <zoo-id|path|url>] [--max-per-class N] [--epochs N] [--work DIR] [--json]\n' +
      '  The prepared copy goes to <work>/datasets/<name> (default work: ./.transfer-lab), never beside the originals.',
    options: {
      backbone: { type: 'string', default: 'mobilenet_v2_0.35_224' }, 'max-per-class': { type: 'string' }, epochs: { type: 'string' },
      work: { type: 'string', default: '.transfer-lab' }, json: { type: 'boolean', default: false },
    },
    async run(v, positionals) {
      const source = positionals[0];
      if (!source) throw new UsageError('name the image folder to train on');
      const work = path.resolve(v.work as string);
      const out = path.join(work, 'datasets', path.basename(path.resolve(source)));
      const cap = v['max-per-class'] === undefined ? {} : { maxPerClass: Number(v['max-per-class']) };
      const t0 = Date.now();
      process.stderr.write(`1/2 preparing ${source} → ${out}\n`);
      const prepared = await runCliJob('prepare', { source: path.resolve(source), out, ...cap });
      if (prepared.type !== 'done') return exitCodeOf(prepared);
      const p = prepared.result as PrepareResult;
      process.stderr.write(`${p.layoutReason}\n${countsTable(p.counts, p.classes)}\n`);
      process.stderr.write(`2/2 training a feature extractor on ${v.backbone}\n`);
      const trained = await runCliJob('train', {
        mode: 'feature-extractor', dataset: out, backbone: v.backbone, runsDir: path.join(work, 'runs'), cacheDir: path.join(work, 'cache'),
        ...(v.epochs ? { epochs: Number(v.epochs) } : {}),
      });
      if (trained.type !== 'done') return exitCodeOf(trained);
      const t = trained.result as TrainSummary;
      const summary = { dataset: out, layout: p.layout, classes: p.classes, counts: p.counts, run: t.dir, best: t.best, seconds: { total: (Date.now() - t0) / 1000, prepare: p.seconds, ...t.seconds } };
      if (v.json) printJson(summary);
      else process.stdout.write(`done in ${summary.seconds.total.toFixed(0)} s: best val_acc ${t.best.valAcc.toFixed(4)} (epoch ${t.best.epoch})\n  run: ${t.dir}\n`);
      return 0;
    },
  },
};
