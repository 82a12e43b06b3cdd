// `transfer-lab train`: the feature extractor or fine-tuning, from the terminal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CliCommand } from './commands';
import { checkRunFolder } from './flags';
import { printJson, runCliJob, UsageError } from './cliJob';
import { RUN_FILES } from '../../core/runFiles';
import { cleanerSummary } from '../../core/datasetOverrides';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** What `lr-find --from` left in the run, as a hint: the CLI never changes a rate the user did not pass. */
function lrFindHint(runDir: string): string {
  try {
    const file = path.join(runDir, RUN_FILES.lrFind);
    const found = JSON.parse(fs.readFileSync(file, 'utf8')) as { suggestion?: unknown; unfreezeFrom?: unknown };
    if (typeof found.suggestion !== 'number') return '';
    const where = typeof found.unfreezeFrom === 'string' ? ` (unfreezing from ${found.unfreezeFrom})` : '';
    return `lr-find.json in this run suggests --lr ${found.suggestion.toPrecision(2)}${where}; using the recipe's 1e-4 unless you pass --lr\n`;
  } catch {
    return '';
  }
}

export const trainCommands: Record<string, CliCommand> = {
  train: {
    summary: 'train a feature extractor, or fine-tune a saved run',
    help:
      'usage: transfer-lab train <prepared-dir> --backbone <zoo-id|path|url> [--cut LAYER] [--mode feature-extractor|fine-tune]\n' +
      '       transfer-lab train --from RUN_DIR [--unfreeze-from LAYER|BLOCK]   (fine-tune; default: the top block)\n' +
      '         [--epochs 50] [--patience 10|5] [--batch 32] [--size 224]\n' +
      '         [--resize cover|fill|contain] [--augment K] [--lr X] [--seed 42] [--max-per-class N] [--head recipe|linear] [--dropout R]\n' +
      '         [--monitor val_loss|val_acc] [--class-weights none|balanced]\n' +
      '         [--runs DIR] [--cache DIR] [--engine auto|wasm|cpu|...] [--frozen auto|onnxruntime|tfjs]\n' +
      '         [--workers N] [--json]',
    options: {
      json: { type: 'boolean', default: false },
      backbone: { type: 'string' },
      cut: { type: 'string' },
      mode: { type: 'string' },
      from: { type: 'string' },
      'unfreeze-from': { type: 'string' },
      epochs: { type: 'string' },
      patience: { type: 'string' },
      batch: { type: 'string' },
      size: { type: 'string' },
      resize: { type: 'string' },
      augment: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      monitor: { type: 'string' },
      'class-weights': { type: 'string' },
      'max-per-class': { type: 'string' },
      head: { type: 'string' },
      dropout: { type: 'string' },
      runs: { type: 'string' },
      cache: { type: 'string' },
      engine: { type: 'string' },
      frozen: { type: 'string' },
      workers: { type: 'string' },
    },
    async run(v, positionals) {
      const mode = (v.mode as string | undefined) ?? (v.from ? 'fine-tune' : 'feature-extractor');
      const dataset = positionals[0];
      if (mode === 'feature-extractor' && (!dataset || !v.backbone))
        throw new UsageError('a prepared dataset folder and --backbone are required');
      // Without --unfreeze-from the job unfreezes the backbone's top block, as the VS Code command does.
      if (mode === 'fine-tune' && !v.from) throw new UsageError('fine-tuning needs --from RUN_DIR');
      // Checked here, before the engine loads, so a wrong folder is a sentence and not ENOENT from inside the job.
      if (typeof v.from === 'string') checkRunFolder('--from', v.from);
      const abs = (p: unknown) => (typeof p === 'string' ? path.resolve(p) : undefined);
      const config = {
        mode,
        dataset: abs(dataset),
        backbone: v.backbone,
        cut: v.cut,
        from: abs(v.from),
        unfreezeFrom: v['unfreeze-from'],
        epochs: v.epochs,
        patience: v.patience,
        batch: v.batch,
        size: v.size,
        resize: v.resize,
        augment: v.augment,
        lr: v.lr,
        seed: v.seed,
        maxPerClass: v['max-per-class'],
        head: v.head,
        dropout: v.dropout,
        monitor: v.monitor,
        classWeights: v['class-weights'],
        runsDir: abs(v.runs),
        cacheDir: abs(v.cache),
        engine: v.engine,
        frozen: v.frozen,
        workers: v.workers,
      };
      if (mode === 'fine-tune' && v.lr === undefined) process.stderr.write(lrFindHint(path.resolve(v.from as string)));
      const defined = Object.fromEntries(Object.entries(config).filter(([, x]) => x !== undefined));
      const s = await runCliJob('train', defined);
      if (v.json) {
        printJson({
          id: s.runId,
          dir: s.dir,
          status: s.status,
          engine: s.engine,
          ...(s.frozenEngine ? { frozenEngine: s.frozenEngine } : {}),
          best: s.best,
          seconds: s.seconds,
          classes: s.classes,
          counts: s.counts,
          cache: s.cache,
          ...(s.cleaner ? { cleaner: s.cleaner } : {}),
          skipped: s.skipped,
          warnings: s.warnings,
          ...(s.unfreezeFrom ? { unfreezeFrom: s.unfreezeFrom } : {}),
        });
      } else {
        const best = `best val_acc ${s.best.valAcc.toFixed(4)} at epoch ${s.best.epoch}`;
        const cache =
          `cache: ${s.cache.fromCache} read, ${s.cache.computed} computed` +
          (s.frozenEngine ? ` (frozen passes on ${s.frozenEngine})` : '') +
          (s.cache.corrupt ? ` (${s.cache.corrupt} damaged entries recomputed)` : '');
        const counts = `images: ${sum(s.counts.train)} train, ${sum(s.counts.val)} val` +
          (s.cleaner ? ` (${cleanerSummary(s.cleaner)})` : '');
        process.stdout.write(
          `run ${s.runId} completed: ${best}\n  ${s.dir}\n  ${counts}\n  ${cache}\n` +
            s.warnings.map((w) => `warning: ${w}\n`).join(''),
        );
      }
      return 0;
    },
  },
};
