// `transfer-lab runs --compare A B …`: saved runs side by side, each run named by its folder or by its id in the runs
// folder. The comparison itself (rows, differences, missing values as —) is src/core/runComparison.ts.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { readComparedRuns, type ComparisonReader } from '../../core/comparedRuns';
import { compareRuns, type RunComparison } from '../../core/runComparison';
import { printJson, UsageError } from './cliJob';
import { BadInputError } from '../runtime/jobContext';
import { probeProcess } from '../runtime/processProbe';

const reader: ComparisonReader = { readText: (f) => fsp.readFile(f, 'utf8'), join: path.join };

/** A folder that exists is the run; anything else is an id in the runs folder. */
function runDirOf(arg: string, runsDir: string): string {
  const given = path.resolve(arg);
  return fs.existsSync(given) ? given : path.join(runsDir, arg);
}

/** One column per run, headed [1], [2]…; a '*' marks a row whose values differ, a '+' the best result. */
export function formatComparison(c: RunComparison): string {
  const lines = c.runs.map((r, i) => `[${i + 1}] ${r.id}  ${r.dir}`);
  const labelWidth = Math.max(...c.rows.map((r) => r.label.length));
  const cell = (row: RunComparison['rows'][number], i: number) => row.text[i] + (row.best.includes(i) ? ' +' : '');
  const widths = c.runs.map((_, i) => Math.max(`[${i + 1}]`.length, ...c.rows.map((row) => cell(row, i).length)));
  const line = (mark: string, label: string, cells: string[]) =>
    `${mark} ${label.padEnd(labelWidth)}  ${cells.map((x, i) => x.padEnd(widths[i])).join('  ')}`.trimEnd();
  for (const kind of ['setting', 'result'] as const) {
    lines.push('', line(' ', kind === 'setting' ? 'settings' : 'results', c.runs.map((_, i) => `[${i + 1}]`)));
    for (const row of c.rows.filter((r) => r.kind === kind)) {
      lines.push(line(row.differs ? '*' : ' ', row.label, c.runs.map((_, i) => cell(row, i))));
    }
  }
  const differing = c.differingSettings.length
    ? c.rows.filter((r) => c.differingSettings.includes(r.key)).map((r) => r.label).join(', ')
    : 'none';
  lines.push('', `* differs between the runs; + best of the runs. Settings that differ: ${differing}`);
  return lines.join('\n') + '\n';
}

export async function runCompare(args: string[], runsDir: string, json: boolean): Promise<number> {
  if (args.length < 2) throw new UsageError('--compare needs two or more runs (folders, or ids in the runs folder)');
  const { runs, problems } = await readComparedRuns(reader, args.map((a) => runDirOf(a, runsDir)), probeProcess);
  for (const p of problems) process.stderr.write(`skipped ${p}\n`);
  if (runs.length < 2) {
    throw new BadInputError(
      `only ${runs.length} of the ${args.length} runs could be read, and a comparison needs two: ${problems.join('; ')}`,
      undefined, '`transfer-lab runs` lists the saved runs and their folders.',
    );
  }
  const comparison = compareRuns(runs);
  if (!json) {
    process.stdout.write(formatComparison(comparison));
    return 0;
  }
  // One entry per run with its settings and results by key (null: the run does not record it), then what differs.
  printJson({
    runs: comparison.runs.map((r, i) => ({
      ...r,
      settings: Object.fromEntries(comparison.rows.filter((x) => x.kind === 'setting').map((x) => [x.key, x.values[i]])),
      results: Object.fromEntries(comparison.rows.filter((x) => x.kind === 'result').map((x) => [x.key, x.values[i]])),
    })),
    differingSettings: comparison.differingSettings,
    differingResults: comparison.rows.filter((x) => x.kind === 'result' && x.differs).map((x) => x.key),
    problems,
  });
  return 0;
}
