// Reads saved runs from <workspace>/.transfer-lab/runs/<id>/run.json. Unreadable runs are skipped and logged,
// so one broken file never hides the others.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { effectiveStatus, parseRunRecord, type RunRecord, type RunStatus } from '../core/runRecord';
import { logChannel } from './log';
import { probeProcess } from './processProbe';

export interface SavedRun { dir: string; record: RunRecord; status: RunStatus }

export const RUNS_GLOB = '**/.transfer-lab/runs/*/run.json';

export function runsDirFor(folder: vscode.Uri): string {
  return path.join(folder.fsPath, '.transfer-lab', 'runs');
}

/** Liveness only. Status checks pass probeProcess, which also compares the start time a run recorded. */
export function isAlive(pid: number): boolean {
  return probeProcess(pid).alive;
}

export async function listRuns(): Promise<SavedRun[]> {
  const runs: SavedRun[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const root = runsDirFor(folder.uri);
    let ids: string[];
    try {
      ids = await fs.readdir(root);
    } catch {
      continue;
    }
    for (const id of ids) {
      const dir = path.join(root, id);
      try {
        const record = parseRunRecord(JSON.parse(await fs.readFile(path.join(dir, 'run.json'), 'utf8')));
        runs.push({ dir, record, status: effectiveStatus(record, probeProcess) });
      } catch (e) {
        logChannel().warn(`skipped run ${dir}: ${(e as Error).message}`);
      }
    }
  }
  return runs.sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt));
}
