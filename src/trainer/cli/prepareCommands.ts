// `transfer-lab prepare`: detect the layout, preview the split, and write the prepared tree (or undo it).
import * as path from 'node:path';
import type { CliCommand } from './commands';
import { printJson, runCliJob, UsageError } from './cliJob';
import { formatPrepareSummary } from '../../core/preparePreview';
import { LAYOUT_KINDS } from '../../core/layoutDetection';

const HELP = `usage: transfer-lab prepare <dir> [--out DIR] [--val 0.2] [--train-dev 0] [--seed 42]
         [--max-per-class N] [--max-val-per-class N] [--max-test N] [--copy|--link|--symlink]
         [--root SUBDIR] [--layout ${LAYOUT_KINDS.join('|')}] [--samples 8] [--dry-run] [--undo] [--json]

  <dir>                 the image folder (class folders, train/val folders, or Kaggle-style cat.1.jpg names)
  --out DIR             where the prepared tree goes (default: <dir>-prepared, beside <dir>)
  --val F               fraction of each class for validation (default 0.2)
  --train-dev F         fraction of each class for a train-dev set (default 0)
  --seed N              seed for the split and the samples (default 42)
  --max-per-class N     use a seeded random N images of each class, before the split
  --max-val-per-class N at most N validation images per class
  --max-test N          at most N test images
  --link                hard links where possible, else copies (default); --copy always copies; --symlink links
  --root, --layout      pick a dataset when more than one layout fits
  --dry-run             show the plan and the health report; write nothing
  --undo                remove what an earlier prepare created in --out (never the originals)
  --json                the last stdout line is one JSON object`;

function placementOf(v: Record<string, unknown>): string | undefined {
  const chosen = (['copy', 'link', 'symlink'] as const).filter((k) => v[k]);
  if (chosen.length > 1)
    throw new UsageError(`choose one of --copy, --link, --symlink (got ${chosen.map((k) => `--${k}`).join(' and ')})`);
  return chosen[0];
}

export const prepareCommands: Record<string, CliCommand> = {
  prepare: {
    summary: 'detect a dataset layout, split it train/val(/test) with a seed, and report its health',
    help: HELP,
    options: {
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      val: { type: 'string' },
      'train-dev': { type: 'string' },
      seed: { type: 'string' },
      'max-per-class': { type: 'string' },
      'max-val-per-class': { type: 'string' },
      'max-test': { type: 'string' },
      copy: { type: 'boolean' },
      link: { type: 'boolean' },
      symlink: { type: 'boolean' },
      root: { type: 'string' },
      layout: { type: 'string' },
      samples: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      undo: { type: 'boolean', default: false },
    },
    async run(v, positionals) {
      if (positionals.length !== 1)
        throw new UsageError(
          positionals.length ? `expected one folder, got ${positionals.length}` : 'the image folder is required',
        );
      const config = {
        source: path.resolve(positionals[0]),
        out: typeof v.out === 'string' ? path.resolve(v.out) : undefined,
        val: v.val,
        trainDev: v['train-dev'],
        seed: v.seed,
        maxPerClass: v['max-per-class'],
        maxValPerClass: v['max-val-per-class'],
        maxTest: v['max-test'],
        placement: placementOf(v),
        root: typeof v.root === 'string' ? v.root.replace(/\\/g, '/').replace(/^\.\/|\/+$/g, '') : undefined,
        layout: v.layout,
        samples: v.samples,
        dryRun: v['dry-run'],
        undo: v.undo,
      };
      const defined = Object.fromEntries(Object.entries(config).filter(([, x]) => x !== undefined));
      const r = await runCliJob('prepare', defined);
      if (v.json) printJson(r);
      else if ('undo' in r) {
        process.stdout.write(
          `undone: removed ${r.removedFiles} files and ${r.removedDirs} folders from ${r.output}` +
            (r.keptDirs.length
              ? `; kept ${r.keptDirs.join(', ')} (they hold files Prepare Dataset did not create)`
              : '') +
            '\n',
        );
      } else process.stdout.write(formatPrepareSummary(r));
      return 0;
    },
  },
};
