// `transfer-lab relabel`: the data cleaner from the terminal. Exclusions and new labels go into the prepared folder's
// dataset.json as overrides; no image is moved or changed, and the next `train` reads the files through them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CliCommand } from './commands';
import { printJson, runCliJob, UsageError } from './cliJob';
import { cleanerSummary } from '../../core/datasetOverrides';
import type { RelabelResult } from '../../core/jobs/relabel';

const HELP = `usage: transfer-lab relabel <prepared-dir> <file…> --to CLASS | --exclude | --undo [--json]

  <prepared-dir>  the folder prepare wrote (holding dataset.json)
  <file…>         images as dataset.json names them (val/cat/cat.12.jpg), or their paths in the prepared folder
                  (as evaluate's top losses list them), or the originals they were placed from
  --to CLASS      train and validate them as CLASS from now on (no file moves)
  --exclude       leave them out of training and validation
  --undo          drop the latest cleaner change of each
  --json          the last stdout line is one JSON object

The originals are never touched. Files that cannot be changed are named on stderr (exit 2); the others are changed.
The next train reuses the embedding cache, and its summary counts the change.`;

function formatRelabel(r: RelabelResult): string {
  const lines = [
    ...r.applied.map((o) => (o.action === 'exclude' ? `excluded ${o.file}` : `relabelled ${o.file} → ${o.to}`)),
    ...r.undone.map((o) => `undone: ${o.action === 'exclude' ? 'exclude' : `relabel → ${o.to}`} of ${o.file}`),
  ];
  if (!r.changed) lines.push(`no change to ${path.join(r.dataset, 'dataset.json')}`);
  const summary = cleanerSummary({ excluded: r.excluded.length, relabelled: r.relabelled.length });
  lines.push(`now: ${summary || 'no cleaner changes in effect'}`);
  for (const [split, row] of Object.entries(r.counts)) {
    lines.push(`  ${split}: ${Object.entries(row).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  }
  return lines.join('\n') + '\n';
}

export const cleanerCommands: Record<string, CliCommand> = {
  relabel: {
    summary: 'exclude images of a prepared dataset or move them to another class (recorded in dataset.json; ' +
      'originals untouched)',
    help: HELP,
    options: {
      json: { type: 'boolean', default: false },
      to: { type: 'string' },
      exclude: { type: 'boolean', default: false },
      undo: { type: 'boolean', default: false },
    },
    async run(v, positionals) {
      if (positionals.length < 2)
        throw new UsageError(positionals.length ? 'name at least one file to change' : 'the prepared folder is required');
      const actions = [v.to !== undefined && '--to', v.exclude && '--exclude', v.undo && '--undo'].filter(Boolean);
      if (actions.length !== 1)
        throw new UsageError(actions.length ? `choose one of ${actions.join(' and ')}` : 'say --to CLASS, --exclude or --undo');
      const [dataset, ...named] = positionals;
      // A path that exists from here is taken as one (the job maps it into the manifest); the rest are manifest names.
      const files = named.map((f) => (fs.existsSync(f) ? path.resolve(f) : f));
      // The job names each file it refuses on stderr.
      const r = await runCliJob('relabel', {
        dataset: path.resolve(dataset), files,
        ...(v.to !== undefined ? { to: v.to } : v.exclude ? { exclude: true } : { undo: true }),
      });
      if (v.json) printJson(r);
      else process.stdout.write(formatRelabel(r));
      return r.refused.length ? 2 : 0;
    },
  },
};
