// Reads saved runs from <workspace>/.transfer-lab/runs/<id>/run.json. Unreadable runs are skipped and logged,
// so one broken file never hides the others.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LAB_DIR, RUN_FILES, RUNS_DIR } from '../core/runFiles';
import type { ListedRun } from '../core/runListing';
import { logChannel } from './log';
import { listRunsIn } from './runsFolder';

export type SavedRun = ListedRun;

export const RUNS_GLOB = `**/${LAB_DIR}/${RUNS_DIR}/*/${RUN_FILES.record}`;

export function runsDirFor(folder: vscode.Uri): string {
  return path.join(folder.fsPath, LAB_DIR, RUNS_DIR);
}

/** Every workspace folder's runs, newest first. */
export async function listRuns(): Promise<SavedRun[]> {
  const runs: SavedRun[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const listed = await listRunsIn(runsDirFor(folder.uri));
    for (const u of listed.unreadable) logChannel().warn(`skipped run ${u.dir}: ${u.reason}`);
    runs.push(...listed.runs);
  }
  return runs.sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt));
}
