// `transfer-lab train`: the feature extractor or fine-tuning, from the terminal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CliCommand } from './cliCommands';
import { exitCodeOf, printJson, runCliJob, UsageError } from './cliJob';
import type { TrainSummary } from './jobs/train';

const num = (name: string, v: unknown) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return n;
};

/** What `lr-find --from` left in the run, as a hint: the CLI never changes a rate the user did not pass. */
function lrFindHint(runDir: string): string {
  try {
    const found = JSON.parse(fs.readFileSync(path.join(runDir, 'lr-find.json'), 'utf8')) as { suggestion?: unknown; unfreezeFrom?: unknown };
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
    help: 'usage: transfer-lab train <prepared-dir> --backbone <zoo-id|path|url> [--cut LAYER] [--mode feature-extractor|fine-tune]\n' +
      '         [--from RUN_DIR] [--unfreeze-from LAYER|BLOCK] [--epochs 50] [--patience 10|5] [--batch 32] [--size 224]\n' +
      '         [--resize cover|fill|contain] [--augment K] [--lr X] [--seed 42] [--max-per-class N] [--head recipe|linear] [--dropout R]\n' +
      '         [--monitor val_loss|val_acc] [--class-weights none|balanced]\n' +
      '         [--runs DIR] [--cache DIR] [--engine auto|wasm|cpu|...] [--workers N] [--json]',
    options: {
      json: { type: 'boolean', default: false }, backbone: { type: 'string' }, cut: { type: 'string' }, mode: { type: 'string' },
      from: { type: 'string' }, 'unfreeze-from': { type: 'string' }, epochs: { type: 'string' }, patience: { type: 'string' },
      batch: { type: 'string' }, size: { type: 'string' }, resize: { type: 'string' }, augment: { type: 'string' }, lr: { type: 'string' },
      seed: { type: 'string' }, monitor: { type: 'string' }, 'class-weights': { type: 'string' }, 'max-per-class': { type: 'string' }, head: { type: 'string' }, dropout: { type: 'string' }, runs: { type: 'string' },
      cache: { type: 'string' }, engine: { type: 'string' }, workers: { type: 'string' },
    },
    async run(v, positionals) {
      const mode = (v.mode as string | undefined) ?? (v.from ? 'fine-tune' : 'feature-extractor');
      const dataset = positionals[0];
      if (mode === 'feature-extractor' && (!dataset || !v.backbone)) throw new UsageError('a prepared dataset folder and --backbone are required');
      if (mode === 'fine-tune' && (!v.from || !v['unfreeze-from'])) throw new UsageError('fine-tuning needs --from RUN_DIR and --unfreeze-from LAYER|BLOCK');
      const abs = (p: unknown) => (typeof p === 'string' ? path.resolve(p) : undefined);
      const config = {
        mode, dataset: abs(dataset), backbone: v.backbone, cut: v.cut, from: abs(v.from), unfreezeFrom: v['unfreeze-from'],
        epochs: num('epochs', v.epochs), patience: num('patience', v.patience), batch: num('batch', v.batch), size: num('size', v.size),
        resize: v.resize, augment: num('augment', v.augment), lr: num('lr', v.lr), seed: num('seed', v.seed),
        maxPerClass: num('max-per-class', v['max-per-class']), head: v.head, dropout: num('dropout', v.dropout), monitor: v.monitor, classWeights: v['class-weights'], runsDir: abs(v.runs), cacheDir: abs(v.cache), engine: v.engine,
        workers: num('workers', v.workers),
      };
      if (mode === 'fine-tune' && v.lr === undefined) process.stderr.write(lrFindHint(path.resolve(v.from as string)));
      const terminal = await runCliJob('train', Object.fromEntries(Object.entries(config).filter(([, x]) => x !== undefined)));
      if (terminal.type === 'done') {
        const s = terminal.result as TrainSummary;
        if (v.json) printJson({ id: s.runId, dir: s.dir, status: s.status, engine: s.engine, best: s.best, seconds: s.seconds, classes: s.classes, counts: s.counts, cache: s.cache });
        else process.stdout.write(`run ${s.runId} completed: best val_acc ${s.best.valAcc.toFixed(4)} at epoch ${s.best.epoch}\n  ${s.dir}\n`);
      }
      return exitCodeOf(terminal);
    },
  },
};
