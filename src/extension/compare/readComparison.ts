// Reads the runs to compare from disk, through the same reader the CLI's `runs --compare` uses. Kept free of the
// vscode import so Node tests read runs exactly so.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readComparedRuns, type ComparisonReader } from '../../core/comparedRuns';
import { compareRuns, type RunComparison } from '../../core/runComparison';
import { probeProcess } from '../processProbe';

const reader: ComparisonReader = { readText: (f) => fs.readFile(f, 'utf8'), join: path.join };

/** The comparison of the runs that could be read, and a sentence for each file that could not. */
export async function readComparison(runDirs: readonly string[]): Promise<{ comparison: RunComparison; problems: string[] }> {
  const { runs, problems } = await readComparedRuns(reader, runDirs, probeProcess);
  return { comparison: compareRuns(runs), problems };
}
