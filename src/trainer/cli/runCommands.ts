// CLI commands about saved runs.
import * as path from 'node:path';
import { LAB_DIR, RUNS_DIR } from '../../core/runFiles';
import { formatDuration } from './progress';
import type { CliCommand } from './commands';
import { printJson, UsageError } from './cliJob';
import { listRunDirs } from '../runs/runWriter';
import { runCompare } from './compareRuns';

export function defaultRunsDir(): string {
  return path.resolve(LAB_DIR, RUNS_DIR);
}

export const runCommands: Record<string, CliCommand> = {
  runs: {
    summary: 'list saved runs with status, mode, backbone and best val_acc; --compare shows runs side by side',
    help: 'usage: transfer-lab runs [--runs DIR] [--json]\n' +
      '       transfer-lab runs --compare RUN RUN [RUN…] [--runs DIR] [--json]\n' +
      '  RUN: a run folder, or a run id in the runs folder. --compare prints their settings and results side by\n' +
      '  side and marks what differs; with --json one object: runs (settings and results of each, null where a run\n' +
      '  does not record one), differingSettings, differingResults and problems (files that could not be read).',
    options: {
      json: { type: 'boolean', default: false }, runs: { type: 'string' }, compare: { type: 'boolean', default: false },
    },
    async run(values, positionals) {
      const dir = typeof values.runs === 'string' ? path.resolve(values.runs) : defaultRunsDir();
      if (values.compare) return runCompare(positionals, dir, values.json === true);
      if (positionals.length) throw new UsageError(`runs takes no arguments without --compare (got ${positionals.join(' ')})`);
      const { runs, unreadable } = await listRunDirs(dir);
      for (const u of unreadable) process.stderr.write(`skipped ${u.dir}: ${u.reason}\n`);
      if (values.json) {
        printJson(
          runs.map((r) => ({
            id: r.record.id,
            dir: r.dir,
            status: r.status,
            mode: r.record.mode,
            backbone: r.record.backbone,
            dataset: r.record.dataset,
            best: r.record.best ?? null,
            engine: r.record.engine,
            createdAt: r.record.createdAt,
          })),
        );
        return 0;
      }
      if (runs.length === 0) process.stdout.write(`no runs in ${dir}\n`);
      for (const r of runs) {
        const best = r.record.best
          ? `val_acc ${r.record.best.valAcc.toFixed(4)} (epoch ${r.record.best.epoch})`
          : 'no epoch yet';
        const secs = Object.values(r.record.timings).reduce((a, b) => a + b, 0);
        process.stdout.write(
          `${r.record.id}  ${r.status.padEnd(9)}  ${r.record.mode.padEnd(17)}  ${r.record.backbone}  ${best}  ${formatDuration(secs)}\n`,
        );
      }
      return 0;
    },
  },
};
