// One runs folder as the Saved Models tree lists it: node's fs and the extension's process probe, over the listing
// in src/core that the CLI's `runs` uses too. Kept free of the vscode import so Node tests list runs exactly so.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { listRunsFolder, type ListedRun, type RunsReader, type UnreadableRun } from '../core/runListing';
import { probeProcess } from './processProbe';

const runsReader: RunsReader = {
  readdir: (d) => fs.readdir(d), readText: (f) => fs.readFile(f, 'utf8'), join: path.join,
};

export function listRunsIn(runsDir: string): Promise<{ runs: ListedRun[]; unreadable: UnreadableRun[] }> {
  return listRunsFolder(runsReader, runsDir, probeProcess);
}
